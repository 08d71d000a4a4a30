import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { spawn } from 'node:child_process'
import { after, before, describe, test } from 'node:test'
import { createEmulator, serve, WELL_KNOWN, type RunningEmulator } from '../../../src/emulator/index.js'
import { runCli, tempDir } from '../_cli.js'

let srv: RunningEmulator
const tokens: Record<string, string> = {}

/** A real token from the emulator's v2 token endpoint, like any client would get it. */
async function fetchToken(tenant: string): Promise<string> {
  const res = await fetch(`${srv.url}/${tenant}/oauth2/v2.0/token`, {
    method: 'POST',
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: WELL_KNOWN.clientId,
      client_secret: WELL_KNOWN.clientSecret,
      scope: 'https://api.security.microsoft.com/.default',
    }),
  })
  assert.equal(res.status, 200)
  return ((await res.json()) as { access_token: string }).access_token
}

before(async () => {
  srv = await serve(await createEmulator())
  tokens.contoso = await fetchToken(WELL_KNOWN.contosoTenantId)
  tokens.tailspin = await fetchToken(WELL_KNOWN.tailspinTenantId)
})
after(async () => {
  await srv.close()
})

const ROLES = 'Incident.Read.All,AdvancedHunting.Read.All'
const pick = (r: Record<string, unknown>) => ({ valid: r.valid, claimsValid: r.claimsValid, signatureChecked: r.signatureChecked, verdict: r.verdict })

describe('m365d token inspect', { concurrency: true }, () => {
  test('not a JWT → exit 2 ERR_JWT_MALFORMED, and the input is never echoed', async () => {
    const input = 'this-is-not.a-jwt-but-could-be-a-secret~value'
    for (const run of [runCli(['token', 'inspect', input]), runCli(['token', 'inspect', '-'], { stdin: input }), runCli(['token', 'inspect', '--json'], { stdin: input })]) {
      const r = await run
      assert.equal(r.code, 2)
      assert.match(r.stderr, /^error ERR_JWT_MALFORMED: /m)
      assert.ok(!r.stderr.includes(input) && !r.stdout.includes(input))
    }
  })

  test('a token from stdin: summary, header and described claims, no signature printed', async () => {
    const r = await runCli(['token', 'inspect'], { stdin: `Bearer ${tokens.contoso}\n` })
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /app-only token, v1\.0, expires \d{4}-/)
    assert.match(r.stdout, new RegExp(`tenant +${WELL_KNOWN.contosoTenantId}`))
    assert.match(r.stdout, /^Header\n {2}typ +JWT/m)
    assert.match(r.stdout, /^ {2}exp +\d+ +\(\d{4}-\d\d-\d\dT/m)
    assert.match(r.stdout, /^ {2}tid +c0de0000/m)
    assert.ok(!r.stdout.includes(tokens.contoso!.split('.')[2]!))
  })

  test('--file and --json', async () => {
    const file = join(tempDir(), 'Latest-token.txt')
    writeFileSync(file, tokens.tailspin!)
    const r = await runCli(['token', 'inspect', '--file', file, '--json'])
    assert.equal(r.code, 0, r.stderr)
    const doc = JSON.parse(r.stdout) as { tenantId: string; roles: string[]; appOnly: boolean; claims: { name: string }[] }
    assert.equal(doc.tenantId, WELL_KNOWN.tailspinTenantId)
    assert.deepEqual(doc.roles, ['AdvancedHunting.Read.All'])
    assert.equal(doc.appOnly, true)
    assert.ok(doc.claims.some((c) => c.name === 'aud'))
  })

  test('no token at all → usage error', async () => {
    const r = await runCli(['token', 'inspect'])
    assert.equal(r.code, 2)
    assert.match(r.stderr, /ERR_CLI_MISSING_TOKEN/)
  })
})

