// `m365d start` and the configuration (flags > env > profile > file): what it takes (data dir, ops
// port/host, sinks), what it ignores and says so, and a store that holds other tenants refused.
// The CLI as a subprocess on real temp dirs; the webhook is a real local HTTP receiver.
import { strict as assert } from 'node:assert'
import { existsSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { WELL_KNOWN } from '../../src/emulator/index.js'
import { generateWebhookSecret } from '../../src/sync/sinks/index.js'
import { receiver, verifyStandardWebhook, type Receiver } from '../sync/sinks/_receiver.js'
import { runCli, tempDir } from './_cli.js'

/** A port that was free a moment ago (the OS picks it; closed before start binds it). */
function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const s = createServer()
    s.on('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number }
      s.close(() => resolvePort(port))
    })
  })
}

async function ok(p: Promise<{ code: number | null; stdout: string; stderr: string }>) {
  const r = await p
  assert.equal(r.code, 0, r.stderr)
  return r
}

describe('m365d start with a config file and profiles', { concurrency: true, timeout: 900_000 }, () => {
  let hook: Receiver
  before(async () => {
    hook = await receiver()
  })
  after(() => hook.close())

  test('a profile with dataDir and opsPort is used; the app settings of the profile and the environment are ignored, and said so', async () => {
    const home = tempDir('m365d-home-')
    const dataDir = join(tempDir(), 'demo-data')
    const opsPort = await freePort()
    const env = {
      HOME: home,
      // A partner app pointed at a dead host: start must not use any of it.
      M365D_AUTHORITY_HOST: 'http://127.0.0.1:9',
      M365D_CLIENT_ID: '00001111-aaaa-2222-bbbb-3333cccc4444',
    }
    for (const args of [['dataDir', dataDir], ['opsPort', String(opsPort)], ['tenantId', 'contoso.onmicrosoft.com'], ['clientSecretFile', join(home, 'missing-secret.txt')], ['databaseUrl', 'postgres://m365d@db.invalid:5432/m365d']]) {
      await ok(runCli(['config', 'set', ...args, '--profile', 'demo'], { env }))
    }
    const r = await runCli(['start', '--profile', 'demo', '--duration', '5s', '--refresh', '2s'], { env, timeoutMs: 300_000 })
    assert.equal(r.code, 0, r.stderr)
    // What the user sees: the store and ops port from the profile, where each came from, and what is ignored.
    assert.match(r.stdout, new RegExp(`store PGlite ${dataDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} · ops http://127\\.0\\.0\\.1:${opsPort}/metrics`))
    assert.doesNotMatch(r.stdout, /\(temporary\)/)
    assert.match(r.stdout, new RegExp(`^settings: dataDir .*demo-data \\(profile demo\\) · opsPort ${opsPort} \\(profile demo\\)$`, 'm'))
    assert.match(r.stderr, /m365d start ignores tenantId \(profile demo\), clientId \(env M365D_CLIENT_ID\), clientSecretFile \(profile demo\), authorityHost \(env M365D_AUTHORITY_HOST\), databaseUrl \(profile demo\): it runs the demo app against its embedded emulator/)
    // The demo still works end to end against its own emulator.
    assert.match(r.stdout, /── final summary after \d+s ──/)
    assert.match(r.stdout, /Contoso +ok /)
    assert.match(r.stdout, /stopped cleanly/)
    assert.ok(existsSync(join(dataDir, 'PG_VERSION')), 'the profile\'s data directory is kept')

    // --data-dir (a flag) beats the profile; M365D_OPS_PORT=0 (env) beats it too.
    const flagDir = join(tempDir(), 'flag-data')
    const again = await runCli(['start', '--profile', 'demo', '--data-dir', flagDir, '--duration', '1s', '--skip-demo', '--no-console', '--json'], { env: { ...env, M365D_OPS_PORT: '0' }, timeoutMs: 300_000 })
    assert.equal(again.code, 0, again.stderr)
    const doc = JSON.parse(again.stdout) as { store: string; ops: string; settings: Record<string, { value: string; from: string }>; ignoredSettings: { key: string; from: string }[] }
    assert.equal(doc.store, flagDir)
    assert.deepEqual(doc.settings.dataDir, { value: flagDir, from: 'flag --data-dir' })
    assert.deepEqual(doc.settings.opsPort, { value: '0', from: 'env M365D_OPS_PORT' })
    assert.notEqual(new URL(doc.ops).port, String(opsPort))
    assert.deepEqual(doc.ignoredSettings.map((i) => i.key), ['tenantId', 'clientId', 'clientSecretFile', 'authorityHost', 'databaseUrl'])
  })

  test('sinks configured for sync get no demo records; named on the command line, they do, with the secret and headers from the config file', async () => {
    const home = tempDir('m365d-home-')
    const env = { HOME: home }
    const secret = generateWebhookSecret()
    const secretFile = join(home, 'whsec.txt')
    writeFileSync(secretFile, `${secret}\n`, { mode: 0o600 })
    const apiKey = 'k3y-for-the-demo-siem-do-not-print'
    const configuredDir = join(tempDir(), 'configured-out')
    await ok(runCli(['config', 'set', 'webhookUrl', hook.url], { env }))
    await ok(runCli(['config', 'set', 'webhookSecretFile', secretFile], { env }))
    await ok(runCli(['config', 'set', 'webhookHeaders', '--plaintext-secret'], { env, stdin: `x-api-key: ${apiKey}\nx-source: m365d-demo\n` }))
    await ok(runCli(['config', 'set', 'ndjsonDir', configuredDir], { env }))

    // The production sinks of `m365d sync`: `npm start` must not feed them fake incidents.
    let before = hook.requests.length
    const quiet = await runCli(['start', '--duration', '3s', '--skip-demo'], { env, timeoutMs: 300_000 })
    assert.equal(quiet.code, 0, quiet.stderr)
    assert.equal(hook.requests.length, before, 'nothing posted to the configured webhook')
    assert.ok(!existsSync(configuredDir), 'nothing written to the configured NDJSON directory')
    assert.match(quiet.stderr, /m365d start does not send its demo records to webhookUrl \(file\), ndjsonDir \(file\): name a sink on its command line \(--sink-webhook URL, --sink-ndjson DIR\)/)
    assert.doesNotMatch(quiet.stdout, /^settings: .*webhook/m)

    const flagDir = join(tempDir(), 'out')
    before = hook.requests.length
    const r = await runCli(['start', '--duration', '5s', '--skip-demo', '--sink-webhook', hook.url, '--sink-ndjson', flagDir], { env, timeoutMs: 300_000 })
    assert.equal(r.code, 0, r.stderr)
    const got = hook.requests.slice(before)
    assert.ok(got.length > 0, 'the demo\'s records were posted to the webhook named by --sink-webhook')
    for (const g of got) {
      assert.equal(g.headers['x-api-key'], apiKey)
      assert.equal(g.headers['x-source'], 'm365d-demo')
      assert.ok(verifyStandardWebhook(secret, g.headers, g.rawBody), 'signed with the secret from webhookSecretFile')
    }
    assert.ok(got.flatMap((g) => g.body.records).some((rec) => rec.tenantId === WELL_KNOWN.contosoTenantId))
    assert.ok(existsSync(flagDir), 'the NDJSON sink wrote under --sink-ndjson')
    assert.match(r.stdout, /^settings: .*webhookUrl http:\/\/127\.0\.0\.1:\d+\/… \(flag --sink-webhook\) · webhookSecretFile .*whsec\.txt \(file\) · webhookHeaders x-api-key, x-source \(file\) · ndjsonDir .*out \(flag --sink-ndjson\)$/m)
    assert.doesNotMatch(r.stderr, /m365d start ignores|does not send its demo records/, 'nothing set that start ignores')
    for (const out of [quiet, r]) assert.ok(!(out.stdout + out.stderr).includes(apiKey) && !(out.stdout + out.stderr).includes(secret.slice(6)))
  })

  test('a configured data directory that holds other tenants is refused (exit 2) and left as it was', async () => {
    const home = tempDir('m365d-home-')
    const dataDir = join(tempDir(), 'real-data')
    const env = { HOME: home, M365D_DATA_DIR: dataDir }
    await ok(runCli(['tenants', 'add', '72f988bf-86f1-41af-91ab-2d7cd011db47'], { env }))
    const r = await runCli(['start', '--duration', '1s', '--skip-demo'], { env, timeoutMs: 300_000 })
    assert.equal(r.code, 2, r.stderr)
    assert.match(r.stderr, /error ERR_START_FOREIGN_STORE: the data directory .*real-data \(env M365D_DATA_DIR\) holds 1 tenant that is not the demo's/)
    assert.match(r.stderr, /hint: give the demo its own directory/)
    const list = await ok(runCli(['tenants', 'list', '-o', 'json'], { env }))
    assert.deepEqual((JSON.parse(list.stdout) as { tenants: { tenantId: string }[] }).tenants.map((t) => t.tenantId), ['72f988bf-86f1-41af-91ab-2d7cd011db47'])
  })

  test('m365d config says what start takes and ignores', async () => {
    const r = await ok(runCli(['config']))
    assert.match(r.stdout, /^m365d start \(npm start\) takes only dataDir, opsPort, opsHost, webhookUrl, webhookSecret, webhookSecretFile, webhookHeaders, ndjsonDir; it ignores the others .*sends demo records only to sinks named on its command line/m)
  })
})
