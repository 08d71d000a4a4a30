import type { Cloud } from '../auth/clouds.js'
import { TokenProvider } from '../auth/token_provider.js'
import { DefenderClient, HuntingClient, RateLimiter, type Surface } from '../defender/index.js'
import { consentCallbackHandler, openStore, resolveStorage, SyncDaemon, type ConsentOutcome, type DaemonEvent, type Database, type OpenedStore, type Queryable, type SyncSettingsInput } from '../sync/index.js'
import type { AppSettings } from './settings.js'

export interface ClientOptions<S extends Surface> {
  surface?: S
  /** Token audience override (default: the chosen surface's resource in the app's cloud). */
  resource?: string | undefined
}

/**
 * The application layer (issue 9 §1): ONE place that turns resolved settings into the cloud, the
 * app's token provider (one cache and single flight for every tenant) and per-tenant clients, the
 * store and the sync daemon. The CLI, the daemon and the console use it instead of wiring the
 * library's pieces each in their own way.
 */
export interface App {
  readonly settings: AppSettings
  readonly cloud: Cloud
  readonly clientId: string
  /** One provider for every customer tenant; its cache keys include the tenant. */
  readonly tokens: TokenProvider
  /** One limiter for the app: its keys include the tenant, so each tenant keeps its own quota. */
  readonly rateLimiter: RateLimiter
  /** An incidents/alerts client for one tenant (GUID or domain). */
  clientFor<S extends Surface = 'graph'>(tenant: string, options?: ClientOptions<S>): DefenderClient<S>
  /** An advanced-hunting client for one tenant. */
  huntingClientFor<S extends Surface = 'graph'>(tenant: string, options?: ClientOptions<S>): HuntingClient<S>
  /** Opens (and migrates) the configured store: the tenant registry and the synced data. */
  openStore(options?: { poolSize?: number }): Promise<OpenedStore>
  /** A sync daemon for this app over `db`, with the app's settings plus `overrides`. */
  createDaemon(db: Database, overrides?: SyncSettingsInput & { onEvent?: (e: DaemonEvent) => void }): SyncDaemon
  /**
   * The admin-consent redirect handler for the ops server: a consent is proven with a fresh token
   * for the tenant (on the surface the daemon syncs) before the tenant is added, and `onGranted`
   * (the daemon's wake) makes it sync within seconds.
   */
  consentCallback(db: Queryable, o?: { surface?: Surface; onOutcome?: (outcome: ConsentOutcome) => void; onGranted?: (tenantId: string) => void }): (request: Request) => Promise<Response>
  /** Stops the token provider's background refreshes. */
  close(): void
}

export function createApp(settings: AppSettings): App {
  const cloud = settings.cloud
  const tokens = new TokenProvider({
    clientId: settings.clientId,
    credential: settings.credential,
    cloud,
    authorityHost: cloud.authorityHost,
    ...(settings.fetch && { fetch: settings.fetch }),
  })
  const rateLimiter = new RateLimiter()
  const resourceOf = (surface: Surface, resource: string | undefined) => resource ?? (surface === 'graph' ? cloud.graphResource : cloud.defenderResource)
  return {
    settings,
    cloud,
    clientId: settings.clientId,
    tokens,
    rateLimiter,
    clientFor<S extends Surface = 'graph'>(tenant: string, options: ClientOptions<S> = {}) {
      const surface = (options.surface ?? 'graph') as S
      return new DefenderClient<S>({ tokenProvider: tokens, tenant, surface, cloud, resource: resourceOf(surface, options.resource), rateLimiter, ...(settings.fetch && { fetch: settings.fetch }) })
    },
    huntingClientFor<S extends Surface = 'graph'>(tenant: string, options: ClientOptions<S> = {}) {
      const surface = (options.surface ?? 'graph') as S
      return new HuntingClient<S>({ tokenProvider: tokens, tenant, surface, cloud, resource: resourceOf(surface, options.resource), rateLimiter, ...(settings.fetch && { fetch: settings.fetch }) })
    },
    openStore(options = {}) {
      return openStore(settings.storage ?? resolveStorage({ env: {}, cwd: process.cwd() }), options)
    },
    createDaemon(db, overrides = {}) {
      const { onEvent, ...sync } = overrides
      return new SyncDaemon({
        ...settings.sync,
        ...sync,
        db,
        tokenProvider: tokens,
        defenderApi: cloud.defenderApi,
        graphApi: cloud.graphApi,
        defenderResource: cloud.defenderResource,
        graphResource: cloud.graphResource,
        authorityHost: cloud.authorityHost,
        ...(settings.fetch && { fetch: settings.fetch }),
        ...(onEvent && { onEvent }),
      })
    },
    consentCallback(db, o = {}) {
      const surface = o.surface ?? settings.sync?.surface ?? 'graph'
      return consentCallbackHandler({
        db,
        verify: async (tenant) => void (await tokens.getToken({ tenant, resource: resourceOf(surface, undefined), forceRefresh: true })),
        onOutcome: (outcome) => {
          o.onOutcome?.(outcome)
          if (outcome.outcome === 'granted') o.onGranted?.(outcome.tenantId)
        },
      })
    },
    close: () => tokens.close(),
  }
}
