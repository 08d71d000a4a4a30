import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { refreshDirtyRollups, refreshRollups } from '../../src/console/sql/rollups.js'
import { tenantPageRows } from '../../src/console/sql/tenants.js'
import type { Database } from '../../src/sync/db/database.js'
import { migrate } from '../../src/sync/db/migrations.js'
import { commitBatch, type IncidentRecord } from '../../src/sync/db/sql/commit_batch.js'
import { removeTenant, upsertTenant } from '../../src/sync/db/sql/tenants.js'
import { pgliteDatabase, postgresDatabase, type TestDatabase } from '../sync/_databases.js'
import { fromScratch, maintained } from './_counts.js'

const A = 'c0de0000-0000-4000-8000-0000000000a1'
const B = 'c0de0000-0000-4000-8000-0000000000b2'
/** The rollup rows without their refresh time. */
async function rollups(db: Database): Promise<Record<string, unknown>[]> {
  const { rows } = await db.query<Record<string, unknown>>(`SELECT * FROM m365d_rollup_tenant ORDER BY tenant_id`)
  return rows.map(({ refreshed_at: _, ...r }) => r)
}

const incident = (id: number, o: Partial<IncidentRecord> & { at: string }): IncidentRecord => ({
  incidentId: String(id),
  lastUpdateTime: o.at,
  createdTime: o.createdTime ?? '2026-11-01T00:00:00Z',
  status: o.status ?? 'active',
  severity: o.severity ?? 'high',
  assignedTo: o.assignedTo ?? null,
  raw: { id: String(id), status: o.status ?? 'active', severity: o.severity ?? 'high', at: o.at },
})

