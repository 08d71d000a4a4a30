import assert from 'node:assert/strict'
import { after, afterEach, before, describe, test } from 'node:test'
import { SyncDaemon } from '../../../src/sync/daemon/index.js'
import type { Database } from '../../../src/sync/db/database.js'
import { generateWebhookSecret, pendingOutbox, webhookSink } from '../../../src/sync/sinks/index.js'
import { addToDb, emuRig, pglite, until, waitFor, type EmuRig } from '../daemon/_rig.js'
import { receiver, verifyStandardWebhook, type Receiver } from './_receiver.js'

const SECRET = generateWebhookSecret()

async function storedKeys(db: Database): Promise<string[]> {
  const { rows } = await db.query<{ k: string }>(`SELECT tenant_id || '/' || source || '/incident/' || incident_id || '/v' || version AS k FROM m365d_incident_history WHERE tenant_id LIKE 'c1%'`)
  return rows.map((r) => r.k).sort()
}

describe('outbox delivery: sinks deliver independently', () => {
  let rig: EmuRig
  // One store for both tests (opening PGlite costs seconds): tenants and sink names differ per test.
  let store: Awaited<ReturnType<typeof pglite>>
  const receivers: Receiver[] = []
  const daemons: SyncDaemon[] = []
  before(async () => {
    rig = await emuRig({ incidentsPerTenant: 8 })
    store = await pglite()
  })
  afterEach(async () => {
    await Promise.all(daemons.splice(0).map((d) => d.stop({ timeoutMs: 2000 })))
  })
  after(async () => {
    await Promise.all(receivers.map((r) => r.close()))
    await store.db.close()
    await store.cleanup()
    await rig.close()
  })

  test('two sinks, the first one hanging: the other delivers every version, also later ones; stop() still returns', async () => {
    const tenants = rig.addTenants(2, 'c1')
    await addToDb(store.db, tenants)
    const stuck = await receiver()
    const good = await receiver()
    receivers.push(stuck, good)
    stuck.hang()
    const d = new SyncDaemon({
      ...rig.daemonOptions(store.db),
      sinks: [webhookSink({ url: stuck.url, name: 'stuck', secret: SECRET, timeoutMs: 120_000, retry: { maxRetries: 0 } }), webhookSink({ url: good.url, name: 'good', secret: SECRET })],
      sinkIntervalMs: 20,
      tickMs: 20,
      intervalMs: 50,
    })
    daemons.push(d)
    await d.start()
    const delivered = () => new Set(good.requests.flatMap((r) => r.body.records.map((x) => x.idempotencyKey)))
    await until(async () => {
      const want = await storedKeys(store.db)
      return want.length > 0 && want.every((k) => delivered().has(k))
    }, 20_000, 'every stored version delivered to the good sink')
    // A change while the first sink still hangs flows out through the second one too.
    const incident = rig.emulator.defender.visible(tenants[0]!)[0]!
    Object.assign(incident, { status: 'Resolved', lastUpdateTime: Date.now() })
    const v2 = `${tenants[0]}/graph/incident/${incident.incidentId}/v2` // read on Graph, the default
    await until(() => delivered().has(v2), 20_000, 'the update delivered while the other sink hangs')
    assert.ok(good.requests.every((r) => verifyStandardWebhook(SECRET, r.headers, r.rawBody)))
    assert.ok(stuck.attempts >= 1, 'the stuck sink was tried')
    assert.ok(((await pendingOutbox(store.db)).get('stuck') ?? 0) > 0, 'its rows wait in the outbox')
    // Health events (migration 3) travel the same outbox and may land just after the records.
    await until(async () => ((await pendingOutbox(store.db)).get('good') ?? 0) === 0, 10_000, 'the good sink drained')
    const stopping = Date.now()
    await d.stop({ timeoutMs: 2000 })
    assert.ok(Date.now() - stopping < 10_000, 'a hanging receiver does not hold up stop()')
  })

  test("a receiver's huge Retry-After pauses that sink for 5 min at most (the cap), not 23 days", async () => {
    const tenants = rig.addTenants(1, 'c2')
    await addToDb(store.db, tenants)
    const slow = await receiver()
    receivers.push(slow)
    slow.failNext(1_000_000, 503, { 'retry-after': '2000000' })
    const d = new SyncDaemon({
      ...rig.daemonOptions(store.db),
      sinks: [webhookSink({ url: slow.url, name: 'slow', secret: SECRET })],
      sinkIntervalMs: 20,
      tickMs: 20,
      intervalMs: 3_600_000,
    })
    daemons.push(d)
    const failed = waitFor((l) => d.on(l), (e) => e.type === 'sink.failed')
    await d.start()
    await failed
    const { rows } = await store.db.query<{ s: number }>(`SELECT EXTRACT(EPOCH FROM (max(claimed_until) - now()))::float8 AS s FROM m365d_outbox WHERE sink = 'slow' AND last_error IS NOT NULL`)
    const seconds = Number(rows[0]!.s)
    assert.ok(seconds > 240 && seconds <= 300, `rows come back after ${seconds} s`)
    assert.equal(slow.attempts, 1, 'no retry inside the delivery either')
  })
})
