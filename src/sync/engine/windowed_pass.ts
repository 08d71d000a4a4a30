import type { Clock } from '../../lib/clock.js'
import type { PagedList } from '../../defender/index.js'
import type { Database } from '../db/database.js'
import { commitBatch, type AlertRecord, type IncidentRecord } from '../db/sql/commit_batch.js'
import { readSyncState } from '../db/sql/sync_state.js'

/**
 * One incremental pass over a stream, shared by incidents (both surfaces) and Graph alerts_v2.
 *
 * Loss and duplicate rules (peers.md §4 item 7, §6.1 item 1):
 * - The filter is `lastUpdate ge (watermark − overlap)`: `ge`, not `gt`, so records sharing the
 *   watermark's timestamp are never dropped, and the overlap absorbs clock skew and late
 *   visibility. Re-delivered records are no-ops (storage upserts are idempotent).
 * - The new watermark is the pass's START time, written in the transaction of the last page: any
 *   record updated while the pass ran has a later update time and is caught by the next pass.
 * - Paging advances the time filter instead of an ever-growing `$skip`/nextLink: after
 *   `pagesPerWindow` pages the next window adds `created le <oldest created seen>`. This is only
 *   sound when the server returns records newest-created first, so it is done only while the pages
 *   observed are in that order; otherwise plain paging continues.
 * - Every page commits with a cursor, so a crash resumes the interrupted pass (same start time)
 *   instead of starting over; the watermark moves only once the whole pass is stored.
 */
export interface WindowCursor {
  runStart: string
  from: string
  createdLe: string | null
}

export interface PassProgress {
  tenantId: string
  stream: string
  pages: number
  records: number
  /** Oldest creation time reached so far (backfill progress), epoch ms. */
  oldestCreated?: number
  /** The stream's first pass (no watermark yet): a backfill, not an incremental pass. */
  backfill: boolean
  /** Incidents inserted or updated and alerts written so far (what `pass.finished` reports as records). */
  stored: number
  from: string
  runStart: string
}

export interface PassResult {
  pages: number
  records: number
  inserted: number
  updated: number
  unchanged: number
  alerts: number
  watermark: string
  resumed: boolean
}

export interface WindowedPassOptions<T> {
  db: Database
  tenantId: string
  source: 'legacy' | 'graph'
  stream: string
  clock: Clock
  backfillMs: number
  overlapMs: number
  pageSize: number
  pagesPerWindow: number
  list(window: { from: string; createdLe: string | null }): PagedList<T>
  created(item: T): number
  /** Turns one page into storage records (may fetch more: merge targets, per-incident alerts). */
  toRecords(items: T[]): Promise<{ incidents: IncidentRecord[]; alerts: AlertRecord[]; apiCalls: number }>
  isLastPage(page: { items: T[]; nextLink?: string | undefined }): boolean
  onProgress?: (progress: PassProgress) => void
  /** Stops the pass between pages (graceful shutdown): the page in flight is committed first. */
  signal?: AbortSignal
}

export async function windowedPass<T>(o: WindowedPassOptions<T>): Promise<PassResult> {
  const state = await readSyncState(o.db, o.tenantId, o.stream)
  const resumed = isCursor(state?.cursor)
  const now = o.clock.now()
  const cursor: WindowCursor = resumed
    ? { ...(state!.cursor as WindowCursor) }
    : {
        runStart: new Date(now).toISOString(),
        from: new Date(state?.watermark ? state.watermark.getTime() - o.overlapMs : now - o.backfillMs).toISOString(),
        createdLe: null,
      }
  const result: PassResult = { pages: 0, records: 0, inserted: 0, updated: 0, unchanged: 0, alerts: 0, watermark: cursor.runStart, resumed }
  let oldestCreated: number | undefined

  const commit = async (incidents: IncidentRecord[], alerts: AlertRecord[], apiCalls: number, final: boolean) => {
    const r = await commitBatch(o.db, {
      tenantId: o.tenantId,
      source: o.source,
      incidents,
      alerts,
      state: final
        ? { stream: o.stream, watermark: cursor.runStart, cursor: null, backfillDone: true, apiCalls }
        : { stream: o.stream, cursor, apiCalls },
    })
    result.inserted += r.incidentsInserted
    result.updated += r.incidentsUpdated
    result.unchanged += r.incidentsUnchanged
    result.alerts += r.alertsWritten
  }

  for (;;) {
    let pagesInWindow = 0
    let newestFirst = true
    let previousCreated = Infinity
    let windowOldest = Infinity
    let finished = true
    for await (const page of o.list({ from: cursor.from, createdLe: cursor.createdLe }).pages()) {
      pagesInWindow++
      result.pages++
      result.records += page.items.length
      for (const item of page.items) {
        const c = o.created(item)
        if (c > previousCreated) newestFirst = false
        previousCreated = c
        if (c < windowOldest) windowOldest = c
      }
      oldestCreated = Math.min(oldestCreated ?? Infinity, windowOldest)
      const { incidents, alerts, apiCalls } = await o.toRecords(page.items)
      const last = o.isLastPage(page)
      await commit(incidents, alerts, apiCalls + 1, last)
      o.onProgress?.({ tenantId: o.tenantId, stream: o.stream, pages: result.pages, records: result.records, oldestCreated, backfill: !state?.watermark, stored: result.inserted + result.updated + result.alerts, from: cursor.from, runStart: cursor.runStart })
      if (last) return result
      o.signal?.throwIfAborted()
      const createdLe = new Date(windowOldest).toISOString()
      if (pagesInWindow >= o.pagesPerWindow && newestFirst && Number.isFinite(windowOldest) && createdLe !== cursor.createdLe) {
        // Next window: same lower bound on update time, older creation times only.
        cursor.createdLe = createdLe
        await commit([], [], 0, false)
        finished = false
        break
      }
    }
    if (finished) {
      // The last page was full and the next fetch came back empty: everything is stored.
      await commit([], [], 0, true)
      return result
    }
  }
}

function isCursor(value: unknown): value is WindowCursor {
  const c = value as WindowCursor | null
  return !!c && typeof c.runStart === 'string' && typeof c.from === 'string' && (c.createdLe === null || typeof c.createdLe === 'string')
}
