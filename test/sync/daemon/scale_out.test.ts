import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { Database } from '../../../src/sync/db/database.js'
import { migrate } from '../../../src/sync/db/migrations.js'
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SyncDaemon, type DaemonEvent } from '../../../src/sync/daemon/index.js'
import { ndjsonSink, pendingOutbox } from '../../../src/sync/sinks/index.js'
import { postgresDatabase, type TestDatabase } from '../_databases.js'
import { addToDb, emuRig, until, type EmuRig } from './_rig.js'

interface Interval {
  worker: string
  tenant: string
  from: number
  to: number
}

/**
 * Scale-out on a real PostgreSQL (issue 4 §4): three workers, one database, twelve tenants. Each
 * worker has its own connection pool, as separate processes would.
 */
describe('scale-out: three workers share the tenants of one PostgreSQL', async () => {
  const pg: TestDatabase = await postgresDatabase()
  let rig: EmuRig
  const dbs: Database[] = []
  before(async () => {
    if (pg.skip) return
    rig = await emuRig({ incidentsPerTenant: 40 })
    for (let i = 0; i < 3; i++) dbs.push(await pg.open())
    await migrate(dbs[0]!)
  })
  after(async () => {
    for (const db of dbs) await db.close().catch(() => undefined)
    await pg.cleanup()
    await rig?.close()
  })

  test('every tenant synced, never two workers on one tenant at once, a dead worker\u2019s tenants taken over after the lease TTL', { skip: pg.skip }, async (t) => {
    const tenants = rig.addTenants(12, '5c')
    const sinkDir = await mkdtemp(join(tmpdir(), 'm365d-scale-sink-'))
    await addToDb(dbs[0]!, tenants)
    let killedAt = Infinity
    const passes: Interval[] = []
    const open = new Map<string, { worker: string; from: number }>()
    const record = (worker: string) => (e: DaemonEvent) => {
      const now = performance.now()
      if (e.type === 'pass.started') open.set(`${worker}|${e.tenantId}`, { worker, from: now })
      if (e.type === 'pass.finished' || e.type === 'pass.failed' || e.type === 'pass.aborted') {
        const o = open.get(`${worker}|${e.tenantId}`)
        open.delete(`${worker}|${e.tenantId}`)
        if (o) passes.push({ worker, tenant: e.tenantId, from: o.from, to: now })
      }
    }
    const workers = dbs.map(
      (db, i) =>
        new SyncDaemon({
          ...rig.daemonOptions(db),
          workerId: `worker-${i}`,
          leaseTtlSeconds: 2,
          tickMs: 50,
          intervalMs: 300,
          concurrency: 3,
          pageSize: 10,
          // One sink name on every worker: they share its outbox rows (claimed with SKIP LOCKED).
          sinks: [ndjsonSink({ dir: sinkDir })],
          sinkClaimSeconds: 2,
          sinkIntervalMs: 50,
          onEvent: record(`worker-${i}`),
        }),
    )
    for (const w of workers) await w.start()
    try {

    // Fair share: 12 tenants / 3 live workers = 4 each once the first worker gave its surplus back.
    await until(() => workers.every((w) => w.status().worker.leasesHeld.length === 4), 15_000, 'balanced leases')
    const synced = async () => {
      const { rows } = await dbs[0]!.query<{ n: string }>(`SELECT count(*) AS n FROM m365d_sync_state WHERE watermark IS NOT NULL`)
      return Number(rows[0]!.n) === tenants.length
    }
    await until(synced, 20_000, 'every tenant synced once')

    // Worker 2 dies: its connections go away, nothing is released.
    const dead = workers[2]!
    const orphans = dead.status().worker.leasesHeld
    assert.equal(orphans.length, 4)
    killedAt = performance.now()
    await dbs[2]!.close()
    await until(
      () => orphans.every((t) => passes.some((p) => p.tenant === t && p.worker !== 'worker-2' && p.from > killedAt)),
      15_000,
      'the dead worker\u2019s tenants synced by the others',
    )
    const takeoverMs = Math.max(...orphans.map((t) => Math.min(...passes.filter((p) => p.tenant === t && p.worker !== 'worker-2' && p.from > killedAt).map((p) => p.from)))) - killedAt
    t.diagnostic(`takeover of the last orphaned tenant: ${Math.round(takeoverMs)} ms after the kill (lease TTL 2 s)`)
    assert.ok(takeoverMs >= 1000 && takeoverMs < 6000, `taken over ${Math.round(takeoverMs)} ms after the kill (TTL 2 s)`)
    const { rows: leases } = await dbs[0]!.query<{ worker_id: string; n: string }>(`SELECT worker_id, count(*) AS n FROM m365d_leases WHERE expires_at >= now() GROUP BY worker_id ORDER BY worker_id`)
    assert.deepEqual(leases.map((l) => [l.worker_id, Number(l.n)]), [['worker-0', 6], ['worker-1', 6]])

      // The dead worker's outbox claims expire too: the others deliver everything.
      await until(async () => (await pendingOutbox(dbs[0]!)).size === 0, 15_000, 'outbox drained by the live workers')
    } finally {
      await Promise.all(workers.map((w) => w.stop({ timeoutMs: 2000 })))
    }
    // Keys name the surface the version was read from: Graph, the default.
    const { rows: versions } = await dbs[0]!.query<{ k: string }>(
      `SELECT tenant_id || '/graph/incident/' || incident_id || '/v' || version AS k FROM m365d_incident_history
       UNION ALL SELECT tenant_id || '/graph/alert/' || alert_id || '/v' || version FROM m365d_alerts`,
    )
    const lines = (await Promise.all((await readdir(sinkDir)).map((f) => readFile(join(sinkDir, f), 'utf8')))).join('').split('\n').filter(Boolean)
    // Health events (issue 9) share the outbox; this check is about the records the store holds.
    const records = lines.map((l) => JSON.parse(l) as { idempotencyKey: string; kind: string }).filter((r) => r.kind !== 'health')
    const delivered = new Set(records.map((r) => r.idempotencyKey))
    assert.deepEqual([...delivered].sort(), versions.map((v) => v.k).sort(), 'every stored version reached the shared sink at least once')
    await rm(sinkDir, { recursive: true, force: true })

    // Never two workers on one tenant at once. The dead worker could not commit after its death
    // (no connection; lease fencing besides), so its passes end at the kill.
    const cut = passes.map((p) => (p.worker === 'worker-2' ? { ...p, to: Math.min(p.to, killedAt) } : p))
    for (const t of tenants) {
      const mine = cut.filter((p) => p.tenant === t).sort((a, b) => a.from - b.from)
      for (let i = 1; i < mine.length; i++)
        if (mine[i]!.worker !== mine[i - 1]!.worker) assert.ok(mine[i]!.from >= mine[i - 1]!.to, `overlapping passes on ${t}: ${JSON.stringify(mine.slice(i - 1, i + 1))}`)
    }
    assert.ok(new Set(passes.map((p) => p.worker)).size === 3, 'all three workers did work')
    for (const t of tenants) {
      const { rows } = await dbs[0]!.query<{ n: string }>(`SELECT count(*) AS n FROM m365d_incidents WHERE tenant_id = $1`, [t])
      assert.equal(Number(rows[0]!.n), rig.emulator.defender.visible(t).length, `all incidents of ${t}`)
    }
  })
})
