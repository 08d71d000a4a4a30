import { systemClock, type Clock } from '../../lib/clock.js'
import {
  DefenderApiError,
  RetriesExhaustedError,
  incidentCreated,
  incidentId,
  incidentRedirectedTo,
  type AnyIncident,
  type DefenderClient,
  type Surface,
} from '../../defender/index.js'
import type { Database } from '../db/database.js'
import type { AlertRecord, IncidentRecord } from '../db/sql/commit_batch.js'
import { incidentRecord, nestedAlertRecords } from './records.js'
import { windowedPass, type PassProgress, type PassResult } from './windowed_pass.js'

export interface SyncPassOptions {
  db: Database
  client: DefenderClient<Surface>
  tenantId: string
  clock?: Clock
  /** How far back the first pass goes (default 30 days). */
  backfillDays?: number
  /** Re-read this much before the watermark on each pass (default 10 minutes). */
  overlapMs?: number
  pageSize?: number
  /** Pages per time window before the filter advances (default 10). */
  pagesPerWindow?: number
  /** Graph: ask for alerts with `$expand=alerts` (default true); falls back per incident on failure. */
  expandAlerts?: boolean
  onProgress?: (progress: PassProgress) => void
  /** Graceful stop between pages (the page in flight is committed, the cursor kept). */
  signal?: AbortSignal
}

/** Sync-state stream name: per surface, since each surface has its own watermark and cursor. */
export const incidentsStream = (surface: Surface) => `${surface}:incidents`
const DAY = 86_400_000

/**
 * Syncs a tenant's incidents and the alerts inside them, on either surface, into storage.
 * Merged incidents are followed: when an incident points at another (`redirectIncidentId`) that
 * the page does not hold, the target is fetched and stored with it (redirected incidents carry no
 * alerts, peers.md §3). On Graph, a page that keeps failing with `$expand=alerts` (a 500 on large
 * incidents, peers.md §4 item 8) is fetched without it and each incident's alerts are fetched on
 * their own; an incident whose alerts still fail is stored without them rather than stalling the
 * cursor (the failure is counted and its alerts come with its next update).
 */
export async function syncIncidents(o: SyncPassOptions): Promise<PassResult & { alertFallbacks: number; alertFailures: number; mergesFollowed: number }> {
  const surface = o.client.surface
  const clock = o.clock ?? systemClock
  let expand = surface === 'graph' && (o.expandAlerts ?? true)
  const extra = { alertFallbacks: 0, alertFailures: 0, mergesFollowed: 0 }
  const pageSize = o.pageSize ?? (surface === 'graph' ? 50 : 100)

  const toRecords = async (items: AnyIncident[]) => {
    let apiCalls = 0
    const incidents: IncidentRecord[] = []
    const alerts: AlertRecord[] = []
    const seen = new Set(items.map(incidentId))
    const all = [...items]
    for (const item of items) {
      const target = incidentRedirectedTo(item)
      if (target && !seen.has(target)) {
        seen.add(target)
        apiCalls++
        try {
          all.push((await o.client.getIncident(target, surface === 'graph' && expand ? { expandAlerts: true } : {})) as AnyIncident)
          extra.mergesFollowed++
        } catch (e) {
          // The target may be gone (retention) — the redirect itself is stored either way.
          if (!(e instanceof DefenderApiError && e.status === 404)) throw e
        }
      }
    }
    for (const incident of all) {
      incidents.push(incidentRecord(incident))
      if (surface === 'graph' && !expand && !incidentRedirectedTo(incident)) {
        apiCalls++
        try {
          const full = (await o.client.getIncident(incidentId(incident), { expandAlerts: true })) as AnyIncident
          alerts.push(...nestedAlertRecords(full))
        } catch (e) {
          if (!isServerError(e)) throw e
          extra.alertFailures++
        }
      } else {
        alerts.push(...nestedAlertRecords(incident))
      }
    }
    return { incidents, alerts, apiCalls }
  }

  const run = () =>
    windowedPass<AnyIncident>({
      db: o.db,
      tenantId: o.tenantId,
      source: surface,
      stream: incidentsStream(surface),
      clock,
      backfillMs: (o.backfillDays ?? 30) * DAY,
      overlapMs: o.overlapMs ?? 10 * 60_000,
      pageSize,
      pagesPerWindow: o.pagesPerWindow ?? 10,
      list: (w) =>
        o.client.listIncidents({
          filter: { lastUpdateTime: { ge: w.from }, ...(w.createdLe && { createdTime: { le: w.createdLe } }) },
          pageSize,
          ...(surface === 'graph' && { orderBy: 'createdDateTime desc', expandAlerts: expand }),
          ...(o.signal && { signal: o.signal }),
        }) as ReturnType<DefenderClient<Surface>['listIncidents']> as never,
      created: incidentCreated,
      toRecords,
      // Legacy: never guess the end from the page length — pagedList drops incidents repeated by
      // shifting offsets, so a short page may be followed by more; skipPages ends the listing
      // itself (a short raw page) and windowedPass then commits the watermark. Found by the
      // SIGKILL crash-safety test (test/sync/process/crash_safety.test.ts).
      isLastPage: (page) => surface === 'graph' && !page.nextLink,
      ...(o.onProgress && { onProgress: o.onProgress }),
      ...(o.signal && { signal: o.signal }),
    })

  try {
    return { ...(await run()), ...extra }
  } catch (e) {
    if (!(expand && isServerError(e)) || o.signal?.aborted) throw e
    // `$expand=alerts` keeps failing: resume the same pass without it (the cursor is kept).
    expand = false
    extra.alertFallbacks++
    return { ...(await run()), ...extra }
  }
}

function isServerError(e: unknown): boolean {
  if (e instanceof RetriesExhaustedError) return (e.lastStatus ?? 0) >= 500
  return e instanceof DefenderApiError && e.status >= 500
}
