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
    if (ctx.json) return void ctx.printJson(inspection)
    ctx.print(renderInspection(inspection, ctx.color))
  },
})

/** The jwt.ms-like text view: a summary, the header, then every claim with its meaning. */
export function renderInspection(i: TokenInspection, color: boolean): string {
  const dim = (s: string) => (color ? `\u001b[2m${s}\u001b[22m` : s)
  const bold = (s: string) => (color ? `\u001b[1m${s}\u001b[22m` : s)
  const lines: string[] = []
  const expiry = i.expiresAt
    ? `${i.expired ? 'EXPIRED' : 'expires'} ${i.expiresAt.toISOString()} (${i.expired ? `${minutes(-(i.expiresInSeconds ?? 0))} ago` : `in ${minutes(i.expiresInSeconds ?? 0)}`})`
    : 'no exp claim'
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
