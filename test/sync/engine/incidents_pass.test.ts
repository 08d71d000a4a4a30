import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { WELL_KNOWN } from '../../../src/emulator/index.js'
import { syncIncidents } from '../../../src/sync/engine/incidents_pass.js'
import { readSyncState } from '../../../src/sync/db/sql/sync_state.js'
import { rig, type Rig } from './_setup.js'

const CONTOSO = WELL_KNOWN.contosoTenantId
const FABRIKAM = WELL_KNOWN.fabrikamTenantId
const HOME = WELL_KNOWN.homeTenantId
const BACKFILL_DAYS = 200 // past the 180-day retention: the first pass takes everything visible

/** What the emulator would list now: id → lastUpdateTime (epoch ms). */
function expected(r: Rig, tenant: string): Map<string, number> {
  return new Map(r.emulator.defender.visible(tenant).map((i) => [String(i.incidentId), i.lastUpdateTime]))
}

async function stored(r: Rig, tenant: string, source: string): Promise<Map<string, number>> {
  const { rows } = await r.db.query<{ incident_id: string; last_update_time: Date }>(
    `SELECT incident_id, last_update_time FROM m365d_incidents WHERE tenant_id = $1 AND source = $2`,
    [tenant, source],
  )
  return new Map(rows.map((x) => [x.incident_id, x.last_update_time.getTime()]))
}

describe('incident sync passes against the emulator', () => {
  let r: Rig
  before(async () => {
    r = await rig({ incidentsPerTenant: 120 })
  })
  after(() => r.close())

  test('legacy: the first pass stores every visible incident once, with its alerts, through several time windows', async () => {
    const result = await syncIncidents({ db: r.db, client: r.client(CONTOSO, 'legacy'), tenantId: CONTOSO, backfillDays: BACKFILL_DAYS, pageSize: 10, pagesPerWindow: 2 })
    const want = expected(r, CONTOSO)
    assert.deepEqual(await stored(r, CONTOSO, 'legacy'), want)
    assert.equal(result.inserted, want.size)
    // Each new window re-reads the boundary record: more records than incidents proves the filter advanced.
    assert.ok(result.records > want.size, `expected window boundaries, got ${result.records} records`)
    const alerts = await r.db.query<{ n: string }>(`SELECT count(*) AS n FROM m365d_alerts WHERE tenant_id = $1`, [CONTOSO])
    const wantAlerts = r.emulator.defender.visible(CONTOSO).reduce((n, i) => n + i.alerts.length, 0)
    assert.equal(Number(alerts.rows[0]!.n), wantAlerts)
    const state = await readSyncState(r.db, CONTOSO, 'legacy:incidents')
    assert.equal(state?.cursor, null)
    assert.ok(state?.watermark)
  })

  test('legacy: a second pass after live changes captures every update and new incident, duplicating nothing', async () => {
    r.emulator.defender.tick(40)
    const result = await syncIncidents({ db: r.db, client: r.client(CONTOSO, 'legacy'), tenantId: CONTOSO, backfillDays: BACKFILL_DAYS, pageSize: 10 })
    assert.deepEqual(await stored(r, CONTOSO, 'legacy'), expected(r, CONTOSO))
    assert.ok(result.inserted + result.updated > 0)
    const history = await r.db.query<{ n: string }>(`SELECT count(*) AS n FROM m365d_incident_history WHERE tenant_id = $1 AND version > 1`, [CONTOSO])
    assert.ok(Number(history.rows[0]!.n) > 0, 'updates are recorded in the history')
  })

  test('a pass interrupted by failures resumes from its cursor and still loses nothing', async () => {
    // Three pages go through, then every call fails with 503 until retries are exhausted.
    let calls = 0
    const flaky = r.client(FABRIKAM, 'legacy', { retry: { maxRetries: 0 } })
    const pass = syncIncidents({
      db: r.db,
      client: flaky,
      tenantId: FABRIKAM,
      backfillDays: BACKFILL_DAYS,
      pageSize: 10,
      pagesPerWindow: 2,
      onProgress: () => {
        if (++calls === 3) r.emulator.faults.add({ target: 'defender', status: 503, count: 50, pathPattern: '^/api/incidents$' })
      },
    })
    await assert.rejects(pass, { code: 'ERR_HTTP_RETRIES_EXHAUSTED' })
    r.emulator.faults.clear()
    const mid = await readSyncState(r.db, FABRIKAM, 'legacy:incidents')
    assert.ok(mid?.cursor, 'the interrupted pass left a cursor')
    assert.equal(mid?.watermark, null, 'the watermark does not move before the pass completes')
    r.emulator.defender.tick(10)
    const resumed = await syncIncidents({ db: r.db, client: r.client(FABRIKAM, 'legacy'), tenantId: FABRIKAM, backfillDays: BACKFILL_DAYS, pageSize: 10 })
    assert.equal(resumed.resumed, true)
    // Changes made while the interrupted pass was pending are caught by the next pass.
    await syncIncidents({ db: r.db, client: r.client(FABRIKAM, 'legacy'), tenantId: FABRIKAM, backfillDays: BACKFILL_DAYS, pageSize: 10 })
    assert.deepEqual(await stored(r, FABRIKAM, 'legacy'), expected(r, FABRIKAM))
  })

  test('graph: $expand=alerts failing above a page size falls back to per-incident alerts', async () => {
    r.emulator.defender.limits.expandFailAbove = 5
    const result = await syncIncidents({ db: r.db, client: r.client(HOME, 'graph'), tenantId: HOME, backfillDays: BACKFILL_DAYS, pageSize: 20 })
    r.emulator.defender.limits.expandFailAbove = null
    assert.equal(result.alertFallbacks, 1)
    assert.deepEqual(await stored(r, HOME, 'graph'), expected(r, HOME))
    const alerts = await r.db.query<{ n: string }>(`SELECT count(*) AS n FROM m365d_alerts WHERE tenant_id = $1 AND source = 'graph'`, [HOME])
    const wantAlerts = r.emulator.defender.visible(HOME).filter((i) => i.redirectIncidentId === null).reduce((n, i) => n + i.alerts.length, 0)
    assert.equal(Number(alerts.rows[0]!.n), wantAlerts)
  })
})
