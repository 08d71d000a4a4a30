import type { RateLimiter, TokenSource } from '../defender/index.js'
import type { DaemonEvent, Database } from '../sync/index.js'

/**
 * Everything the console needs from the process that serves it (the daemon of `m365d sync` or
 * `m365d start`). The console reads the store, writes back through the app's token provider —
 * one token per customer tenant, never mixed — and follows the daemon's events for live updates.
 */
export interface ConsoleDeps {
  db: Database
  /** The partner app's tokens (the same provider the daemon uses). */
  tokenProvider: TokenSource
  cloud: {
    defenderApi: string
    graphApi: string
    defenderResource: string
    graphResource: string
    /** Identity platform host, for consent links. */
    authorityHost: string
  }
  /** The incidents surface the daemon syncs (actions use each incident's own source). */
  surface: 'legacy' | 'graph'
  /** The partner app (consent links, credential expiry). */
  clientId: string
  /** The app's home tenant, where Application.Read.All reads the app's own credentials. */
  homeTenant?: string
  /** Credential expiry from configuration (certificate notAfter, or M365D_CLIENT_SECRET_EXPIRES). */
  configuredCredentialExpiry?: { kind: 'secret' | 'certificate'; expiresAt: string; name?: string }
  /** The daemon's worker id and events (pass finished → live update, rollup refresh). */
  workerId: string
  onDaemonEvent?: (listener: (e: DaemonEvent) => void) => () => void
  /** This worker's Prometheus text (rate-limit waits per tenant live only in memory). */
  metricsText?: () => Promise<string>
  /** The daemon's shared limiter: console calls count against the same per-tenant quotas. */
  rateLimiter?: RateLimiter
  fetch?: typeof fetch
  /** The consent callback URL on this ops server (consent links bound to a tenant). */
  consentRedirectUri?: string
}

export interface ConsoleOptions {
  /**
   * Fixed API token (M365D_CONSOLE_TOKEN) for `Authorization: Bearer` on `/status`; random per start
   * otherwise. It never logs a browser in: login links carry one-time tokens (`loginUrl`).
   */
  token?: string
  /** Extra Host names accepted besides loopback and the bind address. */
  allowedHosts?: string[]
  /** Where dist/web lives (default: next to this package's dist/src). */
  webRoot?: string
  /** Rollup refresh period (default 30 s); 0 = only on demand. */
  rollupIntervalMs?: number
  /** Token-role check period per tenant (default 10 min). */
  accessIntervalMs?: number
  /** Live-update poll of the store (default 1 s): catches writes by other workers too. */
  livePollMs?: number
}
