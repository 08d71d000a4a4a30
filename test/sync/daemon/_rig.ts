import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { TokenProvider } from '../../../src/auth/index.js'
import { createEmulator, serve, WELL_KNOWN, type Emulator, type RunningEmulator } from '../../../src/emulator/index.js'
import { openPglite, type Database } from '../../../src/sync/db/database.js'
import { migrate } from '../../../src/sync/db/migrations.js'
import { upsertTenant } from '../../../src/sync/db/sql/tenants.js'
import type { DaemonOptions } from '../../../src/sync/daemon/index.js'
import type { DaemonEvent } from '../../../src/sync/daemon/index.js'

/** A real emulator on a port and a token provider for its well-known multi-tenant app. */
export interface EmuRig {
  emulator: Emulator
  server: RunningEmulator
  tokens: TokenProvider
  /** Adds consented customer tenants (GUIDs with a recognizable prefix) to the emulator. */
  addTenants(n: number, prefix: string): string[]
  /** Options every daemon in these tests shares: the emulator's URLs, no client limits, quick retries. */
  daemonOptions(db: Database): DaemonOptions
  close(): Promise<void>
}

export async function emuRig(options: { incidentsPerTenant?: number } = {}): Promise<EmuRig> {
  const emulator = await createEmulator({ defender: { incidentsPerTenant: options.incidentsPerTenant ?? 30 } })
  emulator.defender.limits.enabled = false
  const server = await serve(emulator)
  const tokens = new TokenProvider({ clientId: WELL_KNOWN.clientId, credential: { kind: 'secret', secret: WELL_KNOWN.clientSecret }, authorityHost: server.url })
  return {
    emulator,
    server,
    tokens,
    addTenants(n, prefix) {
      return Array.from({ length: n }, (_, i) => {
        const id = `${prefix}${String(i).padStart(8 - prefix.length, '0')}-0000-4000-8000-000000000000`
        emulator.directory.addTenant({ id })
        emulator.directory.consent(id, WELL_KNOWN.clientId)
        return id
      })
    },
    daemonOptions: (db) => ({
      db,
      tokenProvider: tokens,
      defenderApi: server.url,
      graphApi: server.url,
      limits: false,
      retry: { maxRetries: 3, baseDelayMs: 1, maxDelayMs: 5 },
      backfillDays: 400,
    }),
    async close() {
      tokens.close()
      await server.close()
    },
  }
}

export async function pglite(): Promise<{ db: Database; dir: string; reopen(): Promise<Database>; cleanup(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'm365d-daemon-'))
  const db = await openPglite(dir)
  await migrate(db)
  return { db, dir, reopen: () => openPglite(dir), cleanup: () => rm(dir, { recursive: true, force: true }) }
}

export async function addToDb(db: Database, tenantIds: string[]): Promise<void> {
  for (const tenantId of tenantIds) await upsertTenant(db, { tenantId })
}

/** Resolves with the first event matching `pred` (rejects after `timeoutMs`). */
export function waitFor<E extends DaemonEvent>(on: (l: (e: DaemonEvent) => void) => () => void, pred: (e: DaemonEvent) => e is E, timeoutMs?: number): Promise<E>
export function waitFor(on: (l: (e: DaemonEvent) => void) => () => void, pred: (e: DaemonEvent) => boolean, timeoutMs?: number): Promise<DaemonEvent>
export function waitFor(on: (l: (e: DaemonEvent) => void) => () => void, pred: (e: DaemonEvent) => boolean, timeoutMs = 20_000): Promise<DaemonEvent> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off()
      reject(new Error(`no matching daemon event within ${timeoutMs} ms`))
    }, timeoutMs)
    const off = on((e) => {
      if (!pred(e)) return
      clearTimeout(timer)
      off()
      resolve(e)
    })
  })
}

/** Polls until `check` is true (real time; for cross-worker conditions no single event signals). */
export async function until(check: () => Promise<boolean> | boolean, timeoutMs = 20_000, what = 'condition'): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}
