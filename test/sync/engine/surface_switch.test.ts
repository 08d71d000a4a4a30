import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { WELL_KNOWN } from '../../../src/emulator/index.js'
import { listSyncStates } from '../../../src/sync/db/sql/sync_state.js'
import { listTenants, setTenantApi, upsertTenant } from '../../../src/sync/db/sql/tenants.js'
import { syncTenant } from '../../../src/sync/engine/sync_tenant.js'
import { daysUntilLegacyRetirement } from '../../../src/defender/index.js'
import { graphEnum } from '../../../src/sync/engine/vocabulary.js'
import { rig, type Rig } from './_setup.js'

const FABRIKAM = WELL_KNOWN.fabrikamTenantId
const TAILSPIN = WELL_KNOWN.tailspinTenantId
const LEGACY_ONLY = [{ resource: 'https://api.security.microsoft.com', roles: ['Incident.Read.All', 'AdvancedHunting.Read.All'] }]
const ALL_ROLES = [
  ...LEGACY_ONLY,
  { resource: 'https://graph.microsoft.com', roles: ['SecurityIncident.Read.All', 'SecurityAlert.Read.All', 'ThreatHunting.Read.All'] },
]

interface ControlIncident {
  incidentId: number
  status: string
  severity: string
  lastUpdateTime: number
  retained: boolean
  alerts: { alertId: string; status: string }[]
}

/** The emulator's own view of a tenant, over its control API (what "latest state" means). */
async function controlView(r: Rig, tenant: string): Promise<ControlIncident[]> {
  const res = await fetch(`${r.server.url}/_emulator/defender/tenants/${tenant}/incidents`)
  assert.equal(res.status, 200)
  return ((await res.json()) as { value: ControlIncident[] }).value.filter((i) => i.retained)
}

