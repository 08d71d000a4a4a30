import type { TokenInspection } from './inspect.js'
import { duration } from './lifetime.js'
import { printable } from './printable.js'

const DIM = '\x1b[2m'
const BOLD = '\x1b[1m'
const RESET = '\x1b[0m'

/**
 * An inspection as jwt.ms-style text: a summary line, the header, then one aligned line per claim
 * with its value, readable form and description. The signature is never part of the output.
 */
export function formatInspection(inspection: TokenInspection, options: { color?: boolean } = {}): string {
  const paint = (code: string, text: string) => (options.color ? `${code}${text}${RESET}` : text)
  const i = inspection
  const expiry =
    i.expiresInSeconds === undefined ? 'no exp' : i.expired ? `expired ${duration(-i.expiresInSeconds)} ago` : `expires in ${duration(i.expiresInSeconds)}`
  const summary = [
    `${i.version ? `v${i.version} ` : ''}${i.appOnly ? 'app-only' : 'user (delegated)'} token`,
    i.tenantId && `tenant ${printable(i.tenantId, 64)}`,
    i.clientId && `client ${printable(i.clientId, 64)}`,
    i.audience && `aud ${printable(i.audience)}`,
    expiry,
  ].filter(Boolean)

  const lines = [paint(BOLD, summary.join(' · ')), '', paint(BOLD, 'Header')]
  const header = Object.entries(i.header).map(([name, value]) => [printable(name, 64), show(value)] as const)
  const hWidth = Math.max(0, ...header.map(([k]) => k.length))
  for (const [name, value] of header) lines.push(`  ${name.padEnd(hWidth)}  ${value}`)
  lines.push('', paint(BOLD, 'Claims'))
  const cWidth = Math.max(0, ...i.claims.map((c) => printable(c.name, 64).length))
  for (const claim of i.claims) {
    const value = show(claim.value)
    const rendered = claim.rendered !== undefined && printable(claim.rendered, 2000) !== value ? `  ${printable(claim.rendered, 2000)}` : ''
    const description = claim.description ? `  ${paint(DIM, `— ${claim.description}`)}` : ''
    lines.push(`  ${printable(claim.name, 64).padEnd(cWidth)}  ${value}${rendered}${description}`)
  }
  return lines.join('\n')
}

/** A header or claim value as text; token-supplied, so control characters are escaped (see printable). */
function show(value: unknown): string {
  return printable(value, 2000)
}
