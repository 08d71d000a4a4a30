import { homedir } from 'node:os'
import { join, resolve } from 'node:path'

/**
 * Where the sync data lives: PostgreSQL when a URL is given (`--database-url` /
 * M365D_DATABASE_URL), else embedded PGlite under a data directory (`--data-dir` /
 * M365D_DATA_DIR, default ~/.m365d/data). Shared by `m365d sync`, `m365d tenants …` and
 * `m365d start`. Its own small file, free of database code, so the CLI's configuration
 * (src/cli/config.ts, loaded by every command) can resolve the store without loading the sync engine.
 */
export interface StorageSelection {
  databaseUrl?: string
  dataDir?: string
}

export function resolveStorage(o: { databaseUrl?: string | undefined; dataDir?: string | undefined; env: Record<string, string | undefined>; cwd: string }): StorageSelection {
  const url = o.databaseUrl ?? nonEmpty(o.env.M365D_DATABASE_URL)
  if (url !== undefined) return { databaseUrl: url }
  const dir = o.dataDir ?? nonEmpty(o.env.M365D_DATA_DIR)
  const home = nonEmpty(o.env.HOME) ?? homedir()
  return { dataDir: dir !== undefined ? resolve(o.cwd, dir) : join(home, '.m365d', 'data') }
}

function nonEmpty(v: string | undefined): string | undefined {
  return v === undefined || v === '' ? undefined : v
}
