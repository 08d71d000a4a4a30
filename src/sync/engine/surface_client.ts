import { COMMERCIAL, DefenderClient, type DefenderClientOptions, type DefenderCloud, type RateLimiter, type Surface, type TokenSource } from '../../defender/index.js'

/**
 * The one way the sync side (a pass, `tenants check`, `migrate check`) builds a client for one
 * tenant on either surface. Its options carry both APIs' hosts and token audiences, as the daemon's
 * settings give them (the app layer resolves the cloud once; `src/app` is above this layer, so its
 * `clientFor` cannot be used here); the client picks the pair of the surface it is built for.
 */
export interface SurfaceClientOptions {
  tokenProvider: TokenSource
  tenantId: string
  /** API base URLs and token audiences (defaults: the commercial cloud). */
  defenderApi?: string
  graphApi?: string
  defenderResource?: string
  graphResource?: string
  fetch?: typeof fetch
  /** One limiter shared by every tenant of the app: its keys include the tenant. */
  rateLimiter?: RateLimiter
  /** `false` turns client-side limits off (emulator benchmarks). */
  limits?: false
}

/** Both surfaces' hosts and audiences, each defaulting to the commercial cloud's. */
export function endpointsCloud(o: Pick<SurfaceClientOptions, 'defenderApi' | 'graphApi' | 'defenderResource' | 'graphResource'>): DefenderCloud {
  return {
    defenderApi: o.defenderApi ?? COMMERCIAL.defenderApi,
    defenderResource: o.defenderResource ?? COMMERCIAL.defenderResource,
    graphApi: o.graphApi ?? COMMERCIAL.graphApi,
    graphResource: o.graphResource ?? COMMERCIAL.graphResource,
  }
}

/** A client for `o.tenantId` on `surface`; `extra` adds what only one caller sets (clock, retry). */
export function surfaceClient(o: SurfaceClientOptions, surface: Surface, extra: Pick<DefenderClientOptions, 'clock' | 'retry'> = {}): DefenderClient<Surface> {
  return new DefenderClient<Surface>({
    tokenProvider: o.tokenProvider,
    tenant: o.tenantId,
    surface,
    cloud: endpointsCloud(o),
    ...(o.fetch && { fetch: o.fetch }),
    ...(o.limits === false ? { limits: false as const } : o.rateLimiter ? { rateLimiter: o.rateLimiter } : {}),
    ...extra,
  })
}
