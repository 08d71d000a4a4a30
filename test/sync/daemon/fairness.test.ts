import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { GRAPH_LIMITS, LEGACY_LIMITS, RateLimiter } from '../../../src/defender/index.js'
import { SyncDaemon, type DaemonEvent } from '../../../src/sync/daemon/index.js'
import { addToDb, emuRig, pglite, type EmuRig } from './_rig.js'

/**
 * Issue 8 §5: the scheduler stays fair across tenants when every call also counts against a
 * SMALL app-wide budget (Graph's per-app limit across tenants, scaled down): many tenants, a pool
 * smaller than the tenant count, passes that wait in the limiter — no tenant may starve.
 */
describe('scheduler fairness under per-tenant quotas and a small app-wide budget', () => {
  let rig: EmuRig
  let store: Awaited<ReturnType<typeof pglite>>
  before(async () => {
    rig = await emuRig({ incidentsPerTenant: 3 })
    store = await pglite()
  })
  after(async () => {
    await store.db.close()
    await store.cleanup()
    await rig.close()
  })

  test('30 tenants, 6 slots, 8 calls/s for the whole app: every tenant keeps passing, none runs away with the budget', async () => {
    const tenants = rig.addTenants(30, 'fa1')
    await addToDb(store.db, tenants)
    // The real Graph profile (150/min per tenant) with the app-wide 130,000/10 s scaled down to 8/s.
    const limiter = new RateLimiter({ profiles: { graph: { ...GRAPH_LIMITS, app: [{ limit: 8, windowMs: 1000 }] }, legacy: LEGACY_LIMITS } })
    const passes = new Map<string, number>(tenants.map((t) => [t, 0]))
    let failed = 0
    const daemon = new SyncDaemon({
      ...rig.daemonOptions(store.db),
      rateLimiter: limiter,
      surface: 'graph',
      concurrency: 6,
      intervalMs: 0,
      tickMs: 50,
      leaseTtlSeconds: 30,
      onEvent: (e: DaemonEvent) => {
        if (e.type === 'pass.finished') passes.set(e.tenantId, (passes.get(e.tenantId) ?? 0) + 1)
        if (e.type === 'pass.failed') failed++
      },
    })
    await daemon.start()
    const started = Date.now()
    // Run until the slowest tenant has 3 passes (or 60 s): ~8 calls/s across 30 tenants.
    while (Math.min(...passes.values()) < 3 && Date.now() - started < 60_000) await new Promise((r) => setTimeout(r, 200))
    await daemon.stop()
    const counts = [...passes.values()]
    assert.equal(failed, 0)
    assert.ok(Math.min(...counts) >= 3, `a tenant starved: ${JSON.stringify(Object.fromEntries(passes))}`)
    // Least-recently-run first: no tenant gets far ahead of the others while the app budget is the bottleneck.
    assert.ok(Math.max(...counts) <= Math.min(...counts) + 3, `unfair: passes per tenant ${counts.join(',')}`)
    // And the budget held: API calls (list pages) over the run stay within 8/s.
    const elapsedS = (Date.now() - started) / 1000
    const calls = Number((await store.db.query<{ n: string }>(`SELECT sum(api_calls) AS n FROM m365d_sync_state`)).rows[0]!.n)
    assert.ok(calls <= 8 * (elapsedS + 1) + 8, `${calls} calls in ${elapsedS.toFixed(1)} s exceed the app budget`)
  })
})
