import type { TokenInspection } from './inspect.js'
import { duration } from './lifetime.js'

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
    i.tenantId && `tenant ${i.tenantId}`,
    i.clientId && `client ${i.clientId}`,
    i.audience && `aud ${i.audience}`,
    expiry,
  ].filter(Boolean)

  const lines = [paint(BOLD, summary.join(' · ')), '', paint(BOLD, 'Header')]
  const hWidth = Math.max(0, ...Object.keys(i.header).map((k) => k.length))
  for (const [name, value] of Object.entries(i.header)) lines.push(`  ${name.padEnd(hWidth)}  ${show(value)}`)
  lines.push('', paint(BOLD, 'Claims'))
  const cWidth = Math.max(0, ...i.claims.map((c) => c.name.length))
  for (const claim of i.claims) {
    const rendered = claim.rendered !== undefined && claim.rendered !== show(claim.value) ? `  ${claim.rendered}` : ''
    const description = claim.description ? `  ${paint(DIM, `— ${claim.description}`)}` : ''
    lines.push(`  ${claim.name.padEnd(cWidth)}  ${show(claim.value)}${rendered}${description}`)
  }
  return lines.join('\n')
}

function show(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value)
}
