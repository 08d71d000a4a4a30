import { systemClock, type Clock } from '../../lib/clock.js'
import type { RetryOptions, Surface } from '../../defender/index.js'
import type { Database } from '../db/database.js'
import { handOverStream, recordFailure, scheduleNextRun } from '../db/sql/sync_state.js'
import { readTenant, recordTenantSurface, setTenantHealth } from '../db/sql/tenants.js'
import { ALERTS_STREAM, syncAlerts } from './alerts_pass.js'
import { backoffMs, classifyError, type ClassifiedError } from './classify_error.js'
import { incidentsStream, syncIncidents } from './incidents_pass.js'
import { chooseSurface, needsGraphConsentDetail, readinessSettings, type SurfaceChoice } from './surface.js'
import { surfaceClient, type SurfaceClientOptions } from './surface_client.js'
import type { PassProgress, PassResult } from './windowed_pass.js'

/** The tenant, the APIs' hosts and audiences, fetch and the app's limiter: {@link SurfaceClientOptions}. */
export interface TenantSyncOptions extends SurfaceClientOptions {
  db: Database
  /**
   * Which incidents surface the app reads (default Graph). A surface pinned for the tenant
   * (`m365d_tenants.api`) wins; a tenant whose consent covers only the legacy roles stays on
   * legacy (health `needs_graph_consent`) until its Graph consent is granted (see surface.ts).
   */
  surface?: Surface
  /** For the Graph consent link: the app id (default: read from the token), identity host, redirect URI. */
  clientId?: string
  authorityHost?: string
  consentRedirectUri?: string
  /** Also sync Graph alerts_v2 (alerts that never became incidents). Default false. */
  alerts?: boolean
  clock?: Clock
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
  /** The surface this pass used and why (absent when it failed before choosing). */
  surface?: SurfaceChoice['surface']
  surfaceReason?: SurfaceChoice['reason']
  /** The surface the tenant was on before this pass, when this pass switched it. */
  switchedFrom?: Surface
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
  const client = (s: Surface) => surfaceClient(o, s, { clock, ...(o.retry && { retry: o.retry }) })
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
  // Backoff goes on every stream the tenant may have, so it holds whichever surface it is on.
  const allStreams = [incidentsStream('legacy'), incidentsStream('graph'), ...(o.alerts ? [ALERTS_STREAM] : [])]
  const result: TenantSyncResult = { tenantId: o.tenantId, ok: true, nextRunAt: new Date(clock.now() + (o.intervalMs ?? 60_000)) }
  let current = incidentsStream(o.surface ?? 'graph')
  try {
    o.signal?.throwIfAborted()
    const tenant = await readTenant(o.db, o.tenantId)
    // A failure before the choice is recorded on the stream the tenant is on.
    current = incidentsStream(tenant?.api ?? tenant?.surface ?? o.surface ?? 'graph')
    const choice = await chooseSurface({
      tokenProvider: o.tokenProvider,
      tenantId: o.tenantId,
      wanted: o.surface ?? 'graph',
      pinned: tenant?.api ?? null,
      // Held on legacy last time: ask for a fresh Graph token, the admin may have consented since.
      recheck: tenant?.surface === 'legacy' && !tenant.api && (o.surface ?? 'graph') === 'graph',
      now: clock.now(),
      ...readinessSettings(o),
    })
    const surface = choice.surface
    Object.assign(result, { surface, surfaceReason: choice.reason })
    current = incidentsStream(surface)
    if (tenant?.surface !== surface) {
      // Continue from the other surface's watermark (no gap; the overlap re-read is a no-op upsert).
      await handOverStream(o.db, o.tenantId, incidentsStream(surface === 'graph' ? 'legacy' : 'graph'), current)
      const previous = await recordTenantSurface(o.db, o.tenantId, surface)
      if (previous) result.switchedFrom = previous
    }
    result.incidents = await syncIncidents({ ...common, client: client(surface) })
    // alerts_v2 needs the Graph consent too: a tenant held on legacy gets its alerts inside its incidents.
    if (o.alerts && choice.reason !== 'needs_graph_consent') {
      current = ALERTS_STREAM
      o.signal?.throwIfAborted()
      result.alerts = await syncAlerts({ ...common, client: client('graph') })
    }
    const lastSuccess = new Date(clock.now()).toISOString()
    // One transaction, so a health transition's event (migration 3 trigger) reaches the sinks the
    // daemon names in it, exactly once with the state it describes.
    await o.db.transaction(async (tx) => {
      for (const s of allStreams) await scheduleNextRun(tx, o.tenantId, s, result.nextRunAt)
      if (choice.reason === 'needs_graph_consent') await setTenantHealth(tx, o.tenantId, 'needs_graph_consent', { ...needsGraphConsentDetail(o.tenantId, choice.readiness!), lastSuccess })
      else await setTenantHealth(tx, o.tenantId, 'ok', { lastSuccess, surface })
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
        for (const s of allStreams) await scheduleNextRun(tx, o.tenantId, s, next)
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
