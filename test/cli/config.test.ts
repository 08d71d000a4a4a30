import assert from 'node:assert/strict'
import { chmodSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { createEmulator, serve, WELL_KNOWN, type RunningEmulator } from '../../src/emulator/index.js'
import { runCli, tempDir } from './_cli.js'

const SECRET = WELL_KNOWN.clientSecret
let srv: RunningEmulator

before(async () => {
  srv = await serve(await createEmulator())
})
after(async () => {
  await srv.close()
})

/** Env for the well-known app against the test emulator, minus what a test wants to vary. */
function appEnv(extra: Record<string, string> = {}): Record<string, string> {
  return { M365D_AUTHORITY_HOST: srv.url, M365D_CLIENT_ID: WELL_KNOWN.clientId, M365D_CLIENT_SECRET: SECRET, ...extra }
}

function configFile(content: object, mode = 0o600): string {
  const path = join(tempDir(), 'config.json')
  writeFileSync(path, JSON.stringify(content))
  chmodSync(path, mode)
  return path
}

async function tokenTenant(args: string[], env: Record<string, string>): Promise<string> {
  const r = await runCli(['token', '--json', ...args], { env })
  assert.equal(r.code, 0, r.stderr)
  return (JSON.parse(r.stdout) as { tenant_id: string }).tenant_id
}

describe('configuration precedence: flags > env > file > defaults', { concurrency: true }, () => {
  test('the config file alone is enough', async () => {
    const path = configFile({ tenantId: 'contoso.onmicrosoft.com', clientId: WELL_KNOWN.clientId, clientSecret: SECRET, authorityHost: srv.url })
    assert.equal(await tokenTenant([], { M365D_CONFIG: path }), WELL_KNOWN.contosoTenantId)
  })

  test('env beats file, flag beats env', async () => {
    const path = configFile({ tenantId: 'contoso.onmicrosoft.com', clientId: WELL_KNOWN.clientId, clientSecret: SECRET, authorityHost: srv.url })
    assert.equal(await tokenTenant([], { M365D_CONFIG: path, M365D_TENANT_ID: 'fabrikam.onmicrosoft.com' }), WELL_KNOWN.fabrikamTenantId)
    assert.equal(
      await tokenTenant(['--tenant', WELL_KNOWN.homeTenantId], { M365D_CONFIG: path, M365D_TENANT_ID: 'fabrikam.onmicrosoft.com' }),
      WELL_KNOWN.homeTenantId,
    )
  })

  test('m365d config shows each setting with its source, and never the secret', async () => {
    const path = configFile({ tenantId: 'contoso.onmicrosoft.com', clientId: WELL_KNOWN.clientId, clientSecret: SECRET, cloud: 'gcc' })
    const r = await runCli(['config', '--json', '--cloud', 'gcc-high'], { env: { M365D_CONFIG: path, M365D_TENANT_ID: WELL_KNOWN.fabrikamTenantId } })
    assert.equal(r.code, 0, r.stderr)
    const doc = JSON.parse(r.stdout) as { configFile: string; settings: Record<string, { value: string | null; source: string | null }> }
    assert.equal(doc.configFile, path)
    assert.deepEqual(doc.settings.tenant, { value: WELL_KNOWN.fabrikamTenantId, source: 'env' })
    assert.deepEqual(doc.settings.clientId, { value: WELL_KNOWN.clientId, source: 'file' })
    assert.deepEqual(doc.settings.cloud, { value: 'gcc-high', source: 'flag' })
    assert.deepEqual(doc.settings.authorityHost, { value: 'https://login.microsoftonline.us', source: 'flag' })
    assert.deepEqual(doc.settings.resource, { value: 'https://api-gov.security.microsoft.us', source: 'default' })
    assert.equal(doc.settings.credential?.source, 'file')
    assert.ok(!r.stdout.includes(SECRET) && !r.stderr.includes(SECRET))
  })

  test('m365d config also shows how output looks: M365D_OUTPUT, M365D_LOG_FORMAT and NO_COLOR, with their source', async () => {
    const set = await runCli(['config', '-o', 'json'], { env: { M365D_OUTPUT: 'yaml', M365D_LOG_FORMAT: 'json', NO_COLOR: '1' } })
    assert.equal(set.code, 0, set.stderr)
    const s = (JSON.parse(set.stdout) as { settings: Record<string, { value: string; source: string }> }).settings
    assert.deepEqual([s.output, s.logFormat, s.color], [{ value: 'yaml', source: 'env' }, { value: 'json', source: 'env' }, { value: 'off', source: 'env' }])
    const unset = await runCli(['config'], { env: { M365D_OUTPUT: '', M365D_LOG_FORMAT: '', NO_COLOR: '' } })
    assert.match(unset.stdout, /^output +table \(-o per command\) +default$/m)
    assert.match(unset.stdout, /^logFormat +human on a terminal, json when piped +default$/m)
    assert.match(unset.stdout, /^color +on a terminal .* +default$/m, 'an empty NO_COLOR does not count (no-color.org)')
  })

  test('m365d config: hosts that only follow M365D_CLOUD say so instead of naming an unset variable', async () => {
    const r = await runCli(['config'], { env: { M365D_CLOUD: 'gcc', M365D_DEFENDER_API: '', M365D_AUTHORITY_HOST: '' } })
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /^defenderApi +https:\/\/api-gcc\.security\.microsoft\.us +from the cloud \(env M365D_CLOUD\)$/m)
    assert.match(r.stdout, /^authorityHost +https:\/\/login\.microsoftonline\.com +from the cloud \(env M365D_CLOUD\)$/m)
    const own = await runCli(['config'], { env: { M365D_CLOUD: 'gcc', M365D_DEFENDER_API: 'http://127.0.0.1:5080', M365D_AUTHORITY_HOST: '' } })
    assert.match(own.stdout, /^defenderApi +http:\/\/127\.0\.0\.1:5080 +env M365D_DEFENDER_API$/m)
  })

  test('--config beats M365D_CONFIG, and the default ~/.config/m365d/config.json is read when present', async () => {
    const a = configFile({ tenantId: 'contoso.onmicrosoft.com' })
    const b = configFile({ tenantId: 'fabrikam.onmicrosoft.com' })
    assert.equal(await tokenTenant(['--config', b], appEnv({ M365D_CONFIG: a })), WELL_KNOWN.fabrikamTenantId)

    const home = tempDir()
    const dir = join(home, '.config', 'm365d')
    await import('node:fs/promises').then((fs) => fs.mkdir(dir, { recursive: true }))
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ tenantId: 'tailspin.onmicrosoft.com' }))
    assert.equal(await tokenTenant([], appEnv({ HOME: home })), WELL_KNOWN.tailspinTenantId)
  })

  test('only the winning value is validated: a malformed client id in the file is overridden by env', async () => {
    const path = configFile({ clientId: 'not-a-guid', tenantId: 'contoso.onmicrosoft.com' })
    assert.equal(await tokenTenant([], appEnv({ M365D_CONFIG: path })), WELL_KNOWN.contosoTenantId)
  })

  test('a config file holding a secret that others can read → warning with the chmod fix', async () => {
    const path = configFile({ tenantId: 'contoso.onmicrosoft.com', clientSecret: SECRET }, 0o644)
    const r = await runCli(['token', '--json'], { env: { M365D_CONFIG: path, M365D_AUTHORITY_HOST: srv.url, M365D_CLIENT_ID: WELL_KNOWN.clientId } })
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stderr, /warning: .*readable by group\/others \(mode 644\); run: chmod 600/)
    assert.ok(!r.stderr.includes(SECRET))
  })

  test('unknown config keys are reported with a suggestion', async () => {
    const path = configFile({ tenantID: 'contoso.onmicrosoft.com', tenantId: 'contoso.onmicrosoft.com' })
    const r = await runCli(['token', '--json'], { env: appEnv({ M365D_CONFIG: path }) })
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stderr, /unknown key 'tenantID' ignored \(did you mean 'tenantId'\?\)/)
  })

  test('missing or invalid config file → exit 2', async () => {
    const missing = await runCli(['token', '--config', '/nonexistent/m365d.json'])
    assert.equal(missing.code, 2)
    assert.match(missing.stderr, /error ERR_CONFIG_FILE_NOT_FOUND/)
    const path = join(tempDir(), 'bad.json')
    writeFileSync(path, '{ "tenantId": ')
    const invalid = await runCli(['token', '--config', path])
    assert.equal(invalid.code, 2)
    assert.match(invalid.stderr, /error ERR_CONFIG_FILE_INVALID/)
  })
})

