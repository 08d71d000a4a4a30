import { strict as assert } from 'node:assert'
import { after, before, describe, test } from 'node:test'
import { createEmulator, serve, WELL_KNOWN, type Emulator, type RunningEmulator } from '../../../src/emulator/index.js'
import type { Database } from '../../../src/sync/db/database.js'
import { migrate } from '../../../src/sync/db/migrations.js'
import { upsertTenant } from '../../../src/sync/db/sql/tenants.js'
import { runCli, startCli } from '../../cli/_cli.js'
import { postgresDatabase, type TestDatabase } from '../_databases.js'
import { collectLogs, emulatorEnv, exited } from './_rig.js'
import { graphEnum } from '../../../src/sync/engine/vocabulary.js'

/**
 * Issue 4 §7 crash safety: `m365d sync` processes are SIGKILLed at random moments (≥ 20 times,
 * each restarted) while the emulator's live mode keeps changing incidents; after live mode stops
 * and a final `m365d sync --once`, every incident and alert the emulator shows is in PostgreSQL
 * exactly once and in its latest state.
 */
const KILLS = Number(process.env.M365D_TEST_KILLS ?? 20)
const TENANTS = [WELL_KNOWN.contosoTenantId, WELL_KNOWN.fabrikamTenantId, WELL_KNOWN.homeTenantId]
const LEASE_TTL_S = 1

describe('crash safety: SIGKILL m365d sync at random moments', async () => {
  const pgdb: TestDatabase = await postgresDatabase()
  let emulator: Emulator
  let server: RunningEmulator
  let db: Database

  before(async () => {
    if (pgdb.skip) return
    emulator = await createEmulator({ defender: { incidentsPerTenant: 40 } })
    emulator.defender.limits.enabled = false
    server = await serve(emulator)
    db = await pgdb.open()
    await migrate(db)
    for (const t of TENANTS) await upsertTenant(db, { tenantId: t })
  })
  after(async () => {
    if (pgdb.skip) return
    emulator.defender.setLive(false)
    await db.close()
    await server.close()
    await pgdb.cleanup()
  })

  test(`${KILLS} kills during live changes, then one final --once: every record exactly once, latest state`, { skip: pgdb.skip, timeout: 240_000 }, async () => {
    const env = emulatorEnv(server.url, { M365D_DATABASE_URL: pgdb.url! })
    const args = ['sync', '--interval', '300ms', '--page-size', '7', '--lease-ttl', `${LEASE_TTL_S}s`, '--backfill', '400d', '--no-rate-limits', '--ops-port', '0', '--alerts', '--verbose']
    emulator.defender.setLive(true, 40)
    let killedMidPass = 0
    for (let i = 0; i < KILLS; i++) {
      const child = startCli(args, { env })
      const logs = collectLogs(child)
      await logs.wait((l) => l.event === 'worker.started', 60_000)
      // A random moment: mostly while passes run (pages of 7 commit one by one), sometimes before any.
      await new Promise((r) => setTimeout(r, Math.random() * 1500))
      const inPass = new Set<string>()
      for (const l of logs.lines) {
        if (l.event === 'pass.started') inPass.add(String(l.tenant))
        if (l.event === 'pass.finished' || l.event === 'pass.failed' || l.event === 'pass.aborted') inPass.delete(String(l.tenant))
      }
      if (inPass.size) killedMidPass++
      child.kill('SIGKILL')
      assert.equal((await exited(child)).signal, 'SIGKILL')
    }
    emulator.defender.setLive(false)
    // The last worker's leases expire after the TTL; then one final pass takes every tenant.
    await new Promise((r) => setTimeout(r, LEASE_TTL_S * 1000 + 500))
    const final = await runCli(['sync', '--once', '--json', '--no-rate-limits', '--alerts', '--page-size', '50', '--backfill', '400d'], { env })
    assert.equal(final.code, 0, final.stderr.slice(-2000))
    assert.ok(killedMidPass >= 5, `only ${killedMidPass} of ${KILLS} kills hit a running pass`)

    for (const tenant of TENANTS) {
      const want = emulator.defender.visible(tenant)
      const { rows } = await db.query<{ incident_id: string; status: string; last_update_time: Date; n: string }>(
        `SELECT incident_id, status, last_update_time, count(*) OVER (PARTITION BY incident_id) AS n FROM m365d_incidents WHERE tenant_id = $1`,
        [tenant],
      )
      const got = new Map(rows.map((r) => [r.incident_id, r]))
      assert.equal(rows.length, got.size, 'an incident stored twice')
      assert.deepEqual([...got.keys()].sort(), want.map((i) => String(i.incidentId)).sort(), `incident ids of ${tenant}`)
      for (const inc of want) {
        const r = got.get(String(inc.incidentId))!
        assert.equal(r.status, graphEnum('status', inc.status), `status of incident ${inc.incidentId}`)
        assert.equal(new Date(r.last_update_time).getTime(), inc.lastUpdateTime, `lastUpdateTime of incident ${inc.incidentId}`)
      }
      const alerts = emulator.defender.alerts(tenant)
      const { rows: stored } = await db.query<{ alert_id: string; status: string; incident_id: string }>(
        `SELECT alert_id, status, incident_id FROM m365d_alerts WHERE tenant_id = $1`,
        [tenant],
      )
      const byId = new Map(stored.map((a) => [a.alert_id, a]))
      assert.equal(stored.length, byId.size)
      for (const { alert, incident } of alerts) {
        const a = byId.get(alert.alertId)
        assert.ok(a, `alert ${alert.alertId} of incident ${incident.incidentId} missing`)
        assert.equal(a.status, graphEnum('status', alert.status), `status of alert ${alert.alertId}`)
      }
    }
  })
})
