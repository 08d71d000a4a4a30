import { M365dArgumentError } from '../lib/errors.js'
import type { RateLimits, RetryOptions } from '../defender/index.js'
import { SINK_NAME, type Sink } from './sinks/sink.js'

/**
 * Every knob of the sync daemon, with its unit in its name, resolved ONCE (issue 9 §1): the CLI,
 * `m365d start`, the console and tests hand a partial object to {@link resolveSyncSettings} and
 * the daemon, scheduler and passes read the complete result instead of relaying `?? default`
 * through their layers. The defaults below are the only place these numbers live.
 */
export interface SyncSettings {
  /**
   * Incidents surface: Graph /security/incidents (default) or the legacy /api/incidents. A tenant
   * pinned in the registry (`tenants add --api`) keeps its own; a tenant consented for the legacy
   * roles only stays on legacy (`needs_graph_consent`) until its Graph consent.
   */
  surface: 'legacy' | 'graph'
  /** Also sync Graph alerts_v2 (needs SecurityAlert.Read.All). */
  alerts: boolean
  /** Tenants synced at once by one worker. */
  concurrency: number
  /** Between passes of a healthy tenant. */
  intervalMs: number
  /** Tenant lease time to live; leases are renewed every ttl/3. */
  leaseTtlSeconds: number
  /** Cap on tenants this worker leases (undefined: its fair share, ceil(tenants / live workers)). */
  maxTenantsPerWorker: number | undefined
  /**
   * A pass running longer than this stops between pages and goes to the back of the queue, its
   * cursor kept: a huge backfill cannot hold a slot forever. 0 = no limit.
   */
  maxPassMs: number
  /** How often the scheduler looks for leases and due tenants. */
  tickMs: number
  /** History fetched on the first sync of a tenant. */
  backfillDays: number
  /** Re-read window behind the watermark (undefined: the engine's default). */
  overlapMs: number | undefined
  /** Incidents per API page (undefined: the API maximum). */
  pageSize: number | undefined
  /** Client-side per-tenant quotas: undefined = the documented ones, `false` = off. */
  limits: RateLimits | false | undefined
  retry: RetryOptions | undefined
  /** Name of this worker in leases and logs (undefined: host:pid:random). */
  workerId: string | undefined
  /** Delivered from the outbox, at least once. */
  sinks: Sink[]
  /** Outbox rows per delivery batch. */
  sinkBatchSize: number
  /** Pause base after a failed batch. */
  sinkRetryBaseSeconds: number
  /** How long a claimed outbox batch is reserved for this worker before others may re-deliver it. */
  sinkClaimSeconds: number
  /** How often the outbox is polled. */
  sinkIntervalMs: number
  /** Graceful stop: how long running passes and the outbox flush may take. */
  stopTimeoutMs: number
}

export type SyncSettingsInput = Partial<SyncSettings>

export const SYNC_DEFAULTS = {
  // The legacy API stops on 1 Feb 2027 (MC1220762): Graph is the default (issue 8 §1).
  surface: 'graph',
  alerts: false,
  concurrency: 8,
  intervalMs: 60_000,
  leaseTtlSeconds: 60,
  maxPassMs: 300_000,
  tickMs: 1000,
  backfillDays: 30,
  sinkBatchSize: 100,
  sinkRetryBaseSeconds: 2,
  sinkClaimSeconds: 120,
  sinkIntervalMs: 1000,
  stopTimeoutMs: 30_000,
} as const satisfies Partial<SyncSettings>

/** The ops server's default port (`m365d sync`; the admin-consent redirect URI the CLI prints). */
export const DEFAULT_OPS_PORT = 9464

const DAY_MS = 86_400_000

/** Fills in the defaults and refuses values no daemon can run with (exit 2 in the CLI, before anything starts). */
export function resolveSyncSettings(input: SyncSettingsInput = {}): SyncSettings {
  const s: SyncSettings = {
    surface: input.surface ?? SYNC_DEFAULTS.surface,
    alerts: input.alerts ?? SYNC_DEFAULTS.alerts,
    concurrency: input.concurrency ?? SYNC_DEFAULTS.concurrency,
    intervalMs: input.intervalMs ?? SYNC_DEFAULTS.intervalMs,
    leaseTtlSeconds: input.leaseTtlSeconds ?? SYNC_DEFAULTS.leaseTtlSeconds,
    maxTenantsPerWorker: input.maxTenantsPerWorker,
    maxPassMs: input.maxPassMs ?? SYNC_DEFAULTS.maxPassMs,
    tickMs: input.tickMs ?? SYNC_DEFAULTS.tickMs,
    backfillDays: input.backfillDays ?? SYNC_DEFAULTS.backfillDays,
    overlapMs: input.overlapMs,
    pageSize: input.pageSize,
    limits: input.limits,
    retry: input.retry,
    workerId: input.workerId,
    sinks: input.sinks ?? [],
    sinkBatchSize: input.sinkBatchSize ?? SYNC_DEFAULTS.sinkBatchSize,
    sinkRetryBaseSeconds: input.sinkRetryBaseSeconds ?? SYNC_DEFAULTS.sinkRetryBaseSeconds,
    sinkClaimSeconds: input.sinkClaimSeconds ?? SYNC_DEFAULTS.sinkClaimSeconds,
    sinkIntervalMs: input.sinkIntervalMs ?? SYNC_DEFAULTS.sinkIntervalMs,
    stopTimeoutMs: input.stopTimeoutMs ?? SYNC_DEFAULTS.stopTimeoutMs,
  }
  if (s.surface !== 'legacy' && s.surface !== 'graph') throw new M365dArgumentError(`unknown surface '${String(s.surface).slice(0, 20)}'`, { hint: "use 'legacy' or 'graph'" })
  if (!(Number.isInteger(s.concurrency) && s.concurrency >= 1)) throw new M365dArgumentError('concurrency must be a positive integer')
  if (!(s.leaseTtlSeconds > 0)) throw new M365dArgumentError('leaseTtlSeconds must be positive')
  if (!(s.intervalMs >= 0) || !(s.tickMs > 0) || !(s.maxPassMs >= 0)) throw new M365dArgumentError('intervalMs, tickMs and maxPassMs must be non-negative durations (tickMs > 0)')
  if (!(s.backfillDays >= 0)) throw new M365dArgumentError('backfillDays must not be negative')
  const names = s.sinks.map((x) => x.name)
  for (const n of names) if (!SINK_NAME.test(n)) throw new M365dArgumentError(`invalid sink name '${n}'`)
  if (new Set(names).size !== names.length) throw new M365dArgumentError('sink names must be unique', { hint: 'pass name: … to the second sink of a kind' })
  return s
}

/** The backfill as a duration, for progress bars and logs. */
export function backfillMsOf(settings: Pick<SyncSettings, 'backfillDays'>): number {
  return settings.backfillDays * DAY_MS
}
