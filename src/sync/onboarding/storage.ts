import { mkdir, open, readFile, rm, stat } from 'node:fs/promises'
import { homedir } from 'node:os'
import { join, resolve } from 'node:path'
import { DatabaseError, openPglite, openPostgres, redactUrl, type Database } from '../db/database.js'
import { migrate } from '../db/migrations.js'

/**
 * Where the sync data lives: PostgreSQL when a URL is given (`--database-url` /
 * M365D_DATABASE_URL), else embedded PGlite under a data directory (`--data-dir` /
 * M365D_DATA_DIR, default ~/.m365d/data). Shared by `m365d sync`, `m365d tenants …` and `m365d start`.
 */
export interface StorageSelection {
  databaseUrl?: string
  dataDir?: string
}

export interface OpenedStore {
  db: Database
  /** Human description with any password redacted: `PostgreSQL postgres://u:***@h/db` or `PGlite /path`. */
  description: string
}

export function resolveStorage(o: { databaseUrl?: string | undefined; dataDir?: string | undefined; env: Record<string, string | undefined>; cwd: string }): StorageSelection {
  const url = o.databaseUrl ?? nonEmpty(o.env.M365D_DATABASE_URL)
  if (url !== undefined) return { databaseUrl: url }
  const dir = o.dataDir ?? nonEmpty(o.env.M365D_DATA_DIR)
  const home = nonEmpty(o.env.HOME) ?? homedir()
  return { dataDir: dir !== undefined ? resolve(o.cwd, dir) : join(home, '.m365d', 'data') }
}

/**
 * Opens and migrates the store. Every failure is a DatabaseError with a fix (exit 2 in the CLI);
 * nothing is written before the checks pass: the data directory's parent chain is checked before
 * PGlite creates files, and an unparseable URL is refused before connecting.
 */
export async function openStore(selection: StorageSelection, options: { poolSize?: number } = {}): Promise<OpenedStore> {
  if (selection.databaseUrl !== undefined) {
    const url = selection.databaseUrl
    if (!URL.canParse(url) || !/^postgres(ql)?:$/.test(new URL(url).protocol)) {
      throw new DatabaseError('ERR_DB_URL_INVALID', `database URL ${redactUrl(url)} is not a postgres:// URL`, {
        hint: 'use postgres://user[:password]@host[:port]/database (M365D_DATABASE_URL / --database-url)',
      })
    }
    const db = await openPostgres(url, options.poolSize !== undefined ? { max: options.poolSize } : {})
    await migrateOrClose(db)
    return { db, description: `PostgreSQL ${redactUrl(url)}` }
  }
  const dir = selection.dataDir!
  await checkDataDir(dir)
  await mkdir(dir, { recursive: true }).catch((cause: unknown) => {
    throw new DatabaseError('ERR_DB_DATA_DIR', `data directory ${dir} cannot be created`, { hint: 'choose a directory you can write to with --data-dir or M365D_DATA_DIR', cause })
  })
  // Lock first: a second process must not even open the files the first one writes.
  const unlock = await lockDataDir(dir)
  let db: Database
  try {
    db = await openPglite(dir)
  } catch (e) {
    await unlock()
    throw e
  }
  const close = db.close
  db = { ...db, close: async () => (await close(), await unlock()) }
  await migrateOrClose(db)
  return { db, description: `PGlite ${dir}` }
}

/**
 * PGlite takes no lock of its own and two processes on one data directory corrupt it, so the
 * first m365d process writes `m365d.lock` (its pid); another live process is refused. A lock
 * whose pid is gone (the holder was killed) is taken over.
 */
async function lockDataDir(dir: string): Promise<() => Promise<void>> {
  const path = join(dir, 'm365d.lock')
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(path, 'wx')
      await handle.writeFile(String(process.pid))
      await handle.close()
      return () => rm(path, { force: true })
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e
      const pid = Number((await readFile(path, 'utf8').catch(() => '')).trim())
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) {
        throw new DatabaseError('ERR_DB_OPEN', `the embedded database in ${dir} is in use by process ${pid}`, {
          hint: 'PGlite allows one process per data directory: stop the other m365d, use another --data-dir, or use PostgreSQL (--database-url) to run several workers',
        })
      }
      await rm(path, { force: true })
    }
  }
  throw new DatabaseError('ERR_DB_OPEN', `cannot lock the embedded database in ${dir}`, { hint: 'another m365d process is starting on the same data directory; try again' })
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'
  }
}

async function migrateOrClose(db: Database): Promise<void> {
  try {
    await migrate(db)
  } catch (e) {
    await db.close().catch(() => undefined)
    throw e
  }
}

/** Refuses a data dir under a regular file, or an existing non-directory, before anything is created. */
async function checkDataDir(dir: string): Promise<void> {
  let p = dir
  for (;;) {
    const s = await stat(p).catch(() => undefined)
    if (s) {
      if (!s.isDirectory()) {
        throw new DatabaseError('ERR_DB_DATA_DIR', `data directory ${dir} is not usable: ${p} is not a directory`, {
          hint: 'choose a directory you can write to with --data-dir or M365D_DATA_DIR',
        })
      }
      return
    }
    const parent = resolve(p, '..')
    if (parent === p) return
    p = parent
  }
}

function nonEmpty(v: string | undefined): string | undefined {
  return v === undefined || v === '' ? undefined : v
}
