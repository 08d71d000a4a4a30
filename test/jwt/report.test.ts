import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { createEmulator, serve, type RunningEmulator } from '../../src/emulator/index.js'
import { WELL_KNOWN } from '../../src/emulator/well_known.js'
import { formatInspection, formatReport, inspectToken, validateToken } from '../../src/jwt/index.js'
import { appOnlyClaims, DEFENDER, emulatorToken, foreignToken } from './fixtures.js'

const ANSI = /\x1b\[[0-9;]*m/g

describe('formatReport / formatInspection', () => {
  let srv: RunningEmulator
  let token: string
  before(async () => {
    srv = await serve(await createEmulator())
    token = await emulatorToken(srv.url, WELL_KNOWN.tailspinTenantId, DEFENDER)
  })
  after(() => srv.close())

  test('plain text: ASCII marks, aligned check names, fix under the failure, no token or signature', async () => {
    const report = await validateToken(token, { resource: DEFENDER, requiredRoles: ['Incident.Read.All'] })
    const text = formatReport(report)
    assert.equal(text.match(ANSI), null)
    assert.ok(!/[✔✘○]/.test(text))
    assert.match(text.split('\n')[0]!, /^INVALID \(1 check failed\)  v1\.0  app-only  tenant 7a115000/)
    const checkLines = text.split('\n').filter((l) => /^\[(ok|FAIL|skip)\]/.test(l))
    assert.equal(checkLines.length, 9)
    // Messages start in the same column on every line.
    assert.equal(new Set(checkLines.map((l) => l.length - l.slice(7).replace(/^\S+\s+/, '').length)).size, 1)
    const rolesAt = text.split('\n').findIndex((l) => l.startsWith('[FAIL] roles'))
    assert.match(text.split('\n')[rolesAt + 1]!, /^\s+fix: Add Incident\.Read\.All/)
    assert.match(text, /missing roles: Incident\.Read\.All/)
    const [h, p, s] = token.split('.') as [string, string, string]
    for (const part of [h, p, s, token]) assert.ok(!text.includes(part))
  })

  test('colour: ✔/✘ marks with ANSI codes; VALID only with a verified signature, else SIGNATURE NOT CHECKED', async () => {
    const report = await validateToken(token, { resource: DEFENDER })
    assert.equal(report.verdict, 'signature-not-checked')
    const text = formatReport(report, { color: true })
    assert.ok(ANSI.test(text))
    const plain = text.replace(ANSI, '')
    assert.match(plain, /^CLAIMS OK, SIGNATURE NOT CHECKED  /)
    assert.doesNotMatch(plain, /^VALID/m)
    assert.match(plain, /✔ audience /)
    assert.match(plain, /○ signature +signature not checked/)
    assert.match(plain, /may be forged/)
    const verified = formatReport(await validateToken(token, { resource: DEFENDER, verifySignature: true, authorityHost: srv.url }), { color: true }).replace(ANSI, '')
    assert.match(verified, /^VALID  /)
    assert.match(verified, /✔ signature +RS256 signature verified/)
    const bad = formatReport(await validateToken(token, { tenant: WELL_KNOWN.contosoTenantId }), { color: true }).replace(ANSI, '')
    assert.match(bad, /✘ tenant /)
  })

  test('formatInspection lists header and every claim with readable values, never the signature', () => {
    const text = formatInspection(inspectToken(token))
    assert.match(text.split('\n')[0]!, /^v1\.0 app-only token · tenant 7a115000-0000-4000-8000-000000000004 · client .* · expires in \d+ min$/)
    assert.match(text, /^ {2}alg {2}RS256$/m)
    assert.match(text, /^ {2}appidacr +1 {2}client secret {2}— How the client authenticated/m)
    assert.match(text, /^ {2}exp +\d+ {2}\d{4}-\d\d-\d\dT/m)
    assert.ok(!text.includes(token.split('.')[2]!))
  })

  test('token-supplied text cannot forge report lines: control characters are escaped, long values cut', async () => {
    const forged = await foreignToken(appOnlyClaims(Math.floor(Date.now() / 1000), { aud: 'https://x.example\n[ok]   roles  all granted\u001b[32m', roles: ['A\rB'] }), { kid: `k\n${'x'.repeat(500)}` })
    const report = await validateToken(forged, { resource: DEFENDER, requiredRoles: ['Incident.Read.All'] })
    for (const text of [formatReport(report), formatReport(report, { color: true }), formatInspection(inspectToken(forged))]) {
      const lines = text.replace(ANSI, '').split('\n')
      assert.ok(!lines.some((l) => /^\[ok\] +roles +all granted/.test(l)), 'no forged line')
      assert.ok(!text.replace(ANSI, '').includes('\u001b'), 'no raw escape from the token')
      assert.ok(!text.includes('\r'))
    }
    assert.ok(!formatReport(report).includes('x'.repeat(200)), 'long token values are cut in the report')
    // The report's own messages are safe to print too, for callers that format it themselves.
    assert.ok(report.checks.every((c) => !/[\u0000-\u001f]/.test(c.message + (c.fix ?? ''))))
  })
})
