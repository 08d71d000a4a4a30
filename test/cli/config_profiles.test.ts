// `m365d config set|get|unset|list|use` and profiles, the CLI as a subprocess on real temp dirs (issue 11 §3).
import assert from 'node:assert/strict'
import { lstatSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { createEmulator, serve, WELL_KNOWN, type RunningEmulator } from '../../src/emulator/index.js'
import { generateWebhookSecret } from '../../src/sync/sinks/index.js'
import { runCli, tempDir } from './_cli.js'

const SECRET = WELL_KNOWN.clientSecret
let srv: RunningEmulator
before(async () => {
  srv = await serve(await createEmulator())
})
after(() => srv.close())

/** A fresh HOME (so the default file is $HOME/.config/m365d/config.json) and a runner bound to it. */
function home(extra: Record<string, string> = {}) {
  const dir = tempDir('m365d-home-')
  const env = { HOME: dir, ...extra }
  const file = join(dir, '.config', 'm365d', 'config.json')
  return {
    dir,
    file,
    env,
    run: (args: string[], o: { env?: Record<string, string>; stdin?: string; cwd?: string } = {}) =>
      runCli(args, { env: { ...env, ...o.env }, ...(o.stdin !== undefined && { stdin: o.stdin }), ...(o.cwd !== undefined && { cwd: o.cwd }) }),
    json: () => JSON.parse(readFileSync(file, 'utf8')) as Record<string, any>,
  }
}

async function ok(p: Promise<{ code: number | null; stdout: string; stderr: string }>) {
  const r = await p
  assert.equal(r.code, 0, r.stderr)
  return r
}

describe('m365d config set / get / unset / list / use', { concurrency: true }, () => {
  test('set writes the XDG default file 0600 (directory 0700); get prints just the value', async () => {
    const h = home()
    await ok(h.run(['config', 'set', 'tenantId', 'contoso.onmicrosoft.com']))
    await ok(h.run(['config', 'set', 'clientId', WELL_KNOWN.clientId.toUpperCase()]))
    assert.equal(statSync(h.file).mode & 0o777, 0o600)
    assert.equal(statSync(join(h.dir, '.config', 'm365d')).mode & 0o777, 0o700)
    assert.deepEqual(h.json(), { tenantId: 'contoso.onmicrosoft.com', clientId: WELL_KNOWN.clientId.toLowerCase() })
    const got = await ok(h.run(['config', 'get', 'tenantId']))
    assert.equal(got.stdout, 'contoso.onmicrosoft.com\n')
    // A key with a built-in default prints the default; one without exits 1 with nothing on stdout.
    assert.equal((await ok(h.run(['config', 'get', 'api']))).stdout, 'graph\n')
    const none = await h.run(['config', 'get', 'resource', '-o', 'json'])
    assert.equal(none.code, 0)
    const missing = await h.run(['config', 'get', 'certificatePath'])
    assert.equal(missing.code, 1)
    assert.equal(missing.stdout, '')
    // XDG_CONFIG_HOME moves the default file.
    const xdg = tempDir()
    await ok(h.run(['config', 'set', 'cloud', 'usgov'], { env: { XDG_CONFIG_HOME: xdg } }))
    assert.deepEqual(JSON.parse(readFileSync(join(xdg, 'm365d', 'config.json'), 'utf8')), { cloud: 'gcc-high' })
  })

  test('unknown keys and bad values are refused with a fix; nothing is written', async () => {
    const h = home()
    const typo = await h.run(['config', 'set', 'tenantID', 'contoso.onmicrosoft.com'])
    assert.equal(typo.code, 2)
    assert.match(typo.stderr, /^error ERR_CONFIG_UNKNOWN_KEY: unknown config key 'tenantID'/m)
    assert.match(typo.stderr, /did you mean 'tenantId'\?/)
    const env = await h.run(['config', 'get', 'M365D_CLIENT_ID'])
    assert.match(env.stderr, /did you mean 'clientId'\?/)
    for (const [key, value, pattern] of [
      ['tenantId', 'contoso_tenant', /neither a GUID nor a domain/],
      ['clientId', 'my-app', /is not a GUID/],
      ['cloud', 'gcc-hihg', /did you mean 'gcc-high'\?/],
      ['api', 'beta', /neither graph nor legacy/],
      ['graphApi', 'ftp://graph', /not an http\(s\) URL/],
      ['opsPort', '70000', /not a port from 0 to 65535/],
      ['opsHost', 'not a host', /not an IP address or host name/],
      ['databaseUrl', 'mysql://db/x', /not a postgres:\/\/ URL/],
      ['tenants', 'contoso.onmicrosoft.com,bad_one', /'bad_one' is neither a GUID nor a domain/],
    ] as const) {
      const r = await h.run(['config', 'set', key, value])
      assert.equal(r.code, 2, `${key} ${value}: ${r.stderr}`)
      assert.match(r.stderr, /^error ERR_CONFIG_INVALID_VALUE: /m)
      assert.match(r.stderr, pattern)
    }
    assert.throws(() => statSync(h.file), /ENOENT/)
  })

  test('secrets: never an argument; stdin only with --plaintext-secret (warned, 0600); shown as hidden everywhere', async () => {
    const h = home()
    const arg = await h.run(['config', 'set', 'clientSecret', SECRET])
    assert.equal(arg.code, 2)
    assert.match(arg.stderr, /^error ERR_CLI_SECRET_ON_COMMAND_LINE: /m)
    assert.match(arg.stderr, /clientSecretFile/)
    assert.ok(!arg.stderr.includes(SECRET) && !arg.stdout.includes(SECRET))
    const noOptIn = await h.run(['config', 'set', 'clientSecret'], { stdin: `${SECRET}\n` })
    assert.equal(noOptIn.code, 2)
    assert.match(noOptIn.stderr, /ERR_CONFIG_SECRET_NEEDS_OPT_IN[\s\S]*--plaintext-secret/)
    const db = await h.run(['config', 'set', 'databaseUrl', 'postgres://u:hunter2hunter2@db/x'])
    assert.equal(db.code, 2)
    assert.match(db.stderr, /ERR_CLI_SECRET_ON_COMMAND_LINE[\s\S]*pgpass/)
    assert.ok(!db.stderr.includes('hunter2hunter2'))

    const stored = await ok(h.run(['config', 'set', 'clientSecret', '--plaintext-secret', '--profile', 'contoso'], { stdin: `${SECRET}\n` }))
    assert.match(stored.stderr, /warning: clientSecret is stored in plain text in .* \(mode 0600\)/)
    assert.equal(h.json().profiles.contoso.clientSecret, SECRET)
    assert.equal(statSync(h.file).mode & 0o777, 0o600)
    const badHook = await h.run(['config', 'set', 'webhookSecret', '--plaintext-secret'], { stdin: 'not-a-whsec-secret-at-all-123\n' })
    assert.equal(badHook.code, 2)
    assert.ok(!badHook.stderr.includes('not-a-whsec-secret-at-all-123'))

    const get = await ok(h.run(['config', 'get', 'clientSecret', '--profile', 'contoso']))
    assert.equal(get.stdout, '(set, hidden)\n')
    const list = await ok(h.run(['config', 'list', '-o', 'json']))
    assert.equal(JSON.parse(list.stdout).profiles.contoso.clientSecret, '(set, hidden)')
    const show = await ok(h.run(['config', '--profile', 'contoso', '-o', 'json']))
    for (const r of [get, list, show]) assert.ok(!r.stdout.includes(SECRET) && !r.stderr.includes(SECRET))
  })

  test('profiles: --profile > M365D_PROFILE > defaultProfile (config use); flags > env > profile > top level', async () => {
    const h = home({ M365D_AUTHORITY_HOST: srv.url })
    const secretFile = join(h.dir, 'secret.txt')
    writeFileSync(secretFile, `${SECRET}\n`, { mode: 0o600 })
    await ok(h.run(['config', 'set', 'clientId', WELL_KNOWN.clientId]))
    // Relative paths are stored absolute (relative to where the command ran).
    await ok(h.run(['config', 'set', 'clientSecretFile', 'secret.txt'], { cwd: h.dir }))
    assert.equal(h.json().clientSecretFile, secretFile)
    await ok(h.run(['config', 'set', 'tenantId', 'contoso.onmicrosoft.com']))
    await ok(h.run(['config', 'set', 'tenantId', 'fabrikam.onmicrosoft.com', '--profile', 'fabrikam']))
    await ok(h.run(['config', 'set', 'tenantId', 'tailspin.onmicrosoft.com'], { env: { M365D_PROFILE: 'tailspin' } }))
    assert.deepEqual(Object.keys(h.json().profiles).sort(), ['fabrikam', 'tailspin'])

    const tenantOf = async (args: string[], env: Record<string, string> = {}) => JSON.parse((await ok(h.run(['token', '--json', ...args], { env }))).stdout).tenant_id as string
    assert.equal(await tenantOf([]), WELL_KNOWN.contosoTenantId, 'top level')
    assert.equal(await tenantOf(['--profile', 'fabrikam']), WELL_KNOWN.fabrikamTenantId, '--profile')
    assert.equal(await tenantOf([], { M365D_PROFILE: 'tailspin' }), WELL_KNOWN.tailspinTenantId, 'M365D_PROFILE')
    assert.equal(await tenantOf(['--profile', 'fabrikam'], { M365D_PROFILE: 'tailspin' }), WELL_KNOWN.fabrikamTenantId, '--profile beats M365D_PROFILE')
    assert.equal(await tenantOf(['--profile', 'fabrikam'], { M365D_TENANT_ID: WELL_KNOWN.homeTenantId }), WELL_KNOWN.homeTenantId, 'env beats profile')
    assert.equal(await tenantOf(['--profile', 'fabrikam', '--tenant', 'contoso.onmicrosoft.com'], { M365D_TENANT_ID: WELL_KNOWN.homeTenantId }), WELL_KNOWN.contosoTenantId, 'flag beats env')

    await ok(h.run(['config', 'use', 'fabrikam']))
    assert.equal(h.json().defaultProfile, 'fabrikam')
    assert.equal(await tenantOf([]), WELL_KNOWN.fabrikamTenantId, 'defaultProfile')
    assert.equal(await tenantOf([], { M365D_PROFILE: 'tailspin' }), WELL_KNOWN.tailspinTenantId, 'M365D_PROFILE beats defaultProfile')
    const show = JSON.parse((await ok(h.run(['config', '-o', 'json']))).stdout)
    assert.equal(show.profile, 'fabrikam')
    assert.deepEqual(show.settings.tenant, { value: 'fabrikam.onmicrosoft.com', source: 'profile' })
    assert.deepEqual(show.settings.clientId, { value: WELL_KNOWN.clientId, source: 'file' })
    assert.equal(show.settings.credential.source, 'file')
    const text = (await ok(h.run(['config']))).stdout
    assert.match(text, /^profile +fabrikam +file "defaultProfile"$/m)
    assert.match(text, /^tenant +fabrikam\.onmicrosoft\.com +profile fabrikam$/m)

    const typo = await h.run(['config', 'use', 'fabrikan'])
    assert.equal(typo.code, 2)
    assert.match(typo.stderr, /ERR_CONFIG_UNKNOWN_PROFILE[\s\S]*did you mean 'fabrikam'\?/)
    const unknown = await h.run(['token', '--profile', 'tailspn'])
    assert.equal(unknown.code, 2)
    assert.match(unknown.stderr, /profile 'tailspn' \(from --profile\)[\s\S]*did you mean 'tailspin'\?/)

    // unset: a profile left empty goes, and stops being the default.
    await ok(h.run(['config', 'unset', 'tenantId', '--profile', 'fabrikam']))
    assert.equal(h.json().profiles.fabrikam, undefined)
    assert.equal(h.json().defaultProfile, undefined)
    assert.equal(await tenantOf([]), WELL_KNOWN.contosoTenantId)
    const again = await ok(h.run(['config', 'unset', 'tenantId', '--profile', 'tailspin']))
    assert.match(again.stderr, /removed tenantId/)
    const gone = await h.run(['config', 'unset', 'tenantId', '--profile', 'gone'])
    assert.equal(gone.code, 2)
    assert.match(gone.stderr, /ERR_CONFIG_UNKNOWN_PROFILE/)
    const notSet = await ok(h.run(['config', 'unset', 'resource']))
    assert.match(notSet.stderr, /resource is not set/)
  })

  test('config list: per profile, the default marked; -o json; piped tables are tab-separated', async () => {
    const h = home()
    await ok(h.run(['config', 'set', 'api', 'legacy']))
    await ok(h.run(['config', 'set', 'dataDir', '/srv/m365d', '--profile', 'prod']))
    await ok(h.run(['config', 'set', 'webhookUrl', 'https://siem.example/ingest/token-in-path', '--profile', 'prod']))
    await ok(h.run(['config', 'use', 'prod']))
    const tsv = await ok(h.run(['config', 'list']))
    assert.deepEqual(tsv.stdout.trim().split('\n'), ['PROFILE\tKEY\tVALUE', '-\tapi\tlegacy', 'prod *\tdataDir\t/srv/m365d', 'prod *\twebhookUrl\thttps://siem.example/…'])
    const doc = JSON.parse((await ok(h.run(['config', 'list', '-o', 'json']))).stdout)
    assert.equal(doc.defaultProfile, 'prod')
    assert.deepEqual(doc.settings, { api: 'legacy' })
    const empty = await ok(home().run(['config', 'list']))
    assert.match(empty.stderr, /no config file yet/)
  })

  test('the file is written atomically and never through a symlink; other keys survive an edit', async () => {
    const h = home()
    const real = join(h.dir, 'real.json')
    writeFileSync(real, JSON.stringify({ tenantId: 'contoso.onmicrosoft.com', futureKey: 1 }), { mode: 0o600 })
    mkdirSync(join(h.dir, '.config', 'm365d'), { recursive: true })
    symlinkSync(real, h.file)
    const r = await h.run(['config', 'set', 'api', 'legacy'])
    assert.equal(r.code, 2)
    assert.match(r.stderr, /^error ERR_CONFIG_FILE_SYMLINK: refusing to write config file .* symbolic link/m)
    assert.ok(lstatSync(h.file).isSymbolicLink(), 'the link is left alone')
    assert.deepEqual(JSON.parse(readFileSync(real, 'utf8')), { tenantId: 'contoso.onmicrosoft.com', futureKey: 1 })
    // Reading through a link is fine (dotfile managers use them); editing the target by name works.
    assert.equal((await ok(h.run(['config', 'get', 'tenantId']))).stdout, 'contoso.onmicrosoft.com\n')
    const edited = await ok(h.run(['config', 'set', 'api', 'legacy', '--config', real]))
    assert.match(edited.stderr, /unknown key 'futureKey' ignored/)
    assert.deepEqual(JSON.parse(readFileSync(real, 'utf8')), { tenantId: 'contoso.onmicrosoft.com', futureKey: 1, api: 'legacy' })
    assert.equal(statSync(real).mode & 0o777, 0o600)
    // A file that is not JSON is never overwritten.
    writeFileSync(real, '{ "tenantId": ')
    const broken = await h.run(['config', 'set', 'api', 'graph', '--config', real])
    assert.equal(broken.code, 2)
    assert.match(broken.stderr, /ERR_CONFIG_FILE_INVALID/)
    assert.equal(readFileSync(real, 'utf8'), '{ "tenantId": ')
  })
})

describe('m365d config shows every setting in effect with its source', { concurrency: true }, () => {
  test('m365d sync piped: a config warning is a JSON log record like every other stderr line', async () => {
    const h = home({ M365D_AUTHORITY_HOST: srv.url, M365D_DEFENDER_API: srv.url, M365D_CLIENT_ID: WELL_KNOWN.clientId, M365D_CLIENT_SECRET: SECRET })
    mkdirSync(dirname(h.file), { recursive: true })
    writeFileSync(h.file, JSON.stringify({ dataDir: join(h.dir, 'data'), tenantID: 'x' }), { mode: 0o600 })
    const r = await ok(h.run(['sync', '--once']))
    const lines = r.stderr.trim().split('\n')
    for (const l of lines) assert.doesNotThrow(() => JSON.parse(l), l)
    assert.ok(lines.some((l) => JSON.parse(l).level === 'warn' && /unknown key 'tenantID' ignored \(did you mean 'tenantId'\?\)/.test(JSON.parse(l).msg)), r.stderr)
  })
  test('a profile\'s store is the one registry commands use (tenants add/list --profile)', async () => {
    const h = home({ M365D_AUTHORITY_HOST: srv.url })
    const data = join(h.dir, 'prod-data')
    await ok(h.run(['config', 'set', 'dataDir', data, '--profile', 'prod']))
    await ok(h.run(['tenants', 'add', WELL_KNOWN.contosoTenantId, '--profile', 'prod']))
    assert.ok(statSync(join(data, 'PG_VERSION')).isFile(), 'the embedded database is in the profile\'s dataDir')
    const listed = (JSON.parse((await ok(h.run(['tenants', 'list', '-o', 'json'], { env: { M365D_PROFILE: 'prod' } }))).stdout) as { tenants: { tenantId: string }[] }).tenants
    assert.deepEqual(listed.map((t) => t.tenantId), [WELL_KNOWN.contosoTenantId])
    assert.equal((await ok(h.run(['config', 'get', 'dataDir', '--profile', 'prod']))).stdout, `${data}\n`)
  })

  test('graphApi, database (password redacted), tenants, api, ops, webhook; secrets hidden', async () => {
    const h = home()
    const hook = generateWebhookSecret()
    const secretFile = join(h.dir, 'whsec.txt')
    writeFileSync(secretFile, `${hook}\n`, { mode: 0o600 })
    await ok(h.run(['config', 'set', 'webhookSecretFile', secretFile, '--profile', 'p']))
    await ok(h.run(['config', 'set', 'webhookUrl', 'https://siem.example/hook/abc', '--profile', 'p']))
    await ok(h.run(['config', 'set', 'opsPort', '9999', '--profile', 'p']))
    await ok(h.run(['config', 'set', 'tenants', 'contoso.onmicrosoft.com fabrikam.onmicrosoft.com']))
    await ok(h.run(['config', 'set', 'dataDir', join(h.dir, 'data')]))
    const env = { M365D_DATABASE_URL: 'postgres://m365d:pa55word-long@db.example:5432/m365d', M365D_DEFENDER_API: 'http://127.0.0.1:5999', M365D_API: 'legacy', M365D_OPS_HOST: '0.0.0.0' }
    const r = await ok(h.run(['config', '--profile', 'p', '-o', 'json'], { env }))
    const s = JSON.parse(r.stdout).settings
    assert.deepEqual(s.database, { value: 'PostgreSQL postgres://m365d:***@db.example:5432/m365d', source: 'env' })
    assert.deepEqual(s.graphApi, { value: 'http://127.0.0.1:5999', source: 'env' }, 'Graph follows an emulator Defender URL')
    assert.deepEqual(s.api, { value: 'legacy', source: 'env' })
    assert.deepEqual(s.tenants, { value: 'contoso.onmicrosoft.com,fabrikam.onmicrosoft.com', source: 'file' })
    assert.deepEqual(s.opsPort, { value: '9999', source: 'profile' })
    assert.deepEqual(s.opsHost, { value: '0.0.0.0', source: 'env' })
    assert.deepEqual(s.webhookUrl, { value: 'https://siem.example/…', source: 'profile' })
    assert.deepEqual(s.webhookSecret, { value: `from the file ${secretFile}`, source: 'profile' })
    assert.ok(!r.stdout.includes('pa55word-long') && !r.stdout.includes('/hook/abc') && !r.stdout.includes(hook))
    // --data-dir (a flag) beats the URL from the environment: the higher level wins.
    const flagDir = JSON.parse((await ok(h.run(['config', '-o', 'json', '--data-dir', 'here'], { env }))).stdout).settings.database
    assert.equal(flagDir.source, 'flag')
    assert.match(flagDir.value, /^PGlite \/.*\/here$/)
    const text = (await ok(h.run(['config', '--profile', 'p'], { env }))).stdout
    for (const key of ['tenant', 'clientId', 'credential', 'cloud', 'authorityHost', 'defenderApi', 'graphApi', 'resource', 'api', 'database', 'tenants', 'opsPort', 'opsHost', 'webhookUrl', 'webhookSecret', 'ndjsonDir', 'profile', 'configFile']) {
      assert.match(text, new RegExp(`^${key} `, 'm'), key)
    }
    assert.match(text, /^graphApi +http:\/\/127\.0\.0\.1:5999 +the emulator's origin \(env M365D_DEFENDER_API\)$/m)
    assert.match(text, /^database +PostgreSQL postgres:\/\/m365d:\*\*\*@db\.example:5432\/m365d +env M365D_DATABASE_URL$/m)
    assert.match(text, /^opsPort +9999 +profile p$/m)
  })
})
