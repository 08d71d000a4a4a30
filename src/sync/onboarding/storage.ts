import { chmod, lstat, mkdir, open, readdir, readFile, rm, stat } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { DatabaseError, openPglite, openPostgres, redactUrl, type Database } from '../db/database.js'
import { migrate } from '../db/migrations.js'
import { alive } from '../local_api/discovery.js'

export { resolveStorage, type StorageSelection } from '../storage_location.js'
import type { StorageSelection } from '../storage_location.js'

export interface OpenedStore {
  db: Database
  /** Human description with any password redacted: `PostgreSQL postgres://u:***@h/db` or `PGlite /path`. */
  description: string
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
  await mkdir(dir, { recursive: true, mode: 0o700 }).catch((cause: unknown) => {
    throw new DatabaseError('ERR_DB_DATA_DIR', `data directory ${dir} cannot be created`, { hint: 'choose a directory you can write to with --data-dir or M365D_DATA_DIR', cause })
  })
  await checkPermissions(dir)
  // Lock first: a second process must not even open the files the first one writes.
  const unlock = await lockDataDir(dir)
  let db: Database
  try {
    db = await openPglite(dir)
  } catch (e) {
    await unlock()
    throw e
  }
  // PGlite creates its files 0666/0755 whatever the umask: the store holds customers' incidents
  // and pending consent states, so everything in it is made private (0600 files, 0700 dirs), at
  // open and again at close for the files written meanwhile (issue 10 §6).
  await privateTree(dir)
  const close = db.close
  db = { ...db, close: async () => (await close(), await privateTree(dir).catch(() => undefined), await unlock()) }
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
      const handle = await open(path, 'wx', 0o600)
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

/**
 * Like PostgreSQL, which refuses a data directory with group or world access: a store others can
 * write is refused with the fix; one they can only read is made private (a store created by an
 * older m365d was 0755).
 */
async function checkPermissions(dir: string): Promise<void> {
  if (process.platform === 'win32') return
  const s = await stat(dir)
  const uid = process.getuid?.()
  if (uid !== undefined && uid !== 0 && s.uid !== uid) {
    throw new DatabaseError('ERR_DB_DATA_DIR_PERMISSIONS', `data directory ${dir} belongs to another user (uid ${s.uid})`, {
      hint: `run m365d as the owner of ${dir}, or choose your own directory with --data-dir`,
    })
  }
  if ((s.mode & 0o022) !== 0) {
    throw new DatabaseError('ERR_DB_DATA_DIR_PERMISSIONS', `data directory ${dir} is writable by ${s.mode & 0o002 ? 'everyone' : 'its group'} (mode ${(s.mode & 0o777).toString(8)}): it holds customers' incidents`, {
      hint: `make it private: chmod -R go-rwx ${dir}`,
    })
  }
  if ((s.mode & 0o077) !== 0) await chmod(dir, 0o700)
}

/** Files 0600 and directories 0700 below `dir` (symlinks left alone). */
async function privateTree(dir: string): Promise<void> {
  if (process.platform === 'win32') return
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name)
    if (entry.isDirectory()) {
      await chmod(p, 0o700)
      await privateTree(p)
    } else if (entry.isFile()) {
      const s = await lstat(p)
      if ((s.mode & 0o077) !== 0) await chmod(p, 0o600)
    }
  }
  await chmod(dir, 0o700)
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
