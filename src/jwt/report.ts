import { printable } from './printable.js'
import type { ValidationReport } from './validate.js'

const COLOR = { green: '\x1b[32m', red: '\x1b[31m', yellow: '\x1b[33m', dim: '\x1b[2m', bold: '\x1b[1m', reset: '\x1b[0m' }

/**
 * The report as aligned text for a terminal: a summary line, then one line per check with a mark
 * (✔ ✘ ○ with ANSI colour, or [ok] [FAIL] [skip] in plain ASCII) and its fix indented below.
 * Built from claims and check messages only, so it never contains the token or its signature; every
 * token-supplied text is passed through {@link printable}, so a forged claim cannot forge a line.
 * The verdict says `SIGNATURE NOT CHECKED` rather than `VALID` when only the claims were checked.
 */
export function formatReport(report: ValidationReport, options: { color?: boolean } = {}): string {
  const color = options.color ?? false
  const paint = (code: string, text: string) => (color ? `${code}${text}${COLOR.reset}` : text)
  const marks = color
    ? { ok: paint(COLOR.green, '✔'), fail: paint(COLOR.red, '✘'), skip: paint(COLOR.dim, '○') }
    : { ok: '[ok]  ', fail: '[FAIL]', skip: '[skip]' }
  const width = Math.max(...report.checks.map((c) => c.id.length))
  const indent = ' '.repeat((color ? 2 : 7) + width + 2)

  const i = report.inspection
  const facts = [
    i.version ? `v${i.version}` : undefined,
    i.claims.length ? (i.appOnly ? 'app-only' : 'user (delegated)') : undefined,
    i.tenantId ? `tenant ${printable(i.tenantId, 64)}` : undefined,
    i.clientId ? `client ${printable(i.clientId, 64)}` : undefined,
    i.audience ? `aud ${printable(i.audience)}` : undefined,
  ].filter(Boolean)
  const failed = report.checks.filter((c) => !c.ok && !c.skipped).length
  const verdict =
    report.verdict === 'valid'
      ? paint(COLOR.green + COLOR.bold, 'VALID')
      : report.verdict === 'signature-not-checked'
        ? paint(COLOR.yellow + COLOR.bold, 'CLAIMS OK, SIGNATURE NOT CHECKED')
        : paint(COLOR.red + COLOR.bold, `INVALID (${failed} check${failed === 1 ? '' : 's'} failed)`)
  const lines = [facts.length ? `${verdict}  ${facts.join('  ')}` : verdict]
  if (i.claims.length) lines.push(`roles: ${i.roles.length ? printable(i.roles.join(', '), 1000) : '(none)'}${i.scopes.length ? `   scp: ${printable(i.scopes.join(' '), 1000)}` : ''}`)
  lines.push('')
  for (const check of report.checks) {
    const mark = check.skipped ? marks.skip : check.ok ? marks.ok : marks.fail
    const message = printable(check.message, 2000)
    const text = check.skipped ? paint(COLOR.dim, message) : message
    lines.push(`${mark} ${check.id.padEnd(width)}  ${text}`)
    if (check.fix && !check.ok) lines.push(`${indent}fix: ${printable(check.fix, 2000)}`)
  }
  if (report.missingRoles.length) lines.push('', `missing roles: ${printable(report.missingRoles.join(', '), 1000)}`)
  if (report.verdict === 'signature-not-checked') lines.push('', 'The signature was not checked, so these claims may be forged: check it with verifySignature (CLI: --verify-signature).')
  return lines.join('\n')
}
