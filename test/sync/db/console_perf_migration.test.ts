import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, test } from 'node:test'
import { PGlite } from '@electric-sql/pglite'
import { queuePage } from '../../../src/console/sql/queue.js'
import type { Database } from '../../../src/sync/db/database.js'
import { migrate } from '../../../src/sync/db/migrations.js'
import { commitBatch } from '../../../src/sync/db/sql/commit_batch.js'
import { pgliteDatabase, postgresDatabase } from '../_databases.js'

const T = 'c0de0000-0000-4000-8000-000000000005'
const TITLES = ['Ransomware activity on host1', 'Impossible travel', 'Phishing email delivered', 'RANSOMWARE note found']

async function searchTitles(db: Database, text: string): Promise<string[]> {
  const { rows } = await queuePage(db, { filters: { text, open: false }, tenantScope: undefined, sort: 'updated', cursor: null, limit: 50 })
  return rows.map((r) => r.title!).sort()
}

async function seed(db: Database): Promise<void> {
  await commitBatch(db, {
    tenantId: T,
    source: 'graph',
    incidents: TITLES.map((t, i) => ({ incidentId: String(i + 1), lastUpdateTime: `2026-11-0${i + 1}T00:00:00Z`, status: 'active', assignedTo: i === 2 ? 'ransom.desk@mssp.example' : null, raw: { id: String(i + 1), displayName: t } })),
    alerts: [],
  })
}

async function trigramIndexes(db: Database): Promise<string[]> {
  const { rows } = await db.query<{ indexname: string }>(`SELECT indexname FROM pg_indexes WHERE tablename = 'm365d_incidents' AND indexname LIKE '%trgm' ORDER BY 1`)
  return rows.map((r) => r.indexname)
}

describe('migration 5: text search with pg_trgm where the engine has it, the same answers without', () => {
  for (const make of [pgliteDatabase, postgresDatabase]) {
    test(`with pg_trgm on ${make === pgliteDatabase ? 'PGlite (contrib bundled)' : 'PostgreSQL'}`, async (t) => {
      const env = await make()
      if (env.skip) return t.skip(env.skip)
      const db = await env.open()
      try {
        await migrate(db)
        assert.deepEqual(await trigramIndexes(db), ['m365d_incidents_assigned_trgm', 'm365d_incidents_title_trgm'])
        await seed(db)
        assert.deepEqual(await searchTitles(db, 'ransom'), ['Phishing email delivered', 'RANSOMWARE note found', 'Ransomware activity on host1'])
        assert.deepEqual(await searchTitles(db, '2'), ['Impossible travel'], 'a bare incident id matches that incident')
      } finally {
        await db.close()
        await env.cleanup()
      }
    })
  }

  const dir = mkdtemp(join(tmpdir(), 'm365d-notrgm-'))
  after(async () => rm(await dir, { recursive: true, force: true }))
  test('without the extension (PGlite opened without contrib): migrated, no trigram index, same results', async () => {
    const pg = await PGlite.create(await dir)
    const db: Database = {
      kind: 'pglite',
      query: (sql, params) => pg.query(sql, params) as never,
      exec: async (sql) => void (await pg.exec(sql)),
      transaction: (fn) => pg.transaction((tx) => fn({ query: (sql, params) => tx.query(sql, params) as never, exec: async (sql) => void (await tx.exec(sql)) })),
      close: () => pg.close(),
    }
    try {
      const r = await migrate(db)
      assert.ok(r.applied.includes(5))
      assert.deepEqual(await trigramIndexes(db), [])
      await seed(db)
      assert.deepEqual(await searchTitles(db, 'ransom'), ['Phishing email delivered', 'RANSOMWARE note found', 'Ransomware activity on host1'])
    } finally {
      await db.close()
    }
  })
})
