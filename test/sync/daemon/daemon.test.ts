import assert from 'node:assert/strict'
import { after, afterEach, before, describe, test } from 'node:test'
import { WELL_KNOWN } from '../../../src/emulator/index.js'
import { readSyncState } from '../../../src/sync/db/sql/sync_state.js'
import { SyncDaemon, type DaemonEvent } from '../../../src/sync/daemon/index.js'
import { addToDb, emuRig, pglite, waitFor, type EmuRig } from './_rig.js'

const count = async (db: { query: (s: string, p?: unknown[]) => Promise<{ rows: { n: string }[] }> }, tenant: string) =>
  Number((await db.query(`SELECT count(*) AS n FROM m365d_incidents WHERE tenant_id = $1`, [tenant])).rows[0]!.n)

describe('SyncDaemon scheduler (PGlite + emulator over HTTP)', () => {
  let rig: EmuRig
  before(async () => {
    rig = await emuRig({ incidentsPerTenant: 25 })
  })
  after(() => rig.close())
  // A failed assertion must not leave a daemon's loops keeping the process alive.
  // Tokens first, with retries: on a loaded machine the in-process emulator may close an idle
  // keep-alive socket the client is about to reuse (ECONNRESET). The behaviour under test must be
  // the only failure in play.
  const warmTokens = async (tenants: string[]) => {
    for (const tenant of tenants) {
      for (let attempt = 1; ; attempt++) {
        const ok = await rig.tokens.getToken({ tenant, resource: 'https://api.security.microsoft.com' }).then(() => true, () => attempt >= 5)
        if (ok) break
      }
    }
  }
  const daemons: SyncDaemon[] = []
  const track = (d: SyncDaemon) => (daemons.push(d), d)
  afterEach(async () => {
    await Promise.all(daemons.splice(0).map((d) => d.stop({ timeoutMs: 2000 })))
  })

  test('runOnce syncs every healthy tenant; unconsented and role-less tenants are reported with the fix while the rest continue', async () => {
    const store = await pglite()
    const events: DaemonEvent[] = []
    const healthy = rig.addTenants(3, 'aa')
    await addToDb(store.db, [...healthy, WELL_KNOWN.woodgroveTenantId, WELL_KNOWN.tailspinTenantId])
    await warmTokens(healthy)
    const d = track(new SyncDaemon({ ...rig.daemonOptions(store.db), onEvent: (e) => events.push(e) }))
    const results = await d.runOnce()
    assert.equal(results.length, 5)
    for (const t of healthy) {
      assert.equal(results.find((r) => r.tenantId === t)?.ok, true)
      assert.equal(await count(store.db, t), rig.emulator.defender.visible(t).length)
    }
    const failed = events.filter((e): e is Extract<DaemonEvent, { type: 'pass.failed' }> => e.type === 'pass.failed')
    assert.deepEqual(failed.map((e) => [e.tenantId, e.health]).sort(), [
      [WELL_KNOWN.tailspinTenantId, 'missing_roles'],
      [WELL_KNOWN.woodgroveTenantId, 'not_consented'],
    ].sort())
    assert.match(failed.find((e) => e.health === 'missing_roles')!.hint ?? '', /Incident\.Read\.All/)
    // Backed off: a second round right away runs nothing for them, and nothing for the healthy (interval).
    assert.deepEqual(await d.runOnce(), [])
    const st = d.status()
    assert.equal(st.tenants.find((t) => t.tenantId === WELL_KNOWN.woodgroveTenantId)?.health, 'not_consented')
    assert.equal(st.worker.leasesHeld.length, 5)
    await d.stop()
    const leases = await store.db.query<{ worker_id: string | null }>(`SELECT worker_id FROM m365d_leases`)
    assert.ok(leases.rows.every((r) => r.worker_id === null), 'stop() released every lease')
    await store.db.close()
    await store.cleanup()
  })

  test('fairness: a huge tenant is time-sliced and never starves the others in a pool of one', async () => {
    const store = await pglite()
    const [big] = rig.addTenants(1, '0b')
    const small = rig.addTenants(4, 'cc')
    rig.emulator.defender.generate(big!, { count: 1500, seed: 7 })
    await addToDb(store.db, [big!, ...small])
    const events: DaemonEvent[] = []
    await warmTokens([big!, ...small])
    const d = track(new SyncDaemon({ ...rig.daemonOptions(store.db), concurrency: 1, pageSize: 10, maxPassMs: 300, tickMs: 20, intervalMs: 3_600_000, onEvent: (e) => events.push(e) }))
    await d.start()
    const done = new Set<string>()
    await waitFor(
      d.on.bind(d),
      (e) => {
        if (e.type === 'pass.finished' && small.includes(e.tenantId)) done.add(e.tenantId)
        return done.size === small.length
      },
      60_000,
    )
    const bigFinished = events.some((e) => e.type === 'pass.finished' && e.tenantId === big)
    await d.stop()
    assert.equal(bigFinished, false, 'the small tenants finished while the big backfill was still running')
    // The big tenant went first (never run, sorts first), was cut at its time slice and requeued.
    assert.equal((events.find((e) => e.type === 'pass.started') as { tenantId: string }).tenantId, big)
    assert.ok(events.some((e) => e.type === 'pass.aborted' && e.tenantId === big && e.reason === 'time-slice'), JSON.stringify(events.filter((e) => 'tenantId' in e && e.tenantId === big && e.type !== 'pass.progress')))
    // Its cursor is kept and its committed pages are in the database.
    const state = await readSyncState(store.db, big!, 'graph:incidents') // Graph is the default surface
    assert.ok(state?.cursor, 'the interrupted pass left a cursor to resume from')
    assert.ok((await count(store.db, big!)) >= 10)
    await store.db.close()
    await store.cleanup()
  })

  test('a throttled tenant (429 storm) is marked and backed off by Retry-After while the others sync', async () => {
    const store = await pglite()
    const [hot] = rig.addTenants(1, '0d')
    const cool = rig.addTenants(3, 'dd')
    rig.emulator.defender.generate(hot!, { count: 200, seed: 3 })
    await addToDb(store.db, [hot!, ...cool])
    const limits = rig.emulator.defender.limits
    limits.enabled = true
    limits.quotas['graph.incidents.list'] = [{ limit: 5, windowMs: 60_000 }] // the daemon reads Graph by default
    try {
      const events: DaemonEvent[] = []
      const d = track(new SyncDaemon({ ...rig.daemonOptions(store.db), retry: { maxRetries: 0 }, pageSize: 10, onEvent: (e) => events.push(e) }))
      await warmTokens([hot!, ...cool])
      const before = Date.now()
      const results = await d.runOnce()
      const hotResult = results.find((r) => r.tenantId === hot)!
      assert.equal(hotResult.error?.health, 'throttled', JSON.stringify(hotResult.error))
      // Backoff = the server's Retry-After (the rest of the emulator's 60 s window), not the generic minute-plus.
      const wait = hotResult.nextRunAt.getTime() - before
      assert.ok(wait > 1_000 && wait <= 62_000, `next run in ${wait} ms`)
      for (const t of cool) assert.equal(results.find((r) => r.tenantId === t)?.ok, true)
      const metrics = await d.metricsText()
      assert.match(metrics, new RegExp(`^m365d_api_throttled_total\\{tenant="${hot}"\\} 1$`, 'm'))
      assert.match(metrics, new RegExp(`^m365d_tenant_health\\{tenant="${hot}",health="throttled"\\} 1$`, 'm'))
      await d.stop()
    } finally {
      limits.enabled = false
      await store.db.close()
      await store.cleanup()
    }
  })

  test('graceful stop mid-pass commits the page in flight and keeps the cursor; the next worker resumes with nothing lost or doubled', async () => {
    const store = await pglite()
    const [big] = rig.addTenants(1, 'ee')
    rig.emulator.defender.generate(big!, { count: 600, seed: 11 })
    await addToDb(store.db, [big!])
    const events: DaemonEvent[] = []
    await warmTokens([big!])
    const d = track(new SyncDaemon({ ...rig.daemonOptions(store.db), pageSize: 10, tickMs: 20, onEvent: (e) => events.push(e) }))
    await d.start()
    await waitFor(d.on.bind(d), (e) => e.type === 'pass.progress' && e.pages >= 3, 60_000)
    const stopping = d.stop({ timeoutMs: 10_000 })
    assert.equal(d.stop(), stopping, 'stop() is idempotent')
    await stopping
    const aborted = events.find((e) => e.type === 'pass.aborted')
    assert.deepEqual(aborted && { tenant: aborted.tenantId, reason: aborted.reason }, { tenant: big, reason: 'stop' })
    assert.deepEqual(events.filter((e) => e.type === 'worker.stopped').map((e) => e.type === 'worker.stopped' && e.timedOut), [[]])
    const lastProgress = events.filter((e) => e.type === 'pass.progress').at(-1) as Extract<DaemonEvent, { type: 'pass.progress' }>
    const stored = await count(store.db, big!)
    assert.equal(stored, lastProgress.records, 'every page reported was committed, and nothing after it')
    const state = await readSyncState(store.db, big!, 'graph:incidents') // Graph is the default surface
    assert.ok(state?.cursor && state.watermark === null, 'cursor kept, watermark not moved before the pass completes')

    const d2 = track(new SyncDaemon({ ...rig.daemonOptions(store.db), pageSize: 10 }))
    const [res] = await d2.runOnce()
    assert.equal(res?.ok, true)
    assert.equal(res?.incidents?.resumed, true)
    assert.equal(await count(store.db, big!), rig.emulator.defender.visible(big!).length)
    // Rows are keyed by incident id: equal counts = nothing lost, nothing stored twice.
    const ids = await store.db.query<{ incident_id: string }>(`SELECT incident_id FROM m365d_incidents WHERE tenant_id = $1`, [big])
    assert.deepEqual(ids.rows.map((r) => Number(r.incident_id)).sort(), rig.emulator.defender.visible(big!).map((i) => i.incidentId).sort())
    await d2.stop()
    await store.db.close()
    await store.cleanup()
  })
})
