import { inspectToken, type TokenInspection } from '../../jwt/inspect.js'
import { defineCommand } from '../command.js'
import { CliError } from '../errors.js'
import { expectPositionals } from '../parse.js'
import { readTokenInput } from '../token_input.js'

export default defineCommand({
  name: 'inspect',
  summary: 'Decode a token like jwt.ms: header, claims with descriptions, dates',
  usage: '[TOKEN|-]',
  description: `
Reads the token from TOKEN, from stdin ('-' or piped) or from --file. Nothing is verified and
nothing is sent anywhere. Use 'm365d token validate' to check a token against expectations.`,
  options: {
    file: { type: 'string', valueName: 'FILE', description: 'Read the token from FILE' },
  },
  examples: ['m365d token | m365d token inspect', 'm365d token inspect --file Latest-token.txt', 'm365d token inspect "$TOKEN" --json'],
  async run(ctx) {
    expectPositionals(ctx.positionals, 1, ctx.commandPath)
    const text = await readTokenInput({ positional: ctx.positionals[0], file: ctx.values.file, io: ctx.io, commandPath: ctx.commandPath, stdinIfPiped: true })
    if (text === undefined) {
      throw new CliError('ERR_CLI_MISSING_TOKEN', 'no token given', { hint: `pass TOKEN, '-' to read stdin, or --file FILE (see ${ctx.commandPath} --help)` })
    }
    // Not a JWT → the library's ERR_JWT_MALFORMED / ERR_JWT_ENCRYPTED (exit 2); it never echoes the input.
    const inspection = inspectToken(text)
    const warnings = tokenWarnings(inspection)
    ctx.printJson({ ...inspection, warnings }, { text: (d) => renderInspection(d, ctx.color, d.warnings) })
  },
})

/** The jwt.ms-like text view: a summary, the header, then every claim with its meaning. */
export function renderInspection(i: TokenInspection, color: boolean, warnings: string[] = tokenWarnings(i)): string {
  const dim = (s: string) => (color ? `\u001b[2m${s}\u001b[22m` : s)
  const bold = (s: string) => (color ? `\u001b[1m${s}\u001b[22m` : s)
  const lines: string[] = []
  const expiry = i.expiresAt
    ? `${i.expired ? 'EXPIRED' : 'expires'} ${i.expiresAt.toISOString()} (${i.expired ? `${minutes(-(i.expiresInSeconds ?? 0))} ago` : `in ${minutes(i.expiresInSeconds ?? 0)}`})`
    : 'no exp claim'
  if (warnings.length) {
    lines.push(bold('Warnings'))
    for (const w of warnings) lines.push(`  ! ${w}`)
    lines.push('')
  }
  lines.push(bold('Summary'))
  lines.push(`  ${i.appOnly ? 'app-only' : 'delegated (user)'} token, v${i.version ?? '?'}, ${expiry}`)
  if (i.tenantId) lines.push(`  tenant    ${i.tenantId}`)
  if (i.clientId) lines.push(`  client    ${i.clientId}`)
  if (i.audience) lines.push(`  audience  ${i.audience}`)
  lines.push(`  roles     ${i.roles.length ? i.roles.join(', ') : '(none)'}`)
  if (i.scopes.length) lines.push(`  scopes    ${i.scopes.join(' ')}`)
  lines.push('', bold('Header'))
  const hw = Math.max(...Object.keys(i.header).map((k) => k.length))
  for (const [k, v] of Object.entries(i.header)) lines.push(`  ${k.padEnd(hw)}  ${show(v)}`)
  lines.push('', bold('Claims'))
  const cw = Math.max(...i.claims.map((c) => c.name.length))
  for (const c of i.claims) {
    const rendered = c.rendered !== undefined && c.rendered !== show(c.value) ? `  ${dim(`(${c.rendered})`)}` : ''
    lines.push(`  ${c.name.padEnd(cw)}  ${show(c.value)}${rendered}`)
    if (c.description) lines.push(`  ${' '.repeat(cw)}  ${dim(c.description)}`)
  }
  lines.push('', dim('Signature not verified (use: m365d token validate --verify-signature).'))
  return lines.join('\n')
}

function show(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value)
}

function minutes(seconds: number): string {
  return seconds >= 5400 ? `${(seconds / 3600).toFixed(1)} h` : seconds >= 120 ? `${Math.round(seconds / 60)} min` : `${Math.round(seconds)} s`
}

/**
 * What a reader of the decoded token should not miss. `alg: none` first: an unsigned token must
 * never be accepted (RFC 8725 §2.1, §3.1); Entra ID signs access tokens with RS256.
 */
export function tokenWarnings(i: TokenInspection, now = Date.now()): string[] {
  const out: string[] = []
  const alg = typeof i.header.alg === 'string' ? i.header.alg : undefined
  if (alg === undefined || alg.toLowerCase() === 'none') out.push(`alg: ${alg ?? '(missing)'}: the token is UNSIGNED; anyone can forge it and no API or validator may accept it (RFC 8725 §3.1)`)
  else if (/^HS/i.test(alg)) out.push(`alg: ${alg} is a shared-secret algorithm; Entra ID signs access tokens with RS256, so this token was not issued by it`)
  else if (alg !== 'RS256') out.push(`alg: ${alg} is not what Entra ID uses for access tokens (RS256)`)
  if (i.header.typ !== undefined && typeof i.header.typ === 'string' && !/^(JWT|at\+jwt|application\/at\+jwt)$/i.test(i.header.typ)) out.push(`typ: ${i.header.typ} is not a JWT access token type`)
  if (i.expired) out.push('expired: APIs answer 401 (get a new token: m365d token)')
  if (i.notBefore && i.notBefore.getTime() > now) out.push(`not valid before ${i.notBefore.toISOString()} (nbf is in the future)`)
  if (!i.appOnly) out.push('delegated (user) token: app-only integrations need a client-credentials token (roles, no scp)')
  else if (i.roles.length === 0) out.push('no roles: the app has no application permissions granted in this tenant, so the API answers 403 (grant admin consent)')
  if (!i.tenantId) out.push('no tid claim: not an Entra ID access token')
  return out
}
