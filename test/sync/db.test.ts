import assert from 'node:assert/strict'
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { openPglite, openPostgres, type Database } from '../../src/sync/db/database.js'
import { LATEST_SCHEMA_VERSION, migrate, schemaVersion } from '../../src/sync/db/migrations.js'
import { commitBatch, type IncidentRecord } from '../../src/sync/db/sql/commit_batch.js'
import { acquireLeases, releaseLeases, renewLeases } from '../../src/sync/db/sql/leases.js'
import { listTenants, removeTenant, upsertTenant } from '../../src/sync/db/sql/tenants.js'
import { pgliteDatabase, postgresDatabase, type TestDatabase } from './_databases.js'

const T1 = 'c0de0000-0000-4000-8000-000000000002'
const T2 = 'fab00000-0000-4000-8000-000000000003'

function incident(id: string, lastUpdateTime: string, extra: Partial<IncidentRecord> = {}): IncidentRecord {
  return { incidentId: id, lastUpdateTime, status: 'Active', severity: 'High', raw: { incidentId: Number(id), lastUpdateTime, ...extra }, ...extra }
}

for (const make of [pgliteDatabase, postgresDatabase]) {
  describe(`storage on ${make === pgliteDatabase ? 'PGlite' : 'PostgreSQL'}`, async () => {
    const env: TestDatabase = await make()
    let db: Database
    before(async () => {
      if (env.skip) return
      db = await env.open()
      await migrate(db)
    })
    after(async () => {
      await db?.close()
      await env.cleanup()
    })

    test('migrations apply once and are idempotent', { skip: env.skip }, async () => {
      assert.equal(await schemaVersion(db), LATEST_SCHEMA_VERSION)
      const again = await migrate(db)
      assert.deepEqual(again.applied, [])
    })

    test('a page and its watermark commit together; re-delivery changes nothing', { skip: env.skip }, async () => {
      await upsertTenant(db, { tenantId: T1, displayName: 'Contoso' })
      const page = [incident('1', '2026-01-01T10:00:00Z'), incident('2', '2026-01-01T10:00:00Z'), incident('3', '2026-01-01T11:00:00Z')]
      const first = await commitBatch(db, {
        tenantId: T1,
        source: 'legacy',
        incidents: page,
        alerts: [{ alertId: 'da1', incidentId: '1', raw: { alertId: 'da1' } }],
        state: { stream: 'incidents', watermark: '2026-01-01T11:00:00Z', watermarkKeys: ['3'], apiCalls: 1 },
      })
      assert.deepEqual(first, { incidentsInserted: 3, incidentsUpdated: 0, incidentsUnchanged: 0, alertsWritten: 1 })
      const again = await commitBatch(db, { tenantId: T1, source: 'legacy', incidents: page, alerts: [{ alertId: 'da1', incidentId: '1', raw: { alertId: 'da1' } }] })
      assert.deepEqual(again, { incidentsInserted: 0, incidentsUpdated: 0, incidentsUnchanged: 3, alertsWritten: 0 })
      const state = await db.query<{ watermark: Date; watermark_keys: string[]; records_synced: string; api_calls: string }>(
        `SELECT watermark, watermark_keys, records_synced, api_calls FROM m365d_sync_state WHERE tenant_id = $1 AND stream = 'incidents'`,
        [T1],
      )
      assert.equal(state.rows[0]!.watermark.toISOString(), '2026-01-01T11:00:00.000Z')
      assert.deepEqual(state.rows[0]!.watermark_keys, ['3'])
      assert.equal(Number(state.rows[0]!.records_synced), 4)
      const count = await db.query<{ n: string }>(`SELECT count(*) AS n FROM m365d_incidents WHERE tenant_id = $1`, [T1])
      assert.equal(Number(count.rows[0]!.n), 3)
    })

    test('newer versions update in place and record what changed; older ones are ignored', { skip: env.skip }, async () => {
      const newer = incident('1', '2026-01-02T09:00:00Z', { status: 'Resolved', classification: 'TruePositive' })
      const older = incident('2', '2025-12-31T00:00:00Z', { status: 'Resolved' })
      const res = await commitBatch(db, { tenantId: T1, source: 'legacy', incidents: [newer, older], alerts: [] })
      assert.equal(res.incidentsUpdated, 1)
      assert.equal(res.incidentsUnchanged, 1)
      const row = await db.query<{ status: string; version: number }>(`SELECT status, version FROM m365d_incidents WHERE tenant_id = $1 AND incident_id = '1'`, [T1])
      assert.deepEqual(row.rows[0], { status: 'Resolved', version: 2 })
      const hist = await db.query<{ version: number; changes: Record<string, unknown> }>(
        `SELECT version, changes FROM m365d_incident_history WHERE tenant_id = $1 AND incident_id = '1' ORDER BY version`,
        [T1],
      )
      assert.deepEqual(hist.rows.map((h) => h.version), [1, 2])
      assert.deepEqual(hist.rows[1]!.changes.status, ['Active', 'Resolved'])
      assert.deepEqual(hist.rows[1]!.changes.classification, [null, 'TruePositive'])
      const kept = await db.query<{ status: string }>(`SELECT status FROM m365d_incidents WHERE tenant_id = $1 AND incident_id = '2'`, [T1])
      assert.equal(kept.rows[0]!.status, 'Active')
    })

    test('the same record twice in one page keeps the newest', { skip: env.skip }, async () => {
      const res = await commitBatch(db, {
        tenantId: T1,
        source: 'graph',
        incidents: [incident('9', '2026-02-01T00:00:00Z', { status: 'Active' }), incident('9', '2026-02-02T00:00:00Z', { status: 'InProgress' })],
        alerts: [],
      })
      assert.equal(res.incidentsInserted, 1)
      const row = await db.query<{ status: string }>(`SELECT status FROM m365d_incidents WHERE tenant_id = $1 AND source = 'graph' AND incident_id = '9'`, [T1])
      assert.equal(row.rows[0]!.status, 'InProgress')
    })

    test('a failing page leaves data and watermark untouched', { skip: env.skip }, async () => {
      const before = await db.query<{ n: string }>(`SELECT count(*) AS n FROM m365d_incidents`)
      await assert.rejects(
        commitBatch(db, {
          tenantId: T1,
          source: 'legacy',
          incidents: [incident('100', '2026-03-01T00:00:00Z'), incident('101', 'not a date')],
          alerts: [],
          state: { stream: 'incidents', watermark: '2026-03-01T00:00:00Z', watermarkKeys: [] },
        }),
      )
      const afterCount = await db.query<{ n: string }>(`SELECT count(*) AS n FROM m365d_incidents`)
      assert.equal(afterCount.rows[0]!.n, before.rows[0]!.n)
      const state = await db.query<{ watermark: Date }>(`SELECT watermark FROM m365d_sync_state WHERE tenant_id = $1 AND stream = 'incidents'`, [T1])
      assert.equal(state.rows[0]!.watermark.toISOString(), '2026-01-01T11:00:00.000Z')
    })

    test('leases: disjoint claims, renewal, release and takeover after expiry', { skip: env.skip }, async () => {
      await upsertTenant(db, { tenantId: T2 })
      const a = await acquireLeases(db, { workerId: 'worker-a', max: 1, ttlSeconds: 60 })
      const b = await acquireLeases(db, { workerId: 'worker-b', max: 5, ttlSeconds: 60 })
      assert.equal(a.length, 1)
      assert.equal(b.length, 1)
      assert.notEqual(a[0], b[0])
      assert.deepEqual(await renewLeases(db, { workerId: 'worker-a', ttlSeconds: 60 }), a)
      assert.deepEqual(await acquireLeases(db, { workerId: 'worker-c', max: 5, ttlSeconds: 60 }), [])
      // worker-b "dies": its lease expires and worker-c takes the tenant over.
      await db.query(`UPDATE m365d_leases SET expires_at = now() - interval '1 second' WHERE worker_id = 'worker-b'`)
      assert.deepEqual(await acquireLeases(db, { workerId: 'worker-c', max: 5, ttlSeconds: 60 }), b)
      assert.deepEqual(await renewLeases(db, { workerId: 'worker-b', ttlSeconds: 60 }), [])
      assert.equal(await releaseLeases(db, { workerId: 'worker-a' }), 1)
      // A released row (NULL worker) must not push a lease worker-c still holds out of a small claim.
      assert.deepEqual(await acquireLeases(db, { workerId: 'worker-c', max: 1, ttlSeconds: 60 }), b)
      assert.deepEqual(await acquireLeases(db, { workerId: 'worker-c', max: 5, ttlSeconds: 60 }), [T1, T2].sort())
    })

    test('tenants: list, disable by removal, purge', { skip: env.skip }, async () => {
      const ids = (await listTenants(db)).map((t) => t.tenant_id)
      assert.deepEqual(ids.sort(), [T1, T2].sort())
      assert.equal(await removeTenant(db, T2), true)
      assert.equal(await removeTenant(db, T2), false)
      await removeTenant(db, T1, { purge: true })
      const left = await db.query<{ n: string }>(`SELECT count(*) AS n FROM m365d_incidents WHERE tenant_id = $1`, [T1])
      assert.equal(Number(left.rows[0]!.n), 0)
    })

    test('a schema newer than the code fails fast', { skip: env.skip }, async () => {
      await db.query(`INSERT INTO m365d_migrations (id, name) VALUES (999, 'from the future')`)
      await assert.rejects(migrate(db), { code: 'ERR_DB_SCHEMA_TOO_NEW' })
      await db.query(`DELETE FROM m365d_migrations WHERE id = 999`)
    })
  })
}

describe('storage: bad input', () => {
  test('a data directory that cannot be created is a clear error', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'm365d-bad-'))
    await writeFile(join(dir, 'file'), 'x')
    await assert.rejects(openPglite(join(dir, 'file', 'data')), { code: 'ERR_DB_DATA_DIR' })
  })

  test('an unreachable database URL is a clear error without the password', async () => {
    await assert.rejects(openPostgres('postgres://user:s3cret-pw@127.0.0.1:1/none'), (e: Error & { code: string }) => {
      assert.equal(e.code, 'ERR_DB_UNREACHABLE')
      assert.ok(!e.message.includes('s3cret-pw'))
      return true
    })
  })
})