for (const make of [pgliteDatabase, postgresDatabase]) {
  describe(`incident counts kept in the writing transaction (migration 5) on ${make === pgliteDatabase ? 'PGlite' : 'PostgreSQL'}`, async () => {
    const env: TestDatabase = await make()
    let db: Database
    before(async () => {
      if (env.skip) return
      db = await env.open()
      // Data written before migration 5: the migration counts it.
      await migrate(db, { target: 4 })
      await upsertTenant(db, { tenantId: A, displayName: 'A' })
      await commitBatch(db, { tenantId: A, source: 'graph', incidents: [incident(1, { at: '2026-11-02T00:00:00Z' }), incident(2, { at: '2026-11-02T00:00:00Z', status: 'resolved' })], alerts: [] })
      await migrate(db)
    })
    after(async () => {
      await db?.close()
      await env.cleanup()
    })

    test('equal to a from-scratch count after the migration, inserts, updates, write-backs, alerts and removal', { skip: env.skip }, async () => {
      assert.deepEqual(await maintained(db), await fromScratch(db), 'after migration 5 counted the existing rows')
      await upsertTenant(db, { tenantId: B, displayName: 'B' })
      const batch = Array.from({ length: 40 }, (_, i) =>
        incident(100 + i, { at: '2026-11-03T00:00:00Z', severity: ['high', 'medium', 'low', 'informational', 'unknown'][i % 5]!, status: ['active', 'inProgress', 'resolved', 'awaitingAction'][i % 4]! }),
      )
      await commitBatch(db, { tenantId: B, source: 'graph', incidents: batch, alerts: [{ alertId: 'a1', incidentId: '100', raw: {} }, { alertId: 'a2', incidentId: '101', raw: {} }] })
      assert.deepEqual(await maintained(db), await fromScratch(db), 'after inserts')
      const counts = (await maintained(db)).find((r) => r.tenant_id === B)!
      assert.equal(counts.incidents, 40)
      assert.equal(counts.alerts, 2)

      // Updates: resolve some, raise the severity of others, and one unchanged record (no new version).
      await commitBatch(db, {
        tenantId: B,
        source: 'graph',
        incidents: [
          incident(100, { at: '2026-11-04T00:00:00Z', status: 'resolved' }),
          incident(101, { at: '2026-11-04T00:00:00Z', severity: 'high' }),
          incident(102, { at: '2026-11-04T00:00:00Z', status: 'active', severity: 'low' }),
          batch[3]!,
        ],
        alerts: [{ alertId: 'a1', incidentId: '100', status: 'resolved', raw: { v: 2 } }],
      })
      assert.deepEqual(await maintained(db), await fromScratch(db), 'after updates')

      // A write-back is stored as the API answered it, on the incident's surface (here legacy: a source switch too).
      await commitBatch(db, { tenantId: A, source: 'legacy', incidents: [{ ...incident(1, { at: '2026-11-05T00:00:00Z', status: 'InProgress', severity: 'Medium' }), assignedTo: 'soc@mssp.example' }], alerts: [] })
      assert.deepEqual(await maintained(db), await fromScratch(db), 'after a write-back')
      const a = (await maintained(db)).find((r) => r.tenant_id === A)!
      assert.equal(a.medium, 1)
      assert.equal(a.high, 0)

      // The tenants page reads the maintained counts and the oldest open incident as they are now.
      const page = (await tenantPageRows(db)).find((r) => r.tenant_id === A)!
      assert.equal(Number(page.open_medium), 1)
      assert.equal(new Date(page.oldest_open!).toISOString(), '2026-11-01T00:00:00.000Z')

      // Removal keeps the synced data (and its counts); a purge deletes it, and the counts with it.
      await removeTenant(db, A)
      assert.deepEqual(await maintained(db), await fromScratch(db), 'after removal')
      assert.ok((await tenantPageRows(db)).every((r) => r.tenant_id !== A), 'a removed tenant is not on the page')
      await removeTenant(db, B, { purge: true })
      assert.deepEqual(await maintained(db), await fromScratch(db), 'after a purge')
      assert.equal((await maintained(db)).find((r) => r.tenant_id === B), undefined)
      // TRUNCATE fires no DELETE trigger; its own trigger zeroes the counts.
      await commitBatch(db, { tenantId: A, source: 'graph', incidents: [incident(9, { at: '2026-11-08T00:00:00Z' })], alerts: [] })
      await db.query(`TRUNCATE m365d_incidents`)
      assert.deepEqual(await maintained(db), await fromScratch(db), 'after TRUNCATE')
    })

    test('rollups refreshed from the dirty marks equal a full recompute', { skip: env.skip }, async () => {
      await upsertTenant(db, { tenantId: B, displayName: 'B' })
      await refreshRollups(db, null)
      await refreshDirtyRollups(db)
      await commitBatch(db, {
        tenantId: B,
        source: 'graph',
        incidents: [incident(7, { at: '2026-11-06T00:00:00Z', createdTime: '2026-11-05T00:00:00Z' }), incident(8, { at: '2026-11-06T00:00:00Z', status: 'resolved', assignedTo: 'x@y' })],
        alerts: [],
      })
      await commitBatch(db, { tenantId: B, source: 'graph', incidents: [incident(7, { at: '2026-11-07T00:00:00Z', status: 'resolved', assignedTo: 'x@y' })], alerts: [] })
      const marked = await refreshDirtyRollups(db)
      assert.deepEqual(marked, [B], 'the writes marked exactly the tenant they touched')
      const incremental = await rollups(db)
      const b = incremental.find((r) => r.tenant_id === B)!
      assert.equal(Number(b.resolved), 2)
      // Per day, the same two: #8 first seen already resolved (on the update it was first seen
      // with), #7 on the version whose history says resolved — the chart matches the column.
      const { rows: days } = await db.query<{ day: string; resolved: number }>(
        `SELECT to_char(day, 'YYYY-MM-DD') AS day, resolved FROM m365d_rollup_daily WHERE tenant_id = $1 AND resolved > 0 ORDER BY day`,
        [B],
      )
      assert.deepEqual(days.map((d) => [d.day, Number(d.resolved)]), [['2026-11-06', 1], ['2026-11-07', 1]])
      await refreshRollups(db, null)
      assert.deepEqual(incremental, await rollups(db))
      const { rows: fleet } = await db.query<{ d: string }>(
        `SELECT count(*) AS d FROM (SELECT day, sum(created) AS c, sum(resolved) AS r FROM m365d_rollup_daily GROUP BY day) t
         FULL JOIN m365d_rollup_fleet_daily f USING (day) WHERE (coalesce(t.c, 0), coalesce(t.r, 0)) IS DISTINCT FROM (coalesce(f.created, 0), coalesce(f.resolved, 0))`,
      )
      assert.equal(Number(fleet[0]!.d), 0, 'the fleet per day is the sum of the tenants per day')
      assert.deepEqual(await refreshDirtyRollups(db), [], 'the marks were taken')
    })
  })
}
