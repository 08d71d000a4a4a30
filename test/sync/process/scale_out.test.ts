import { strict as assert } from 'node:assert'
import type { ChildProcessWithoutNullStreams } from 'node:child_process'
import { after, before, describe, test } from 'node:test'
import { createEmulator, serve, WELL_KNOWN, type Emulator, type RunningEmulator } from '../../../src/emulator/index.js'
import type { Database } from '../../../src/sync/db/database.js'
import { migrate } from '../../../src/sync/db/migrations.js'
import { upsertTenant } from '../../../src/sync/db/sql/tenants.js'
import { startCli } from '../../cli/_cli.js'
import { postgresDatabase, type TestDatabase } from '../_databases.js'
import { collectLogs, emulatorEnv, exited, type LogLine } from './_rig.js'

/**
 * Issue 4 §7 scale-out: three `m365d sync` worker processes on one PostgreSQL share 50 tenants;
 * one is SIGKILLed midway. Every tenant gets synced, no two workers ever run a pass for the same
 * tenant at the same time (from the workers' JSON logs), and the dead worker's tenants are taken
 * over within the lease TTL.
 */
const TENANTS = 50
const LEASE_TTL_S = 3

describe('scale-out: 3 workers, 50 tenants, one SIGKILLed midway', async () => {
  const pgdb: TestDatabase = await postgresDatabase()
  let emulator: Emulator
  let server: RunningEmulator
  let db: Database
  const tenantIds: string[] = []

  before(async () => {
    if (pgdb.skip) return
    emulator = await createEmulator({ defender: { incidentsPerTenant: 12 } })
    emulator.defender.limits.enabled = false
    // Every API call takes a while, so passes overlap the kill.
    emulator.faults.add({ target: 'defender', count: 1_000_000, latencyMs: 60 })
    server = await serve(emulator)
    db = await pgdb.open()
    await migrate(db)
    for (let i = 0; i < TENANTS; i++) {
      const id = `5ca1e000-0000-4000-8000-${String(i).padStart(12, '0')}`
      emulator.directory.addTenant({ id, domains: [`scale${i}.onmicrosoft.com`] })
      emulator.directory.consent(id, WELL_KNOWN.clientId)
      await upsertTenant(db, { tenantId: id })
      tenantIds.push(id)
    }
  })
  after(async () => {
    if (pgdb.skip) return
    await db.close()
    await server.close()
    await pgdb.cleanup()
  })

  test('every tenant synced, never two workers on one tenant, takeover within the lease TTL', { skip: pgdb.skip, timeout: 180_000 }, async () => {
    const env = emulatorEnv(server.url, { M365D_DATABASE_URL: pgdb.url! })
    const workers: { id: string; child: ChildProcessWithoutNullStreams; logs: ReturnType<typeof collectLogs>; killedAt?: number }[] = []
    for (const id of ['w1', 'w2', 'w3']) {
      const child = startCli(['sync', '--worker-id', id, '--interval', '1h', '--lease-ttl', `${LEASE_TTL_S}s`, '--concurrency', '3', '--page-size', '5', '--backfill', '400d', '--no-rate-limits', '--ops-port', '0', '--verbose'], { env })
      workers.push({ id, child, logs: collectLogs(child) })
    }
    try {
      const victim = workers[0]!
      // Midway: the victim finished a few passes and has more leased.
      await victim.logs.wait((l) => l.event === 'pass.finished' && victim.logs.lines.filter((x) => x.event === 'pass.finished').length >= 3, 90_000)
      victim.child.kill('SIGKILL')
      victim.killedAt = Date.now()
      await exited(victim.child)

      const deadline = Date.now() + 120_000
      for (;;) {
        const { rows } = await db.query<{ n: string }>(`SELECT count(*) AS n FROM m365d_sync_state WHERE stream = 'graph:incidents' AND watermark IS NOT NULL AND cursor IS NULL`)
        if (Number(rows[0]!.n) === TENANTS) break
        assert.ok(Date.now() < deadline, `only ${rows[0]!.n} of ${TENANTS} tenants synced in time`)
        await new Promise((r) => setTimeout(r, 500))
      }
    } finally {
      for (const w of workers.slice(1)) w.child.kill('SIGTERM')
      for (const w of workers.slice(1)) assert.equal((await exited(w.child)).code, 0, `${w.id} did not stop cleanly`)
    }

    // 1. Every tenant synced completely.
    for (const t of tenantIds) {
      const { rows } = await db.query<{ n: string }>(`SELECT count(*) AS n FROM m365d_incidents WHERE tenant_id = $1`, [t])
      assert.equal(Number(rows[0]!.n), emulator.defender.visible(t).length, `incidents of ${t}`)
    }

    // 2. No two workers ran a pass for one tenant at the same time.
    const intervals = new Map<string, { worker: string; start: number; end: number }[]>()
    const ends = new Set(['pass.finished', 'pass.failed', 'pass.aborted'])
    for (const w of workers) {
      const open = new Map<string, number>()
      const stop = w.killedAt ?? Date.now()
      for (const l of w.logs.lines) {
        const tenant = l.tenant as string | undefined
        if (!tenant) continue
        if (l.event === 'pass.started') open.set(tenant, Date.parse(l.time))
        else if (ends.has(String(l.event)) && open.has(tenant)) {
          push(intervals, tenant, { worker: w.id, start: open.get(tenant)!, end: Date.parse(l.time) })
          open.delete(tenant)
        }
      }
      for (const [tenant, start] of open) push(intervals, tenant, { worker: w.id, start, end: stop })
    }
    let passes = 0
    for (const [tenant, list] of intervals) {
      passes += list.length
      for (const a of list) for (const b of list) {
        if (a.worker === b.worker) continue
        assert.ok(a.end <= b.start || b.end <= a.start, `${a.worker} and ${b.worker} both ran ${tenant}: ${JSON.stringify([a, b])}`)
      }
    }
    assert.ok(passes >= TENANTS)
    const byWorker = (id: string) => new Set(workers.find((w) => w.id === id)!.logs.lines.filter((l) => l.event === 'pass.finished').map((l) => l.tenant))
    assert.ok(byWorker('w2').size > 0 && byWorker('w3').size > 0, 'the work was shared')

    // 3. The victim's tenants moved to the survivors within the lease TTL (+ one scheduler tick and process slack).
    const victim = workers[0]!
    const held = new Set<string>()
    for (const l of victim.logs.lines) {
      if (l.event === 'lease.acquired') held.add(String(l.tenant))
      if (l.event === 'lease.released' || l.event === 'lease.lost') held.delete(String(l.tenant))
    }
    assert.ok(held.size > 0, 'the victim held leases when killed')
    const survivors = workers.slice(1).flatMap((w) => w.logs.lines.filter((l) => l.event === 'lease.acquired' && Date.parse(l.time) >= victim.killedAt! - 1000))
    for (const t of held) {
      const taken = survivors.filter((l: LogLine) => l.tenant === t).map((l) => Date.parse(l.time))
      assert.ok(taken.length, `tenant ${t} of the dead worker was never taken over`)
      const after = Math.min(...taken) - victim.killedAt!
      assert.ok(after <= LEASE_TTL_S * 1000 + 3000, `tenant ${t} taken over ${after} ms after the kill (TTL ${LEASE_TTL_S}s)`)
    }
  })
})

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const list = m.get(k)
  if (list) list.push(v)
  else m.set(k, [v])
}
