import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { TokenProvider } from '../../../src/auth/index.js'
import { DefenderClient, type Surface } from '../../../src/defender/index.js'
import { createEmulator, serve, WELL_KNOWN, type Emulator, type RunningEmulator } from '../../../src/emulator/index.js'
import { openPglite, type Database } from '../../../src/sync/db/database.js'
import { migrate } from '../../../src/sync/db/migrations.js'

/** A real emulator on a port, a token provider for the well-known app, and a fresh PGlite store. */
export interface Rig {
  emulator: Emulator
  server: RunningEmulator
  tokens: TokenProvider
  db: Database
  client(tenant: string, surface: Surface, options?: { retry?: { maxRetries?: number } }): DefenderClient<Surface>
  close(): Promise<void>
}

export async function rig(options: { incidentsPerTenant?: number } = {}): Promise<Rig> {
  const emulator = await createEmulator({ defender: { incidentsPerTenant: options.incidentsPerTenant ?? 120 } })
  emulator.defender.limits.enabled = false
  const server = await serve(emulator)
  const tokens = new TokenProvider({ clientId: WELL_KNOWN.clientId, credential: { kind: 'secret', secret: WELL_KNOWN.clientSecret }, authorityHost: server.url })
  const dir = await mkdtemp(join(tmpdir(), 'm365d-sync-'))
  const db = await openPglite(dir)
  await migrate(db)
  return {
    emulator,
    server,
    tokens,
    db,
    client: (tenant, surface, o = {}) =>
      new DefenderClient<Surface>({
        tokenProvider: tokens,
        tenant,
        surface,
        baseUrl: server.url,
        limits: false,
        retry: { maxRetries: o.retry?.maxRetries ?? 2, baseDelayMs: 1, maxDelayMs: 5 },
      }),
    async close() {
      tokens.close()
      await db.close()
      await server.close()
      await rm(dir, { recursive: true, force: true })
    },
  }
}