describe('secrets and early validation', { concurrency: true }, () => {
  test('--client-secret is refused in both spellings, and the value is never echoed', async () => {
    for (const args of [['--client-secret', SECRET], [`--client-secret=${SECRET}`]]) {
      const r = await runCli(['token', '--tenant', 'contoso.onmicrosoft.com', ...args, '--json'], { env: appEnv() })
      assert.equal(r.code, 2)
      assert.match(r.stderr, /^error ERR_CLI_SECRET_ON_COMMAND_LINE: /m)
      assert.match(r.stderr, /^hint: .*M365D_CLIENT_SECRET.*--client-secret-file.*--client-secret-stdin/m)
      assert.equal(JSON.parse(r.stdout).error.code, 'ERR_CLI_SECRET_ON_COMMAND_LINE')
      assert.ok(!r.stderr.includes(SECRET) && !r.stdout.includes(SECRET))
    }
  })

  test('--client-secret-file and --client-secret-stdin work', async () => {
    const file = join(tempDir(), 'secret.txt')
    writeFileSync(file, `${SECRET}\n`, { mode: 0o600 })
    const env = { M365D_AUTHORITY_HOST: srv.url, M365D_CLIENT_ID: WELL_KNOWN.clientId, M365D_TENANT_ID: 'contoso.onmicrosoft.com' }
    const fromFile = await runCli(['token', '--client-secret-file', file, '--json'], { env })
    assert.equal(fromFile.code, 0, fromFile.stderr)
    const fromStdin = await runCli(['token', '--client-secret-stdin', '--json'], { env, stdin: `${SECRET}\n` })
    assert.equal(fromStdin.code, 0, fromStdin.stderr)
    assert.equal(JSON.parse(fromStdin.stdout).tenant_id, WELL_KNOWN.contosoTenantId)
  })

  test('malformed tenant → ERR_CONFIG_INVALID_TENANT naming where it came from', async () => {
    const r = await runCli(['token'], { env: appEnv({ M365D_TENANT_ID: 'contoso_tenant' }) })
    assert.equal(r.code, 2)
    assert.match(r.stderr, /^error ERR_CONFIG_INVALID_TENANT: tenant 'contoso_tenant' \(from M365D_TENANT_ID\)/m)
    const common = await runCli(['token', '--tenant', 'common'], { env: appEnv() })
    assert.equal(common.code, 2)
    assert.match(common.stderr, /ERR_CONFIG_INVALID_TENANT[\s\S]*not common\/organizations/)
  })

  test('malformed client id → ERR_CONFIG_INVALID_CLIENT_ID; a secret pasted there is not echoed', async () => {
    const r = await runCli(['token', '--client-id', 'my-app'], { env: appEnv({ M365D_TENANT_ID: 'contoso.onmicrosoft.com' }) })
    assert.equal(r.code, 2)
    assert.match(r.stderr, /^error ERR_CONFIG_INVALID_CLIENT_ID: client id 'my-app' \(from --client-id\)/m)
    const pasted = await runCli(['token'], { env: appEnv({ M365D_TENANT_ID: 'contoso.onmicrosoft.com', M365D_CLIENT_ID: SECRET }) })
    assert.equal(pasted.code, 2)
    assert.match(pasted.stderr, /ERR_CONFIG_INVALID_CLIENT_ID: client id <\d+ characters>/)
    assert.ok(!pasted.stderr.includes(SECRET))
  })

  test('unknown cloud → ERR_CONFIG_UNKNOWN_CLOUD with the valid names', async () => {
    const r = await runCli(['token', '--cloud', 'gcc-hihg'], { env: appEnv({ M365D_TENANT_ID: 'contoso.onmicrosoft.com' }) })
    assert.equal(r.code, 2)
    assert.match(r.stderr, /^error ERR_CONFIG_UNKNOWN_CLOUD: /m)
    assert.match(r.stderr, /did you mean 'gcc-high'\?.*commercial, gcc, gcc-high, dod/)
  })

  test('unreadable certificate file → ERR_CREDENTIAL_UNREADABLE before any request', async () => {
    const r = await runCli(['token', '--certificate', '/nonexistent/app.pem'], {
      env: { M365D_AUTHORITY_HOST: srv.url, M365D_CLIENT_ID: WELL_KNOWN.clientId, M365D_TENANT_ID: 'contoso.onmicrosoft.com' },
    })
    assert.equal(r.code, 2)
    assert.match(r.stderr, /^error ERR_CREDENTIAL_UNREADABLE: /m)
  })

  test('a certificate PEM with the key in the same file (M365D_CERTIFICATE_PATH) gets a token', async () => {
    const pem = join(tempDir(), 'app.pem')
    writeFileSync(pem, WELL_KNOWN.certificatePem + WELL_KNOWN.privateKeyPem, { mode: 0o600 })
    const tid = await tokenTenant([], {
      M365D_AUTHORITY_HOST: srv.url,
      M365D_CLIENT_ID: WELL_KNOWN.clientId,
      M365D_TENANT_ID: 'fabrikam.onmicrosoft.com',
      M365D_CERTIFICATE_PATH: pem,
    })
    assert.equal(tid, WELL_KNOWN.fabrikamTenantId)
  })

  test('a secret and a certificate at the same level conflict', async () => {
    const r = await runCli(['token'], { env: appEnv({ M365D_TENANT_ID: 'contoso.onmicrosoft.com', M365D_CERTIFICATE_PATH: '/x.pem' }) })
    assert.equal(r.code, 2)
    assert.match(r.stderr, /ERR_CONFIG_CONFLICTING_CREDENTIALS/)
  })

  test('missing pieces are named', async () => {
    const r = await runCli(['token'], { env: { M365D_CLIENT_ID: WELL_KNOWN.clientId } })
    assert.equal(r.code, 2)
    assert.match(r.stderr, /^error ERR_CONFIG_MISSING_TENANT: /m)
    assert.match(r.stderr, /^hint: set M365D_TENANT_ID/m)
  })
})
