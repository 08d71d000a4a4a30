import { systemClock, type Clock } from '../../lib/clock.js'
import { DefenderClient, type RateLimiter, type RetryOptions, type Surface, type TokenSource } from '../../defender/index.js'
import type { Database } from '../db/database.js'
import { recordFailure, scheduleNextRun } from '../db/sql/sync_state.js'
import { setTenantHealth } from '../db/sql/tenants.js'
import { ALERTS_STREAM, syncAlerts } from './alerts_pass.js'
import { backoffMs, classifyError, type ClassifiedError } from './classify_error.js'
import { incidentsStream, syncIncidents } from './incidents_pass.js'
import type { PassProgress, PassResult } from './windowed_pass.js'

export interface TenantSyncOptions {
  db: Database
  tokenProvider: TokenSource
  tenantId: string
  /** Which incidents surface to read (default legacy). */
  surface?: Surface
  /** Also sync Graph alerts_v2 (alerts that never became incidents). Default false. */
  alerts?: boolean
  /** API base URLs (defaults: the commercial cloud). */
  defenderApi?: string
  graphApi?: string
  defenderResource?: string
  graphResource?: string
  fetch?: typeof fetch
  clock?: Clock
  /** One limiter shared by every tenant of the app: its keys include the tenant. */
  rateLimiter?: RateLimiter
  /** `false` turns client-side limits off (emulator benchmarks). */
  limits?: false
  retry?: RetryOptions
  backfillDays?: number
  overlapMs?: number
  pageSize?: number
  /** Time until the next regular pass after a success (default 60 s). */
  intervalMs?: number
  onProgress?: (progress: PassProgress) => void
  signal?: AbortSignal
}

export interface TenantSyncResult {
  tenantId: string
  ok: boolean
  incidents?: PassResult
  alerts?: PassResult
  error?: ClassifiedError
  nextRunAt: Date
}

/**
 * One scheduled sync of one tenant: its incident stream and, optionally, Graph alerts. A failure
 * is recorded (state and tenant health with the fix) and turns into a backoff; it never throws,
 * so one broken tenant cannot stop the others.
 */
export async function syncTenant(o: TenantSyncOptions): Promise<TenantSyncResult> {
  const clock = o.clock ?? systemClock
  const surface = o.surface ?? 'legacy'
  const client = (s: Surface) =>
    new DefenderClient<Surface>({
      tokenProvider: o.tokenProvider,
      tenant: o.tenantId,
      surface: s,
      ...(s === 'legacy' && o.defenderApi && { baseUrl: o.defenderApi }),
      ...(s === 'graph' && o.graphApi && { baseUrl: o.graphApi }),
      ...(s === 'legacy' && o.defenderResource && { resource: o.defenderResource }),
      ...(s === 'graph' && o.graphResource && { resource: o.graphResource }),
      ...(o.fetch && { fetch: o.fetch }),
      clock,
      ...(o.limits === false ? { limits: false as const } : o.rateLimiter ? { rateLimiter: o.rateLimiter } : {}),
      ...(o.retry && { retry: o.retry }),
    })
  const common = {
    db: o.db,
    tenantId: o.tenantId,
    clock,
    ...(o.backfillDays !== undefined && { backfillDays: o.backfillDays }),
    ...(o.overlapMs !== undefined && { overlapMs: o.overlapMs }),
    ...(o.pageSize !== undefined && { pageSize: o.pageSize }),
    ...(o.onProgress && { onProgress: o.onProgress }),
    ...(o.signal && { signal: o.signal }),
  }
  const streams = [incidentsStream(surface), ...(o.alerts ? [ALERTS_STREAM] : [])]
  const result: TenantSyncResult = { tenantId: o.tenantId, ok: true, nextRunAt: new Date(clock.now() + (o.intervalMs ?? 60_000)) }
  let current = streams[0]!
  try {
    o.signal?.throwIfAborted()
    result.incidents = await syncIncidents({ ...common, client: client(surface) })
    if (o.alerts) {
      current = ALERTS_STREAM
      o.signal?.throwIfAborted()
      result.alerts = await syncAlerts({ ...common, client: client('graph') })
    }
    // One transaction, so a health transition's event (migration 3 trigger) reaches the sinks the
    // daemon names in it, exactly once with the state it describes.
    await o.db.transaction(async (tx) => {
      for (const s of streams) await scheduleNextRun(tx, o.tenantId, s, result.nextRunAt)
      await setTenantHealth(tx, o.tenantId, 'ok', { lastSuccess: new Date(clock.now()).toISOString() })
    })
    return result
  } catch (e) {
    // A graceful stop is not a failure: the cursor is committed and the next worker resumes.
    if (o.signal?.aborted) return { ...result, ok: false, nextRunAt: new Date(clock.now()) }
    const error = classifyError(e)
    try {
      const nextRunAt = await o.db.transaction(async (tx) => {
        const failures = await recordFailure(tx, o.tenantId, current, { code: error.code, message: error.message, ...(error.hint && { hint: error.hint }) })
        const next = new Date(clock.now() + backoffMs(error, failures))
        for (const s of streams) await scheduleNextRun(tx, o.tenantId, s, next)
        await setTenantHealth(tx, o.tenantId, error.health, { code: error.code, message: error.message, hint: error.hint, failures })
        return next
      })
      return { ...result, ok: false, error, nextRunAt }
    } catch (recordError) {
      // The lease was lost meanwhile (the pass is aborted): the tenant is another worker's now.
      if (o.signal?.aborted) return { ...result, ok: false, nextRunAt: new Date(clock.now()) }
      throw recordError
    }
  }
}
