// Write-back seen by the sync engine: an incident update + comment and an alert update + comment,
// made through the client against the emulator, are in the store (PGlite) after the next pass,
// with a new version and a history row saying what changed.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { WELL_KNOWN as W } from '../../../src/emulator/index.js'
import type { GraphIncident } from '../../../src/defender/index.js'
import { upsertTenant } from '../../../src/sync/db/sql/tenants.js'
import { syncTenant } from '../../../src/sync/engine/sync_tenant.js'
import { rig, type Rig } from './_setup.js'

describe('write-back reflected by the next sync pass', () => {
  let r: Rig
  const pass = () => syncTenant({ db: r.db, tokenProvider: r.tokens, tenantId: W.fabrikamTenantId, surface: 'graph', alerts: true, defenderApi: r.server.url, graphApi: r.server.url, limits: false, retry: { maxRetries: 0 }, backfillDays: 200 })
  before(async () => {
    r = await rig({ incidentsPerTenant: 20 })
    // No grant needed: the dev app holds the Graph write roles in fabrikam, as an MSSP app would.
    await upsertTenant(r.db, { tenantId: W.fabrikamTenantId })
  })
  after(() => r.close())

  test('incident status/owner/tags/classification + comment, alert status + comment: stored with a new version and history', async () => {
    const first = await pass()
    assert.equal(first.ok, true, JSON.stringify(first.error))
    const client = r.client(W.fabrikamTenantId, 'graph')
    const incident = (await client.listIncidents({ filter: { status: 'Active' }, limit: 1 }).toArray())[0] as GraphIncident
    const full = (await client.getIncident(incident.id, { expandAlerts: true })) as GraphIncident
    const alertId = full.alerts![0]!.id
    const row = async () => (await r.db.query<{ status: string; assigned_to: string; classification: string; version: number; raw: GraphIncident }>('SELECT status, assigned_to, classification, version, raw FROM m365d_incidents WHERE tenant_id = $1 AND incident_id = $2', [W.fabrikamTenantId, incident.id])).rows[0]!
    const before = await row()

    await client.updateIncident(incident.id, { status: 'InProgress', assignedTo: 'soc@fabrikam.com', tags: ['wave-3'], classification: 'TruePositive', determination: 'Phishing' })
    await client.commentIncident(incident.id, 'contained by m365d')
    await client.updateAlert(alertId, { status: 'resolved', classification: 'truePositive', determination: 'phishing' })
    await client.commentAlert(alertId, 'mail purged')

    const second = await pass()
    assert.equal(second.ok, true, JSON.stringify(second.error))
    const after = await row()
    assert.deepEqual([after.status, after.assigned_to, after.classification], ['inProgress', 'soc@fabrikam.com', 'truePositive'])
    assert.deepEqual(after.raw.customTags, ['wave-3'])
    assert.equal(after.raw.comments!.at(-1)!.comment, 'contained by m365d')
    assert.ok(after.version > before.version)

    const history = (await r.db.query<{ version: number; changes: Record<string, unknown> }>('SELECT version, changes FROM m365d_incident_history WHERE tenant_id = $1 AND incident_id = $2 ORDER BY version', [W.fabrikamTenantId, incident.id])).rows
    const last = history.at(-1)!
    assert.equal(last.version, after.version)
    assert.match(JSON.stringify(last.changes), /inProgress/)
    assert.match(JSON.stringify(last.changes), /soc@fabrikam\.com/)

    const alert = (await r.db.query<{ status: string; raw: { comments: { comment: string }[]; determination: string } }>('SELECT status, raw FROM m365d_alerts WHERE tenant_id = $1 AND alert_id = $2', [W.fabrikamTenantId, alertId])).rows[0]!
    assert.equal(alert.status, 'resolved')
    assert.equal(alert.raw.determination, 'phishing')
    assert.deepEqual(alert.raw.comments.map((c) => c.comment), ['mail purged'])
  })
})
