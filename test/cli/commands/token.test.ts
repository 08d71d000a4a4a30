import assert from 'node:assert/strict'
import { linkSync, lstatSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { runMain } from '../../../src/cli/run_main.js'
import { createEmulator, serve, WELL_KNOWN, type RunningEmulator } from '../../../src/emulator/index.js'
import { runCli, tempDir } from '../_cli.js'

const SECRET = WELL_KNOWN.clientSecret
const JWT = /^eyJ[\w-]+\.[\w-]+\.[\w-]+$/
let srv: RunningEmulator

before(async () => {
  srv = await serve(await createEmulator())
})
after(async () => {
  await srv.close()
})

function env(tenant = 'contoso.onmicrosoft.com', extra: Record<string, string> = {}): Record<string, string> {
  return { M365D_AUTHORITY_HOST: srv.url, M365D_CLIENT_ID: WELL_KNOWN.clientId, M365D_CLIENT_SECRET: SECRET, M365D_TENANT_ID: tenant, ...extra }
}

function claims(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>
}

/** Every output of a failing command, to prove no secret or token leaks into it. */
function assertNoSecrets(r: { stdout: string; stderr: string }): void {
  const all = r.stdout + r.stderr
  assert.ok(!all.includes(SECRET), 'the client secret leaked')
  assert.doesNotMatch(all, /eyJ[\w-]{10,}\.[\w-]{10,}\./, 'a token leaked')
}

describe('m365d token against the emulator', { concurrency: true }, () => {
  test('stdout not a TTY → the raw token alone, usable in $(…)', async () => {
    const r = await runCli(['token'], { env: env() })
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout.trim(), JWT)
    assert.equal(r.stdout.split('\n').filter(Boolean).length, 1)
    const c = claims(r.stdout.trim())
    assert.equal(c.tid, WELL_KNOWN.contosoTenantId)
    assert.equal(c.aud, 'https://api.security.microsoft.com')
  })

  test('--out FILE writes the token with mode 0600 and keeps it off stdout', async () => {
    const dir = tempDir()
    const r = await runCli(['token', '--out', 'Latest-token.txt'], { env: env(), cwd: dir })
    assert.equal(r.code, 0, r.stderr)
    const file = join(dir, 'Latest-token.txt')
    assert.equal(statSync(file).mode & 0o777, 0o600)
    assert.match(readFileSync(file, 'utf8'), JWT)
    assert.doesNotMatch(r.stdout, /eyJ/)
    assert.match(r.stdout, /Token written to Latest-token\.txt \(mode 0600\)/)
  })

  test('--out never writes through a symlink: refused with ERR_CLI_FILE_SYMLINK, the target untouched', async () => {
    const dir = tempDir()
    const target = join(dir, 'bashrc')
    writeFileSync(target, 'export PATH=/usr/bin\n', { mode: 0o644 })
    symlinkSync(target, join(dir, 'Latest-token.txt'))
    const r = await runCli(['token', '--out', 'Latest-token.txt', '--json'], { env: env(), cwd: dir })
    assert.equal(r.code, 2, r.stderr)
    assert.equal((JSON.parse(r.stdout) as { error: { code: string } }).error.code, 'ERR_CLI_FILE_SYMLINK')
    assert.equal(readFileSync(target, 'utf8'), 'export PATH=/usr/bin\n')
    assert.equal(statSync(target).mode & 0o777, 0o644)
    assert.ok(lstatSync(join(dir, 'Latest-token.txt')).isSymbolicLink(), 'the link itself is left alone')
    assert.deepEqual(readdirSync(dir).sort(), ['Latest-token.txt', 'bashrc'], 'no temp file left behind')
    assertNoSecrets(r)
  })

  test('--out replaces an existing file atomically with a new 0600 file (a hard link elsewhere keeps the old bytes)', async () => {
    const dir = tempDir()
    const file = join(dir, 'Latest-token.txt')
    writeFileSync(file, 'old', { mode: 0o644 })
    linkSync(file, join(dir, 'other-name'))
    const r = await runCli(['token', '--out', 'Latest-token.txt'], { env: env(), cwd: dir })
    assert.equal(r.code, 0, r.stderr)
    assert.equal(statSync(file).mode & 0o777, 0o600)
    assert.match(readFileSync(file, 'utf8'), JWT)
    assert.equal(readFileSync(join(dir, 'other-name'), 'utf8'), 'old', 'the new token went to a new inode, not through the other link')
    assert.deepEqual(readdirSync(dir).sort(), ['Latest-token.txt', 'other-name'])
    const d = await runCli(['token', '--out', '.'], { env: env(), cwd: dir })
    assert.equal(d.code, 2)
    assert.match(d.stderr, /ERR_CLI_FILE_UNWRITABLE/)
  })

  test('--json: the documented shape', async () => {
    const r = await runCli(['token', '--json', '--v1'], { env: env('fabrikam.onmicrosoft.com') })
    assert.equal(r.code, 0, r.stderr)
    const doc = JSON.parse(r.stdout) as Record<string, unknown>
    assert.match(String(doc.access_token), JWT)
    assert.equal(doc.token_type, 'Bearer')
    assert.equal(doc.tenant_id, WELL_KNOWN.fabrikamTenantId)
    assert.equal(doc.client_id, WELL_KNOWN.clientId)
    assert.equal(doc.endpoint_version, 1)
    assert.equal(doc.resource, 'https://api.security.microsoft.com')
    assert.ok(Number(doc.expires_on) > Date.now() / 1000)
    assert.deepEqual(doc.roles, ['Incident.Read.All', 'Incident.ReadWrite.All', 'AdvancedHunting.Read.All'])
  })

  test('--scope asks for another resource; a scope without /.default is refused', async () => {
    const r = await runCli(['token', '--scope', 'https://graph.microsoft.com/.default'], { env: env() })
    assert.equal(r.code, 0, r.stderr)
    assert.match(String(claims(r.stdout.trim()).aud), /graph\.microsoft\.com|00000003-0000-0000-c000-000000000000/)
    const bad = await runCli(['token', '--scope', 'https://graph.microsoft.com/SecurityIncident.Read.All'], { env: env() })
    assert.equal(bad.code, 2)
    assert.match(bad.stderr, /ERR_CLI_INVALID_SCOPE/)
  })

  test('not consented (woodgrove) → exit 3, AADSTS700016 with the consent link as hint, no secret', async () => {
    const r = await runCli(['token', '--json'], { env: env('woodgrove.onmicrosoft.com') })
    assert.equal(r.code, 3)
    assert.match(r.stderr, /^error ERR_TOKEN_SERVER: AADSTS700016: /m)
    // The consent link is for the tenant that refused (issue 2 §3).
    assert.match(r.stderr, /^hint: .*\/woodgrove\.onmicrosoft\.com\/oauth2\/authorize\?prompt=consent&client_id=d3f3e4d0-0000-4000-8000-00000000a001/m)
    const doc = JSON.parse(r.stdout) as { error: { code: string; errorCodes: number[]; exitCode: number } }
    assert.equal(doc.error.code, 'ERR_TOKEN_SERVER')
    assert.deepEqual(doc.error.errorCodes, [700016])
    assertNoSecrets(r)
  })

  test('wrong secret → exit 3, AADSTS7000215, the secret never printed', async () => {
    const wrong = 'Wrong~Secret.ValueThatMustNotLeak_0123456789'
    const r = await runCli(['token', '--verbose'], { env: env('contoso.onmicrosoft.com', { M365D_CLIENT_SECRET: wrong }) })
    assert.equal(r.code, 3)
    assert.match(r.stderr, /AADSTS7000215/)
    assert.match(r.stderr, /^verbose token:request tenant=contoso\.onmicrosoft\.com/m)
    assert.ok(!r.stderr.includes(wrong) && !r.stdout.includes(wrong))
  })

  test('--verbose prints the request/response events on stderr, never the token', async () => {
    const r = await runCli(['token', '--verbose'], { env: env() })
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stderr, /^verbose token:request tenant=contoso\.onmicrosoft\.com .*endpointVersion=2/m)
    assert.match(r.stderr, /^verbose token:response .*expiresAt=\d{4}-/m)
    assert.doesNotMatch(r.stderr, /eyJ/)
    assert.ok(!r.stderr.includes(SECRET))
  })

  test('nothing listening → exit 4 (network)', async () => {
    const r = await runCli(['token'], { env: env('contoso.onmicrosoft.com', { M365D_AUTHORITY_HOST: 'http://127.0.0.1:9' }) })
    assert.equal(r.code, 4)
    assert.match(r.stderr, /^error ERR_TOKEN_NETWORK: /m)
  })
})

describe('m365d token on a terminal (in-process, isTTY)', () => {
  test('prints a summary, never the raw token', async () => {
    let out = ''
    const io = {
      stdout: { write: (s: string) => (out += s) },
      stderr: { write: () => true },
      stdin: (async function* () {})(),
      env: env(),
      cwd: tempDir(),
      isTTY: true,
    }
    assert.equal(await runMain(['token'], io), 0)
    assert.doesNotMatch(out, /eyJ/)
    assert.match(out, new RegExp(`tenant +${WELL_KNOWN.contosoTenantId}`))
    assert.match(out, /roles +Incident\.Read\.All, Incident\.ReadWrite\.All, AdvancedHunting\.Read\.All/)
    assert.match(out, /expires +\d{4}-\d\d-\d\dT.*\(in \d+ min\)/)
    assert.match(out, /--out FILE/)
  })
})
