import { mkdir, access, constants } from 'node:fs/promises'
import { M365dError } from '../../lib/errors.js'
import { describeConnectFailure } from './pg_errors.js'

/**
 * The sync daemon's storage: the same SQL on embedded PGlite (default; files under a data
 * directory, nothing to install) and on PostgreSQL (`--database-url` / `M365D_DATABASE_URL`).
 * Only this file knows which engine is behind a `Database`.
 */
export interface Queryable {
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<{ rows: T[] }>
  /** Runs a script of several statements without parameters (migrations). */
  exec(sql: string): Promise<void>
}

export interface Database extends Queryable {
  readonly kind: 'pglite' | 'postgres'
  /** Runs `fn` in one transaction (BEGIN … COMMIT, ROLLBACK on throw) on one connection. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>
  close(): Promise<void>
}

export class DatabaseError extends M365dError {
  constructor(code: string, message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(code, message, options)
  }
}

/** Opens an embedded PGlite database stored in `dataDir` (created if missing). */
export async function openPglite(dataDir: string): Promise<Database> {
  try {
    await mkdir(dataDir, { recursive: true })
    await access(dataDir, constants.W_OK)
  } catch (cause) {
    throw new DatabaseError('ERR_DB_DATA_DIR', `data directory ${dataDir} is not writable`, {
      hint: 'choose a directory you can write to with --data-dir or M365D_DATA_DIR',
      cause,
    })
  }
  const { PGlite } = await import('@electric-sql/pglite')
  // pg_trgm (contrib, shipped with PGlite) backs the console's text search (migration 5); without
  // it the migration skips those indexes and the same queries scan.
  const extensions = await import('@electric-sql/pglite/contrib/pg_trgm').then((m) => ({ pg_trgm: m.pg_trgm }), () => ({}))
  let db: InstanceType<typeof PGlite>
  try {
    db = await PGlite.create(dataDir, { extensions })
  } catch (cause) {
    throw new DatabaseError('ERR_DB_OPEN', `cannot open the embedded database in ${dataDir}`, {
      hint: 'another m365d process may hold it; PGlite allows one process per data directory — use PostgreSQL (--database-url) to run several workers',
      cause,
    })
  }
  // PGlite is a single connection: serialize transactions so two callers never interleave
  // statements inside one BEGIN … COMMIT.
  let chain: Promise<unknown> = Promise.resolve()
  const run = <T>(fn: () => Promise<T>): Promise<T> => {
    const next = chain.then(fn, fn)
    chain = next.catch(() => undefined)
    return next
  }
  return {
    kind: 'pglite',
    query: <T>(sql: string, params?: unknown[]) => run(() => db.query<T>(sql, params as unknown[])) as Promise<{ rows: T[] }>,
    exec: (sql: string) => run(async () => void (await db.exec(sql))),
    transaction: <T>(fn: (tx: Queryable) => Promise<T>) =>
      run(() =>
        db.transaction(async (tx) =>
          fn({
            query: <R>(sql: string, params?: unknown[]) => tx.query<R>(sql, params as unknown[]) as Promise<{ rows: R[] }>,
            exec: async (sql: string) => void (await tx.exec(sql)),
          }),
        ),
      ) as Promise<T>,
    close: () => db.close(),
  }
}

/** Opens a pooled connection to PostgreSQL; fails fast with a clear error when unreachable. */
export async function openPostgres(url: string, options: { max?: number } = {}): Promise<Database> {
  const { default: pg } = await import('pg')
  const pool = new pg.Pool({ connectionString: url, max: options.max ?? 5, connectionTimeoutMillis: 10_000 })
  // An idle client erroring (server restart) must not crash the daemon; the next query reconnects.
  pool.on('error', () => undefined)
  try {
    const client = await pool.connect()
    client.release()
  } catch (cause) {
    await pool.end().catch(() => undefined)
    const failure = describeConnectFailure(url, redactUrl(url), cause)
    throw new DatabaseError(failure.code, failure.message, { hint: failure.hint, cause })
  }
  return {
    kind: 'postgres',
    query: async <T>(sql: string, params?: unknown[]) => ({ rows: (await pool.query(sql, params)).rows as T[] }),
    exec: async (sql: string) => void (await pool.query(sql)),
    async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
      const client = await pool.connect()
      try {
        await client.query('BEGIN')
        const result = await fn({
          query: async <R>(sql: string, params?: unknown[]) => ({ rows: (await client.query(sql, params)).rows as R[] }),
          exec: async (sql: string) => void (await client.query(sql)),
        })
        await client.query('COMMIT')
        return result
      } catch (e) {
        await client.query('ROLLBACK').catch(() => undefined)
        throw e
      } finally {
        client.release()
      }
    },
    close: () => pool.end(),
  }
}

/** `postgres://user:secret@host/db` → `postgres://user:***@host/db`. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url)
    if (u.password) u.password = '***'
    return u.toString()
  } catch {
    return '<unparseable database url>'
  }
}
