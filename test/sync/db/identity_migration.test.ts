import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { Database } from '../../../src/sync/db/database.js'
import { migrate, migrations } from '../../../src/sync/db/migrations.js'
import { commitBatch } from '../../../src/sync/db/sql/commit_batch.js'
import { handOverStream, readSyncState } from '../../../src/sync/db/sql/sync_state.js'
import { pgliteDatabase, postgresDatabase, type TestDatabase } from '../_databases.js'

const T = 'c0de0000-0000-4000-8000-000000000002'

for (const make of [pgliteDatabase, postgresDatabase]) {
  describe(`migration 4 (one identity across surfaces) on ${make === pgliteDatabase ? 'PGlite' : 'PostgreSQL'}`, async () => {
    const env: TestDatabase = await make()
    let db: Database
    before(async () => {
      if (env.skip) return
      db = await env.open()
      await migrate(db, { target: 1 })
      // A store written before migration 4: the tenant was synced on both surfaces, so incident 7
      // and alert da1 exist twice, with each surface's spelling of the key columns.
      await db.query(`INSERT INTO m365d_tenants (tenant_id) VALUES ($1)`, [T])
      await db.query(
        `INSERT INTO m365d_incidents (tenant_id, source, incident_id, status, severity, classification, determination, last_update_time, raw, version) VALUES
         ($1, 'legacy', '7', 'Resolved', 'UnSpecified', 'FalsePositive', 'Clean', '2026-11-02T00:00:00Z', '{"incidentId":7}', 5),
         ($1, 'graph', '7', 'active', 'high', 'unknown', 'unknown', '2026-11-01T00:00:00Z', '{"id":"7"}', 2),
         ($1, 'legacy', '8', 'InProgress', 'High', NULL, 'NotAvailable', '2026-11-01T00:00:00Z', '{"incidentId":8}', 1)`,
        [T],
      )
      await db.query(
        `INSERT INTO m365d_alerts (tenant_id, source, alert_id, incident_id, status, severity, last_update_time, raw) VALUES
         ($1, 'legacy', 'da1', '7', 'New', 'Low', '2026-11-01T00:00:00Z', '{"alertId":"da1"}'),
         ($1, 'graph', 'da1', '7', 'resolved', 'low', '2026-11-03T00:00:00Z', '{"id":"da1"}')`,
        [T],
      )
    })
    after(async () => {
      await db?.close()
      await env.cleanup()
    })

    test('applies by id set: a database that got 4 first still gets the others', { skip: env.skip }, async () => {
      const result = await migrate(db)
      assert.deepEqual(result.applied, migrations.filter((m) => m.id > 1).map((m) => m.id))
      assert.deepEqual((await migrate(db)).applied, [])
    })

    test('duplicates merge into the newer row, the version keeps counting, key columns speak Graph', { skip: env.skip }, async () => {
      const { rows } = await db.query<Record<string, unknown>>(
        `SELECT incident_id, source, status, severity, classification, determination, version FROM m365d_incidents WHERE tenant_id = $1 ORDER BY incident_id`,
        [T],
      )
      assert.deepEqual(rows, [
        { incident_id: '7', source: 'legacy', status: 'resolved', severity: 'unknown', classification: 'falsePositive', determination: 'notMalicious', version: 5 },
        { incident_id: '8', source: 'legacy', status: 'inProgress', severity: 'high', classification: 'unknown', determination: 'unknown', version: 1 },
      ])
      const alerts = await db.query<Record<string, unknown>>(`SELECT alert_id, source, status, severity FROM m365d_alerts WHERE tenant_id = $1`, [T])
      assert.deepEqual(alerts.rows, [{ alert_id: 'da1', source: 'graph', status: 'resolved', severity: 'low' }])
    })

    test('after it, a Graph copy of a stored legacy version is no change; a newer one is version n+1 with its source', { skip: env.skip }, async () => {
      const same = await commitBatch(db, {
        tenantId: T,
        source: 'graph',
        incidents: [{ incidentId: '7', lastUpdateTime: '2026-11-02T00:00:00Z', status: 'resolved', severity: 'unknown', classification: 'falsePositive', determination: 'notMalicious', raw: { id: '7', shape: 'graph' } }],
        alerts: [],
      })
      assert.deepEqual([same.incidentsInserted, same.incidentsUpdated, same.incidentsUnchanged], [0, 0, 1])
      const newer = await commitBatch(db, {
        tenantId: T,
        source: 'graph',
        incidents: [{ incidentId: '7', lastUpdateTime: '2026-11-04T00:00:00Z', status: 'active', severity: 'unknown', classification: 'falsePositive', determination: 'notMalicious', raw: { id: '7' } }],
        alerts: [],
      })
      assert.equal(newer.incidentsUpdated, 1)
      const row = await db.query<{ source: string; version: number; n: string }>(
        `SELECT source, version, (SELECT count(*) FROM m365d_incidents WHERE tenant_id = $1) AS n FROM m365d_incidents WHERE tenant_id = $1 AND incident_id = '7'`,
        [T],
      )
      assert.deepEqual({ ...row.rows[0], n: Number(row.rows[0]!.n) }, { source: 'graph', version: 6, n: 2 })
      const history = await db.query<{ source: string; version: number; changes: Record<string, unknown> }>(
        `SELECT source, version, changes FROM m365d_incident_history WHERE tenant_id = $1 AND incident_id = '7'`,
        [T],
      )
      assert.deepEqual(history.rows.map((h) => [h.source, h.version, h.changes.status]), [['graph', 6, ['resolved', 'active']]])
    })

    test('handOverStream moves the watermark and cursor to the new surface and keeps the later one', { skip: env.skip }, async () => {
      await db.query(
        `INSERT INTO m365d_sync_state (tenant_id, stream, watermark, cursor, api_calls, last_attempt_at) VALUES
         ($1, 'legacy:incidents', '2026-11-20T00:00:00Z', '{"runStart":"2026-11-21T00:00:00Z","from":"2026-11-19T23:50:00Z","createdLe":null}', 40, '2026-11-21T00:00:00Z'),
         ($1, 'graph:incidents', '2026-10-01T00:00:00Z', NULL, 2, '2026-11-22T00:00:00Z')`,
        [T],
      )
      assert.equal(await handOverStream(db, T, 'legacy:incidents', 'graph:incidents'), true)
      assert.equal(await readSyncState(db, T, 'legacy:incidents'), undefined)
      const moved = await readSyncState(db, T, 'graph:incidents')
      assert.equal(moved?.watermark?.toISOString(), '2026-11-20T00:00:00.000Z')
      assert.deepEqual(moved?.cursor, { runStart: '2026-11-21T00:00:00Z', from: '2026-11-19T23:50:00Z', createdLe: null })
      assert.equal(Number(moved?.api_calls), 42)
      assert.equal(await handOverStream(db, T, 'legacy:incidents', 'graph:incidents'), false, 'nothing left to move')
    })
  })
}
