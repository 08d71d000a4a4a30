import assert from 'node:assert/strict'
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, afterEach, before, describe, test } from 'node:test'
import { SyncDaemon } from '../../../src/sync/daemon/index.js'
import { claimOutbox, generateWebhookSecret, ndjsonSink, pendingOutbox, toSinkRecord, webhookSink, type SinkRecord } from '../../../src/sync/sinks/index.js'
import type { Database } from '../../../src/sync/db/database.js'
import { addToDb, emuRig, pglite, until, type EmuRig } from '../daemon/_rig.js'
import { receiver, type Receiver } from './_receiver.js'

const SECRET = generateWebhookSecret()

/** Every record version the database holds, as the keys a sink must have received. */
async function storedKeys(db: Database): Promise<string[]> {
  const { rows } = await db.query<{ k: string }>(
    `SELECT tenant_id || '/' || source || '/incident/' || incident_id || '/v' || version AS k FROM m365d_incident_history
     UNION ALL SELECT tenant_id || '/' || source || '/alert/' || alert_id || '/v' || version FROM m365d_alerts
     -- Health transitions travel through the same outbox (migration 3).
     UNION ALL SELECT coalesce(tenant_id, '') || '/m365d/health/' || id || '/v1' FROM m365d_health_events`,
  )
  return rows.map((r) => r.k).sort()
}

describe('outbox → sinks: at least once, surviving restarts', () => {
  let rig: EmuRig
  let hook: Receiver
  before(async () => {
    rig = await emuRig({ incidentsPerTenant: 15 })
    hook = await receiver()
  })
  // A failed assertion must not leave a daemon's loops keeping the process alive.
  const daemons: SyncDaemon[] = []
  const track = (d: SyncDaemon) => (daemons.push(d), d)
  afterEach(async () => {
    await Promise.all(daemons.splice(0).map((d) => d.stop({ timeoutMs: 2000 })))
  })
  after(async () => {
    await hook.close()
    await rig.close()
  })

  test('each committed record version reaches every sink once the sink recovers; updates are new versions with new keys', async () => {
    const store = await pglite()
    const dir = await mkdtemp(join(tmpdir(), 'm365d-outbox-nd-'))
    const tenants = rig.addTenants(2, 'a0')
    await addToDb(store.db, tenants)
    hook.failNext(3)
    const start = hook.requests.length
    const d = track(new SyncDaemon({
      ...rig.daemonOptions(store.db),
      sinks: [webhookSink({ url: hook.url, secret: SECRET, retry: { maxRetries: 0 } }), ndjsonSink({ dir })],
      sinkRetryBaseSeconds: 0.05,
      sinkIntervalMs: 20,
      tickMs: 20,
      intervalMs: 50,
    }))
    await d.start()
    const expected = async () => storedKeys(store.db)
    await until(async () => (await expected()).length > 0 && ((await pendingOutbox(store.db)).size === 0), 20_000, 'outbox drained')
    // An update in the emulator is a new version on the next pass, with a new key; it flows out too.
    const incident = rig.emulator.defender.visible(tenants[0]!)[0]!
    Object.assign(incident, { status: 'Resolved', lastUpdateTime: Date.now() })
    const v2 = `${tenants[0]}/graph/incident/${incident.incidentId}/v2` // read on Graph, the default
    await until(async () => (await expected()).includes(v2), 10_000, 'the update stored as version 2')
    await until(async () => (await pendingOutbox(store.db)).size === 0, 10_000, 'outbox drained again')
    await d.stop()

    const want = await expected()
    const viaHook = hook.requests.slice(start).flatMap((r) => r.body.records.map((x) => x.idempotencyKey)).sort()
    const files = (await readdir(dir)).sort()
    const viaFile = (await Promise.all(files.map((f) => readFile(join(dir, f), 'utf8')))).join('').split('\n').filter(Boolean).map((l) => (JSON.parse(l) as SinkRecord).idempotencyKey).sort()
    assert.ok(hook.attempts >= 4, 'the webhook failed first and was retried from the outbox')
    assert.deepEqual([...new Set(viaHook)].sort(), want)
    assert.deepEqual([...new Set(viaFile)].sort(), want)
    assert.ok(viaHook.includes(v2) && viaHook.includes(v2.replace(/v2$/, 'v1')), 'both versions of the updated incident went out')
    await rm(dir, { recursive: true, force: true })
    await store.db.close()
    await store.cleanup()
  })

  test('the outbox survives a restart, and a crash after delivery re-delivers with the same keys (duplicates detectable)', async () => {
    const store = await pglite()
    const tenants = rig.addTenants(2, 'b0')
    await addToDb(store.db, tenants)
    // Worker A: its sink is down for the whole run; stop() cannot flush.
    hook.failNext(1_000_000)
    const a = track(new SyncDaemon({ ...rig.daemonOptions(store.db), workerId: 'worker-a', sinks: [webhookSink({ url: hook.url, secret: SECRET, retry: { maxRetries: 0 } })] }))
    await a.runOnce()
    await a.stop({ timeoutMs: 2000 })
    const pending = (await pendingOutbox(store.db)).get('webhook') ?? 0
    const want = await storedKeys(store.db)
    assert.equal(pending, want.length, 'one outbox row per stored record version')
    await store.db.close()

    // Process restart: same data directory, a fresh connection.
    const db = await store.reopen()
    hook.failNext(0)
    const start = hook.requests.length
    // A worker that delivered a batch and crashed before deleting it: its claim must expire first.
    const crashed = await claimOutbox(db, { sink: 'webhook', workerId: 'worker-crashed', limit: 5, claimSeconds: 1 })
    await webhookSink({ url: hook.url, secret: SECRET }).deliver(crashed.map(toSinkRecord))
    const b = track(new SyncDaemon({ ...rig.daemonOptions(db), workerId: 'worker-b', sinks: [webhookSink({ url: hook.url, secret: SECRET })], sinkIntervalMs: 50, tickMs: 50, intervalMs: 3_600_000 }))
    await b.start()
    await until(async () => (await pendingOutbox(db)).size === 0, 20_000, 'outbox drained after restart')
    await b.stop()
    const keys = hook.requests.slice(start).flatMap((r) => r.body.records.map((x) => x.idempotencyKey))
    assert.deepEqual([...new Set(keys)].sort(), want, 'every version delivered')
    assert.equal(keys.length, want.length + crashed.length, 'exactly the crashed batch came twice')
    const dupes = keys.filter((k, i) => keys.indexOf(k) !== i).sort()
    assert.deepEqual(dupes, crashed.map((c) => toSinkRecord(c).idempotencyKey).sort())
    await db.close()
    await store.cleanup()
  })
})