describe('m365d token validate', { concurrency: true }, () => {
  test('claims checked, signature not: exit 0 but never VALID; --json says valid false, verdict signature-not-checked', async () => {
    const r = await runCli(['token', 'validate', '-', '--tenant', WELL_KNOWN.contosoTenantId, '--client-id', WELL_KNOWN.clientId, '--require-roles', ROLES], {
      stdin: tokens.contoso!,
    })
    assert.equal(r.code, 0, r.stdout + r.stderr)
    assert.match(r.stdout, /^CLAIMS OK, SIGNATURE NOT CHECKED /m)
    assert.doesNotMatch(r.stdout, /^VALID/m)
    assert.match(r.stdout, /\[skip\] signature +signature not checked/)
    assert.doesNotMatch(r.stdout, /FAIL/)
    const j = await runCli(['token', 'validate', '-', '--json', '--tenant', WELL_KNOWN.contosoTenantId], { stdin: tokens.contoso! })
    assert.equal(j.code, 0)
    assert.deepEqual(pick(JSON.parse(j.stdout)), { valid: false, claimsValid: true, signatureChecked: false, verdict: 'signature-not-checked' })
  })

  test('--verify-signature: a genuine token is VALID (exit 0); the same claims under a forged signature exit 1', async () => {
    const verify = ['--verify-signature', '--authority-host', srv.url, '--tenant', WELL_KNOWN.contosoTenantId, '--require-roles', ROLES]
    const ok = await runCli(['token', 'validate', '-', '--json', ...verify], { stdin: tokens.contoso! })
    assert.equal(ok.code, 0, ok.stdout + ok.stderr)
    assert.deepEqual(pick(JSON.parse(ok.stdout)), { valid: true, claimsValid: true, signatureChecked: true, verdict: 'valid' })
    const [h, p] = tokens.contoso!.split('.')
    const forged = `${h}.${p}.${Buffer.alloc(256, 7).toString('base64url')}`
    const bad = await runCli(['token', 'validate', '-', ...verify], { stdin: forged })
    assert.equal(bad.code, 1)
    assert.match(bad.stdout, /^INVALID \(1 check failed\)/m)
    assert.match(bad.stdout, /\[FAIL\] signature +the signature does not match/)
  })

  test('a tenant given as a domain is resolved, so tid is checked (no "skipped")', async () => {
    const wrong = await runCli(['token', 'validate', '-', '--tenant', 'fabrikam.onmicrosoft.com', '--authority-host', srv.url], { stdin: tokens.contoso! })
    assert.equal(wrong.code, 1, wrong.stdout + wrong.stderr)
    assert.match(wrong.stdout, new RegExp(`\\[FAIL\\] tenant +token was issued by tenant ${WELL_KNOWN.contosoTenantId}, expected ${WELL_KNOWN.fabrikamTenantId}`))
    const right = await runCli(['token', 'validate', '-', '--tenant', 'contoso.onmicrosoft.com', '--authority-host', srv.url], { stdin: tokens.contoso! })
    assert.equal(right.code, 0, right.stdout + right.stderr)
    assert.match(right.stdout, /\[ok\] +tenant +issued by the expected tenant/)
  })

  test('missing role (tailspin) → exit 1 naming the role and the fix', async () => {
    const r = await runCli(['token', 'validate', tokens.tailspin!, '--require-roles', ROLES])
    assert.equal(r.code, 1)
    assert.match(r.stdout, /^INVALID/m)
    assert.match(r.stdout, /\[FAIL\] roles .*Incident\.Read\.All/)
    assert.match(r.stdout, /Microsoft Threat Protection/)
    assert.ok(!r.stdout.includes(tokens.tailspin!))
  })

  test('--json report', async () => {
    const r = await runCli(['token', 'validate', '--json', '--require-roles', 'Incident.Read.All', '--tenant', WELL_KNOWN.tailspinTenantId], { stdin: tokens.tailspin! })
    assert.equal(r.code, 1)
    const report = JSON.parse(r.stdout) as { valid: boolean; missingRoles: string[]; checks: { id: string; ok: boolean }[] }
    assert.equal(report.valid, false)
    assert.deepEqual(report.missingRoles, ['Incident.Read.All'])
    assert.equal(report.checks.find((c) => c.id === 'tenant')?.ok, true)
  })

  test('wrong tenant expected → exit 1', async () => {
    const r = await runCli(['token', 'validate', '--tenant', WELL_KNOWN.fabrikamTenantId], { stdin: tokens.contoso! })
    assert.equal(r.code, 1)
    assert.match(r.stdout, /\[FAIL\] tenant/)
  })

  test('no TOKEN but credentials configured → gets one and checks the live setup (with signature)', async () => {
    const base = { M365D_AUTHORITY_HOST: srv.url, M365D_CLIENT_ID: WELL_KNOWN.clientId, M365D_CLIENT_SECRET: WELL_KNOWN.clientSecret }
    const ok = await runCli(['token', 'validate', '--require-roles', ROLES, '--verify-signature'], { env: { ...base, M365D_TENANT_ID: 'contoso.onmicrosoft.com' } })
    assert.equal(ok.code, 0, ok.stdout + ok.stderr)
    assert.match(ok.stdout, /^VALID /m)
    assert.match(ok.stdout, /\[ok\] +signature/)
    assert.match(ok.stdout, new RegExp(`\\[ok\\] +tenant .*${WELL_KNOWN.contosoTenantId}`))
    const missing = await runCli(['token', 'validate', '--require-roles', ROLES], { env: { ...base, M365D_TENANT_ID: WELL_KNOWN.tailspinTenantId } })
    assert.equal(missing.code, 1)
    assert.match(missing.stdout, /missing roles: Incident\.Read\.All/)
    assert.ok(!missing.stdout.includes(WELL_KNOWN.clientSecret) && !missing.stderr.includes(WELL_KNOWN.clientSecret))
  })

  test('a non-JWT fails the format check (exit 1) without echoing it', async () => {
    const r = await runCli(['token', 'validate', '-'], { stdin: 'opaque-token-value-123' })
    assert.equal(r.code, 1)
    assert.match(r.stdout, /\[FAIL\] format/)
    assert.ok(!r.stdout.includes('opaque-token-value-123'))
  })
})

