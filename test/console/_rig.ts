import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { TokenProvider } from '../../src/auth/index.js'
import { createConsole, type ConsoleServer } from '../../src/console/index.js'
import { createEmulator, serve, WELL_KNOWN, type Emulator, type RunningEmulator } from '../../src/emulator/index.js'
import { openPglite } from '../../src/sync/db/database.js'
import { migrate, upsertTenant, type Database } from '../../src/sync/index.js'
import { startOpsServer, SyncDaemon, type OpsServer, type Sink } from '../../src/sync/index.js'

export const DEMO_TENANTS = [
  { tenantId: WELL_KNOWN.contosoTenantId, name: 'Contoso', domain: 'contoso.onmicrosoft.com' },
  { tenantId: WELL_KNOWN.fabrikamTenantId, name: 'Fabrikam', domain: 'fabrikam.onmicrosoft.com' },
  { tenantId: WELL_KNOWN.tailspinTenantId, name: 'Tailspin Toys', domain: 'tailspin.onmicrosoft.com' },
  { tenantId: WELL_KNOWN.woodgroveTenantId, name: 'Woodgrove Bank', domain: 'woodgrove.onmicrosoft.com' },
]

/**
 * What `m365d start` runs, in-process: the emulator with the well-known tenants on a real port,
 * an embedded store with the four demo customers, the daemon, and the console on its ops server.
 */
export interface ConsoleRig {
  emulator: Emulator
  server: RunningEmulator
  db: Database
  daemon: SyncDaemon
  ops: OpsServer
  web: ConsoleServer
  /** The daemon's (and the console's) token provider. */
  tokens: TokenProvider
  base: string
  /** A fresh one-time login URL (each call issues a new token). */
  loginUrl(): string
  /** A logged-in session: its cookie header and CSRF token. */
  login(): Promise<{ cookie: string; csrf: string }>
  close(): Promise<void>
}

export async function consoleRig(o: { token?: string; incidentsPerTenant?: number; start?: boolean; sinks?: Sink[] } = {}): Promise<ConsoleRig> {
  const emulator = await createEmulator({ defender: { incidentsPerTenant: o.incidentsPerTenant ?? 40 } })
  emulator.defender.limits.enabled = false
  const server = await serve(emulator)
  const dir = await mkdtemp(join(tmpdir(), 'm365d-console-'))
  const db = await openPglite(dir)
  await migrate(db)
  for (const t of DEMO_TENANTS) await upsertTenant(db, { tenantId: t.tenantId, displayName: t.name, domain: t.domain })
  const tokens = new TokenProvider({ clientId: WELL_KNOWN.clientId, credential: { kind: 'secret', secret: WELL_KNOWN.clientSecret }, authorityHost: server.url })
  const daemon = new SyncDaemon({
    db,
    tokenProvider: tokens,
    defenderApi: server.url,
    graphApi: server.url,
    limits: false,
    retry: { maxRetries: 2, baseDelayMs: 1, maxDelayMs: 5 },
    backfillDays: 400,
    intervalMs: 1000,
    tickMs: 200,
    ...(o.sinks && { sinks: o.sinks, sinkIntervalMs: 200 }),
  })
  const web = createConsole(
    {
      db,
      tokenProvider: tokens,
      cloud: { defenderApi: server.url, graphApi: server.url, defenderResource: 'https://api.security.microsoft.com', graphResource: 'https://graph.microsoft.com', authorityHost: server.url },
      surface: daemon.settings.surface,
      clientId: WELL_KNOWN.clientId,
      homeTenant: WELL_KNOWN.homeTenantId,
      workerId: daemon.workerId,
      onDaemonEvent: (l) => daemon.on(l),
      metricsText: () => daemon.metricsText(),
    },
    { ...(o.token && { token: o.token }), livePollMs: 300 },
  )
  const ops = await startOpsServer({ daemon, port: 0, mount: web })
  if (o.start !== false) {
    await daemon.start()
    web.start()
  }
  return {
    emulator,
    server,
    db,
    daemon,
    ops,
    web,
    tokens,
    base: ops.url,
    loginUrl: () => web.loginUrl(ops.url),
    async login() {
      const r = await fetch(web.loginUrl(ops.url), { redirect: 'manual' })
      const cookie = r.headers.getSetCookie()[0]!.split(';')[0]!
      const s = (await (await fetch(`${ops.url}/console/api/session`, { headers: { cookie } })).json()) as { csrfToken: string }
      return { cookie, csrf: s.csrfToken }
    },
    async close() {
      await web.close()
      await daemon.stop()
      await ops.close()
      tokens.close()
      await db.close()
      await server.close()
      await rm(dir, { recursive: true, force: true })
    },
  }
}

/** Polls `fn` until it returns a truthy value (rejects after `timeoutMs`). */
export async function eventually<T>(fn: () => Promise<T | undefined | null | false>, timeoutMs = 20_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let last: unknown
  for (;;) {
    try {
      const v = await fn()
      if (v) return v
    } catch (e) {
      last = e
    }
    if (Date.now() > deadline) throw new Error(`${what} not reached within ${timeoutMs} ms${last ? `: ${String(last)}` : ''}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}
