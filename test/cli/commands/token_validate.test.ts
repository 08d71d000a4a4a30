import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
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