describe('issue 11: piped tokens, inspect warnings, CLI wording', { concurrency: true }, () => {
  const creds = () => ({ M365D_AUTHORITY_HOST: srv.url, M365D_TENANT_ID: WELL_KNOWN.homeTenantId, M365D_CLIENT_ID: WELL_KNOWN.clientId, M365D_CLIENT_SECRET: WELL_KNOWN.clientSecret })

  test('echo TOKEN | token validate with credentials configured validates the piped token, not a new one', async () => {
    const r = await runCli(['token', 'validate', '-o', 'json'], { env: creds(), stdin: `${tokens.contoso}\n` })
    const report = JSON.parse(r.stdout)
    // The configured tenant is home: the piped contoso token fails the tid check; a minted one would pass.
    assert.equal(report.inspection.tenantId, WELL_KNOWN.contosoTenantId)
    assert.equal(report.checks.find((c: { id: string }) => c.id === 'tenant').ok, false)
    assert.equal(r.code, 1)
  })

  test('with credentials and an empty stdin a token is acquired; a piped stdin that stays silent is ignored with a notice', async () => {
    const empty = await runCli(['token', 'validate', '-o', 'json'], { env: creds() })
    assert.equal(empty.code, 0, empty.stderr)
    assert.equal(JSON.parse(empty.stdout).inspection.tenantId, WELL_KNOWN.homeTenantId)
    // A pipe that stays open and silent (a service's idle stdin): stdin is ignored, and stderr says so.
    const main = new URL('../../../src/cli/main.js', import.meta.url)
    const idle = spawn(process.execPath, [main.pathname, 'token', 'validate', '-o', 'json'], { env: { PATH: process.env.PATH ?? '', HOME: tempDir(), NO_COLOR: '1', ...creds() } })
    let out = ''
    let err = ''
    idle.stdout.setEncoding('utf8').on('data', (d: string) => (out += d))
    idle.stderr.setEncoding('utf8').on('data', (d: string) => (err += d))
    const code = await new Promise((r) => idle.on('close', r))
    assert.equal(code, 0, err)
    assert.match(err, /stdin is not a terminal but sent nothing within 0\.5 s: ignored it.*pass '-'/)
    assert.equal(JSON.parse(out).inspection.tenantId, WELL_KNOWN.homeTenantId)
  })

  test("token inspect flags alg: none (text and JSON) and the report names the CLI flag, not verifySignature", async () => {
    const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url')
    const unsigned = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ tid: WELL_KNOWN.contosoTenantId, roles: ['Incident.Read.All'], idtyp: 'app', exp: Math.floor(Date.now() / 1000) + 600 })}.`
    const [text, json, report] = await Promise.all([
      runCli(['token', 'inspect', unsigned]),
      runCli(['token', 'inspect', unsigned, '-o', 'json']),
      runCli(['token', 'validate', tokens.contoso!, '--tenant', WELL_KNOWN.contosoTenantId]),
    ])
    assert.equal(text.code, 0, text.stderr)
    assert.match(text.stdout, /^Warnings\n {2}! alg: none: the token is UNSIGNED/)
    assert.match(JSON.parse(json.stdout).warnings[0], /^alg: none/)
    // A normal RS256 app token has no warnings.
    const normal = JSON.parse((await runCli(['token', 'inspect', tokens.contoso!, '-o', 'json'])).stdout)
    assert.deepEqual(normal.warnings, [])
    assert.doesNotMatch(report.stdout, /verifySignature/)
    assert.match(report.stdout, /--verify-signature/)
  })

  test('a bad tenant given as an argument is named as the argument, not --tenant', async () => {
    const r = await runCli(['tenants', 'add', 'not_a_tenant!'], { env: { M365D_DATA_DIR: join(tempDir(), 'data') } })
    assert.equal(r.code, 2)
    assert.match(r.stderr, /from the TENANT argument/)
    assert.doesNotMatch(r.stderr, /--tenant\b/)
  })
})
