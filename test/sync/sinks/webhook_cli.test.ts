import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { createEmulator, serve, WELL_KNOWN, type RunningEmulator } from '../../../src/emulator/index.js'
import { generateWebhookSecret } from '../../../src/sync/sinks/index.js'
import { runCli, tempDir } from '../../cli/_cli.js'
import { emulatorEnv } from '../process/_rig.js'
import { receiver, verifyStandardWebhook, type Receiver } from './_receiver.js'

/** `m365d sync --sink-webhook` as a user runs it: the secret from M365D_WEBHOOK_SECRET, headers from --sink-webhook-header. */
describe('m365d sync --sink-webhook', () => {
  let server: RunningEmulator
  let hook: Receiver
  before(async () => {
    server = await serve(await createEmulator({ defender: { incidentsPerTenant: 3 } }))
    hook = await receiver()
  })
  after(async () => {
    await hook.close()
    await server.close()
  })

  test('no signing secret, a malformed one, or a header line without a colon → exit 2 before anything starts, nothing echoed', async () => {
    const env = { ...emulatorEnv('http://127.0.0.1:9'), M365D_DATA_DIR: join(tempDir(), 'never') }
    const none = await runCli(['sync', '--once', '--json', '--sink-webhook', hook.url], { env })
    assert.equal(none.code, 2, none.stderr)
    const err = (JSON.parse(none.stdout) as { error: { code: string; hint: string } }).error
    assert.equal(err.code, 'ERR_SINK_CONFIG')
    assert.match(err.hint, /M365D_WEBHOOK_SECRET/)
    const pasted = 'not-a-whsec-but-a-real-password-123'
    const bad = await runCli(['sync', '--once', '--json', '--sink-webhook', hook.url], { env: { ...env, M365D_WEBHOOK_SECRET: pasted } })
    assert.equal(bad.code, 2)
    assert.ok(!bad.stdout.includes(pasted) && !bad.stderr.includes(pasted))
    const header = await runCli(['sync', '--once', '--json', '--sink-webhook', hook.url, '--sink-webhook-header', 'x-api-key=leaky-key'], { env: { ...env, M365D_WEBHOOK_SECRET: generateWebhookSecret() } })
    assert.equal(header.code, 2)
    assert.ok(!header.stdout.includes('leaky-key') && !header.stderr.includes('leaky-key'))
    assert.equal(hook.attempts, 0)
  })

  test('a run delivers signed batches with the configured header; neither the header value nor the secret is printed', async () => {
    const secret = generateWebhookSecret()
    const apiKey = 'k3y-0f-the-receiver-do-not-print'
    const env = emulatorEnv(server.url, { M365D_DATA_DIR: join(tempDir(), 'data'), M365D_WEBHOOK_SECRET: secret })
    const add = await runCli(['tenants', 'add', WELL_KNOWN.contosoTenantId, '--json'], { env })
    assert.equal(add.code, 0, add.stderr)
    const r = await runCli(['sync', '--once', '--verbose', '--backfill', '400d', '--sink-webhook', hook.url, '--sink-webhook-header', `x-api-key: ${apiKey}`], { env })
    assert.equal(r.code, 0, r.stderr.slice(-2000))
    assert.ok(hook.requests.length > 0, 'batches delivered')
    for (const got of hook.requests) {
      assert.equal(got.headers['x-api-key'], apiKey)
      assert.ok(verifyStandardWebhook(secret, got.headers, got.rawBody), 'signed with M365D_WEBHOOK_SECRET')
    }
    const all = r.stdout + r.stderr
    assert.ok(!all.includes(apiKey), 'the header value is not printed')
    assert.ok(!all.includes(secret.slice(6)), 'the secret is not printed')
  })

  test('the URL and the secret from a config profile (webhookSecretFile): signed deliveries, the secret never printed (issue 10 leftover)', async () => {
    const secret = generateWebhookSecret()
    const home = tempDir()
    const secretFile = join(home, 'whsec.txt')
    writeFileSync(secretFile, `${secret}\n`, { mode: 0o600 })
    const env = emulatorEnv(server.url, { HOME: home, M365D_DATA_DIR: join(tempDir(), 'data') })
    for (const args of [['webhookUrl', hook.url], ['webhookSecretFile', secretFile]]) {
      const set = await runCli(['config', 'set', ...args, '--profile', 'siem'], { env })
      assert.equal(set.code, 0, set.stderr)
    }
    assert.equal((await runCli(['tenants', 'add', WELL_KNOWN.contosoTenantId], { env })).code, 0)
    const before = hook.requests.length
    const r = await runCli(['sync', '--once', '--backfill', '400d', '--profile', 'siem'], { env })
    assert.equal(r.code, 0, r.stderr.slice(-2000))
    const got = hook.requests.slice(before)
    assert.ok(got.length > 0, 'batches delivered to the profile\'s webhookUrl')
    for (const g of got) assert.ok(verifyStandardWebhook(secret, g.headers, g.rawBody), 'signed with the secret from webhookSecretFile')
    const shown = await runCli(['config', '--profile', 'siem'], { env })
    for (const out of [r.stdout, r.stderr, shown.stdout, shown.stderr]) assert.ok(!out.includes(secret.slice(6)), 'the secret is not printed')
    assert.match(shown.stdout, /^webhookSecret +from the file .*whsec\.txt +profile siem$/m)
  })
  test('headers from the config file reach the receiver; --sink-webhook-header replaces them; their values are never printed', async () => {
    const secret = generateWebhookSecret()
    const apiKey = 'k3y-from-the-config-file-do-not-print'
    const home = tempDir()
    const env = emulatorEnv(server.url, { HOME: home, M365D_DATA_DIR: join(tempDir(), 'data'), M365D_WEBHOOK_SECRET: secret, M365D_WEBHOOK_URL: hook.url })
    const set = await runCli(['config', 'set', 'webhookHeaders', '--plaintext-secret', '--profile', 'siem'], { env, stdin: `x-api-key: ${apiKey}\nx-source: mssp\n` })
    assert.equal(set.code, 0, set.stderr)
    assert.equal((await runCli(['tenants', 'add', WELL_KNOWN.contosoTenantId], { env })).code, 0)
    let before = hook.requests.length
    const r = await runCli(['sync', '--once', '--verbose', '--backfill', '400d', '--profile', 'siem'], { env })
    assert.equal(r.code, 0, r.stderr.slice(-2000))
    const got = hook.requests.slice(before)
    assert.ok(got.length > 0, 'batches delivered')
    for (const g of got) {
      assert.equal(g.headers['x-api-key'], apiKey)
      assert.equal(g.headers['x-source'], 'mssp')
      assert.ok(verifyStandardWebhook(secret, g.headers, g.rawBody))
    }
    assert.ok(!(r.stdout + r.stderr).includes(apiKey), 'the header value is not printed, even with --verbose')
    // The flag is the highest level and replaces the whole set (no x-source from the profile).
    await runCli(['tenants', 'add', WELL_KNOWN.fabrikamTenantId], { env })
    before = hook.requests.length
    const flagged = await runCli(['sync', '--once', '--backfill', '400d', '--profile', 'siem', '--sink-webhook-header', 'x-api-key: from-the-flag-0001'], { env })
    assert.equal(flagged.code, 0, flagged.stderr.slice(-2000))
    const fromFlag = hook.requests.slice(before)
    assert.ok(fromFlag.length > 0)
    for (const g of fromFlag) {
      assert.equal(g.headers['x-api-key'], 'from-the-flag-0001')
      assert.equal(g.headers['x-source'], undefined)
    }
  })
})