async function grant(r: Rig, tenant: string, consent: unknown): Promise<void> {
  const res = await fetch(`${r.server.url}/_emulator/tenants/${tenant}/grants/${WELL_KNOWN.clientId}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ consent }),
  })
  assert.ok(res.ok, await res.text())
}

describe('a tenant switched from legacy to Graph mid-stream loses nothing and duplicates nothing', () => {
  let r: Rig
  const base = () => ({
    db: r.db,
    tokenProvider: r.tokens,
    defenderApi: r.server.url,
    graphApi: r.server.url,
    authorityHost: r.server.url,
    limits: false as const,
    retry: { maxRetries: 2, baseDelayMs: 1, maxDelayMs: 5 },
    backfillDays: 200,
    pageSize: 10,
    alerts: true,
  })
  before(async () => {
    r = await rig({ incidentsPerTenant: 60 })
    for (const id of [FABRIKAM, TAILSPIN]) await upsertTenant(r.db, { tenantId: id })
  })
  after(() => {
    r.emulator.defender.setLive(false)
    return r.close()
  })

  test('legacy passes, then Graph, while live mode changes incidents: every incident exactly once, in its latest state, history intact', async () => {
    await setTenantApi(r.db, FABRIKAM, 'legacy')
    r.emulator.defender.setLive(true, 15)
    for (let i = 0; i < 3; i++) {
      const res = await syncTenant({ ...base(), tenantId: FABRIKAM })
      assert.equal(res.ok, true, JSON.stringify(res.error))
      assert.equal(res.surface, 'legacy')
      assert.equal(res.surfaceReason, 'pinned')
    }
    // Unpinned: the app default (Graph) applies from the next pass, mid-stream (live mode keeps going).
    await setTenantApi(r.db, FABRIKAM, null)
    const switched = await syncTenant({ ...base(), tenantId: FABRIKAM })
    assert.equal(switched.ok, true, JSON.stringify(switched.error))
    assert.equal(switched.surface, 'graph')
    assert.equal(switched.switchedFrom, 'legacy')
    // It continued from the legacy watermark: the window re-read is the overlap, not a 200-day backfill.
    assert.equal(switched.incidents!.resumed, false)
    const visible = (await controlView(r, FABRIKAM)).length
    assert.ok(switched.incidents!.records < visible, `the first Graph pass re-read ${switched.incidents!.records} of ${visible} incidents`)
    for (let i = 0; i < 3; i++) assert.equal((await syncTenant({ ...base(), tenantId: FABRIKAM })).ok, true)
    r.emulator.defender.setLive(false)
    const final = await syncTenant({ ...base(), tenantId: FABRIKAM })
    assert.equal(final.ok, true)

    const want = await controlView(r, FABRIKAM)
    const { rows } = await r.db.query<{ incident_id: string; status: string; severity: string; last_update_time: Date; source: string; version: number }>(
      `SELECT incident_id, status, severity, last_update_time, source, version FROM m365d_incidents WHERE tenant_id = $1`,
      [FABRIKAM],
    )
    const got = new Map(rows.map((x) => [x.incident_id, x]))
    assert.equal(got.size, rows.length)
    assert.deepEqual([...got.keys()].sort(), want.map((i) => String(i.incidentId)).sort(), 'the same incidents, each exactly once')
    for (const inc of want) {
      const row = got.get(String(inc.incidentId))!
      assert.equal(row.last_update_time.getTime(), inc.lastUpdateTime, `lastUpdateTime of ${inc.incidentId}`)
      assert.equal(row.status, graphEnum('status', inc.status), `status of ${inc.incidentId}`)
      assert.equal(row.severity, graphEnum('severity', inc.severity), `severity of ${inc.incidentId}`)
    }
    assert.ok(rows.some((x) => x.source === 'legacy') || rows.some((x) => x.source === 'graph'))
    assert.ok(rows.some((x) => x.source === 'graph'), 'incidents changed after the switch were stored from Graph')

    // Alerts: one row per alert id across surfaces, in the latest status.
    const alerts = await r.db.query<{ alert_id: string; status: string }>(`SELECT alert_id, status FROM m365d_alerts WHERE tenant_id = $1`, [FABRIKAM])
    const storedAlerts = new Map(alerts.rows.map((a) => [a.alert_id, a.status]))
    const wantAlerts = want.flatMap((i) => i.alerts)
    assert.equal(storedAlerts.size, alerts.rows.length)
    for (const a of wantAlerts) assert.equal(storedAlerts.get(a.alertId), graphEnum('status', a.status), `alert ${a.alertId}`)

    // History: versions 1..n per incident, contiguous across the switch, from both surfaces.
    const history = await r.db.query<{ incident_id: string; versions: number[]; sources: string[] }>(
      `SELECT incident_id, array_agg(version ORDER BY version) AS versions, array_agg(DISTINCT source) AS sources
       FROM m365d_incident_history WHERE tenant_id = $1 GROUP BY incident_id`,
      [FABRIKAM],
    )
    const byId = new Map(history.rows.map((h) => [h.incident_id, h]))
    for (const row of rows) {
      const h = byId.get(row.incident_id)
      assert.ok(h, `history of ${row.incident_id}`)
      assert.deepEqual(h.versions, Array.from({ length: row.version }, (_, i) => i + 1), `versions of ${row.incident_id}`)
    }
    assert.ok(history.rows.some((h) => h.sources.length === 2), 'some incident has versions from both surfaces')

    // One incident stream left, on Graph; the tenant records the switch.
    const streams = (await listSyncStates(r.db)).filter((s) => s.tenant_id === FABRIKAM).map((s) => s.stream)
    assert.deepEqual(streams.sort(), ['graph:alerts', 'graph:incidents'])
    const tenant = (await listTenants(r.db)).find((t) => t.tenant_id === FABRIKAM)!
    assert.equal(tenant.surface, 'graph')
    assert.ok(tenant.surface_changed_at)
  })

  test('switching with nothing changed writes no new version (the other surface’s copy is the same version)', async () => {
    const before = await r.db.query<{ n: string }>(`SELECT count(*) AS n FROM m365d_incident_history WHERE tenant_id = $1`, [FABRIKAM])
    await setTenantApi(r.db, FABRIKAM, 'legacy')
    const back = await syncTenant({ ...base(), tenantId: FABRIKAM })
    assert.equal(back.surface, 'legacy')
    assert.equal(back.switchedFrom, 'graph')
    assert.equal(back.incidents!.inserted + back.incidents!.updated, 0)
    await setTenantApi(r.db, FABRIKAM, null)
    const again = await syncTenant({ ...base(), tenantId: FABRIKAM })
    assert.equal(again.surface, 'graph')
    assert.equal(again.incidents!.inserted + again.incidents!.updated, 0)
    const after = await r.db.query<{ n: string }>(`SELECT count(*) AS n FROM m365d_incident_history WHERE tenant_id = $1`, [FABRIKAM])
    assert.equal(after.rows[0]!.n, before.rows[0]!.n)
  })

  test('a tenant with only the legacy roles stays on legacy as needs_graph_consent, and moves to Graph on the pass after its Graph consent', async () => {
    await grant(r, TAILSPIN, LEGACY_ONLY)
    const held = await syncTenant({ ...base(), tenantId: TAILSPIN })
    assert.equal(held.ok, true, JSON.stringify(held.error))
    assert.equal(held.surface, 'legacy')
    assert.equal(held.surfaceReason, 'needs_graph_consent')
    assert.equal(held.alerts, undefined, 'alerts_v2 waits for the Graph consent')
    let t = (await listTenants(r.db)).find((x) => x.tenant_id === TAILSPIN)!
    assert.equal(t.health, 'needs_graph_consent')
    const detail = t.health_detail as { consentLink: string; daysLeft: number; missingRoles: string[]; message: string }
    assert.equal(detail.daysLeft, daysUntilLegacyRetirement(Date.now()))
    assert.match(detail.message, /1 Feb 2027/)
    assert.deepEqual(detail.missingRoles, ['SecurityIncident.Read.All', 'SecurityAlert.Read.All', 'ThreatHunting.Read.All'])
    const link = new URL(detail.consentLink)
    assert.equal(link.origin, r.server.url)
    assert.equal(link.pathname, `/${TAILSPIN}/v2.0/adminconsent`)
    assert.equal(link.searchParams.get('client_id'), WELL_KNOWN.clientId)
    assert.equal(link.searchParams.get('scope'), 'https://graph.microsoft.com/.default')

    // Still not consented: the next pass stays on legacy.
    assert.equal((await syncTenant({ ...base(), tenantId: TAILSPIN })).surface, 'legacy')
    // The admin grants the Graph permissions; the cached Graph token still has the old roles, yet the next pass uses Graph.
    await grant(r, TAILSPIN, ALL_ROLES)
    const moved = await syncTenant({ ...base(), tenantId: TAILSPIN })
    assert.equal(moved.ok, true, JSON.stringify(moved.error))
    assert.equal(moved.surface, 'graph')
    assert.equal(moved.switchedFrom, 'legacy')
    assert.ok(moved.alerts, 'alerts_v2 syncs once Graph is consented')
    t = (await listTenants(r.db)).find((x) => x.tenant_id === TAILSPIN)!
    assert.equal(t.health, 'ok')
    const n = await r.db.query<{ n: string }>(`SELECT count(*) AS n FROM m365d_incidents WHERE tenant_id = $1`, [TAILSPIN])
    assert.equal(Number(n.rows[0]!.n), (await controlView(r, TAILSPIN)).length)
  })
})
