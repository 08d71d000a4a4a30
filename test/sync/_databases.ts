import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { openPglite, openPostgres, type Database } from '../../src/sync/db/database.js'

/**
 * The engines every storage test runs on: embedded PGlite in a temp dir, and a throwaway database
 * on the machine's PostgreSQL (M365D_TEST_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/postgres).
 * Where no PostgreSQL is reachable, the PostgreSQL variant is skipped with a clear reason.
 */
export const ADMIN_URL = process.env.M365D_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'

export interface TestDatabase {
  name: 'pglite' | 'postgres'
  /** Set when this engine is unavailable: pass as the test's `skip`. */
  skip: string | false
  open(): Promise<Database>
  /** A URL other processes can use (PostgreSQL only). */
  url?: string
  cleanup(): Promise<void>
}

export async function postgresAvailable(): Promise<string | false> {
  const client = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 3000 })
  try {
    await client.connect()
    await client.end()
    return false
  } catch (e) {
    return `PostgreSQL not reachable at ${ADMIN_URL} (${(e as Error).message}); set M365D_TEST_DATABASE_URL to run these tests`
  }
}

export async function pgliteDatabase(): Promise<TestDatabase> {
  const dir = await mkdtemp(join(tmpdir(), 'm365d-pglite-'))
  return { name: 'pglite', skip: false, open: () => openPglite(dir), cleanup: () => rm(dir, { recursive: true, force: true }) }
}

/** Creates a fresh database for one test file and drops it afterwards. */
export async function postgresDatabase(): Promise<TestDatabase> {
  const skip = await postgresAvailable()
  if (skip) return { name: 'postgres', skip, open: () => Promise.reject(new Error(skip)), cleanup: async () => undefined }
  const dbName = `m365d_test_${process.pid}_${randomBytes(4).toString('hex')}`
  const admin = new pg.Client({ connectionString: ADMIN_URL })
  await admin.connect()
  await admin.query(`CREATE DATABASE ${dbName}`)
  await admin.end()
  const url = new URL(ADMIN_URL)
  url.pathname = `/${dbName}`
  return {
    name: 'postgres',
    skip: false,
    url: url.toString(),
    open: () => openPostgres(url.toString()),
    async cleanup() {
      const c = new pg.Client({ connectionString: ADMIN_URL })
      await c.connect()
      await c.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`)
      await c.end()
    },
  }
}
