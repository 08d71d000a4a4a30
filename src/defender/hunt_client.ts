/**
 * `hunt(query, options)` on both surfaces through the same pipeline as the incidents client
 * (retry/timeout → authorization → rate limit on the `hunting` group → transport), plus:
 * typed rows (hunt.ts), the row and size guards, and — given a time range — windows: the range is
 * cut into `windowMs` pieces and any window whose result hits the 100,000-row cap or the size cap
 * is halved and re-run, down to `minWindowMs` (hunt_window.ts says how a window is applied).
 */
import type { Clock } from '../lib/clock.js'
import { M365dArgumentError } from '../lib/errors.js'
import type { Surface } from './call.js'
import { clientPipeline, type DefenderClientOptions } from './client.js'
import { GRAPH_MAX_RESULT_BYTES, huntRequest, MAX_HUNT_ROWS, processHuntResponse, type HuntColumn, type HuntResponse, type HuntRow, type HuntTyping } from './hunt.js'
import { HuntResultTooLargeError, HuntRowLimitError, HuntTimeRangeError } from './hunt_errors.js'
import { parseTimespan } from './timespan.js'
import { applyWindow, bisect, chunk, toWindow, type TimeRange, type Window } from './hunt_window.js'
import type { Execute } from './retry.js'

/** "If a single request runs for more than three minutes, it times out" (§3.2): wait a little longer than that. */
export const HUNT_ATTEMPT_TIMEOUT_MS = 200_000

export interface HuntOptions extends HuntTyping {
  /** Restrict the query to [start, end) — Graph `Timespan`, legacy table filter (hunt_window.ts). */
  timeRange?: TimeRange
  /**
   * The range as a Graph `Timespan` text instead: `P7D`, `PT12H`, `2026-01-01T00:00:00Z/2026-01-08T00:00:00Z`,
   * `P30D/2026-01-31T00:00:00Z`, `2026-01-01T00:00:00Z/P7D` or one start date (timespan.ts, the
   * parser the emulator uses too). Checked before any call; exclusive with `timeRange`. Neither
   * given: the service's default, the last 30 days.
   */
  timespan?: string
  /** Run the range as fixed windows of this size from the start (default: one window). */
  windowMs?: number
  /** Smallest window a split may produce (default 60,000 ms). */
  minWindowMs?: number
  /**
   * What to do when a result has 100,000 rows (the cap: probably cut off). `split` (default with a
   * time range): halve the window and re-run; `error` (default without): ERR_HUNT_ROW_LIMIT;
   * `truncate`: accept the rows, `truncated: true`. Splitting suits row-level queries; a query
   * that aggregates across rows (summarize, dcount, top) gives per-window partial results.
   */
  rowLimit?: 'split' | 'error' | 'truncate'
  /** Row cap of the API (default 100,000). */
  maxRows?: number
  /** Response size guard in bytes (default 50 MB on Graph, none on legacy). */
  maxBytes?: number
  signal?: AbortSignal
  /** Called after each window with its row count (progress reporting). */
  onWindow?: (info: { window: Window | undefined; rows: number; split: boolean }) => void
}

export interface HuntResult<R = HuntRow> {
  schema: HuntColumn[]
  rows: R[]
  /** Some rows may be missing: a window hit the row cap and `rowLimit` was `truncate` or could not split further. */
  truncated: boolean
  /** Requests made (windows run, splits included). */
  requests: number
  /** CPU time the queries used, summed over windows (legacy `Stats` only). */
  cpuMs?: number
  /** Legacy `Stats` of each request. */
  stats: Record<string, unknown>[]
}

export type HuntingClientOptions<S extends Surface = Surface> = DefenderClientOptions<S>

export class HuntingClient<S extends Surface = 'graph'> {
  readonly surface: S
  readonly tenant: string
  readonly baseUrl: string
  readonly #execute: Execute
  readonly #clock: Clock

  constructor(options: HuntingClientOptions<S>) {
    const p = clientPipeline(options, HUNT_ATTEMPT_TIMEOUT_MS)
    this.surface = p.surface
    this.tenant = p.tenant
    this.baseUrl = p.baseUrl
    this.#clock = p.clock
    this.#execute = p.execute
  }

  /** Runs one query (in windows when `timeRange` is given); rows typed from the response schema. */
  async hunt<R = HuntRow>(query: string, options: HuntOptions = {}): Promise<HuntResult<R>> {
    if (typeof query !== 'string' || query.trim() === '') throw new M365dArgumentError('the query is empty', { hint: 'pass KQL, e.g. "DeviceProcessEvents | take 10"' })
    const maxRows = options.maxRows ?? MAX_HUNT_ROWS
    const maxBytes = options.maxBytes ?? (this.surface === 'graph' ? GRAPH_MAX_RESULT_BYTES : undefined)
    const rowLimit = options.rowLimit ?? (options.timeRange || options.timespan !== undefined ? 'split' : 'error')
    const minWindowMs = options.minWindowMs ?? 60_000
    const out: HuntResult<R> = { schema: [], rows: [], truncated: false, requests: 0, stats: [] }
    if (options.timespan !== undefined && options.timeRange) throw new M365dArgumentError('timespan and timeRange are exclusive', { hint: 'pass one of them' })
    const whole = options.timespan !== undefined ? spanWindow(options.timespan, this.#clock.now()) : options.timeRange ? toWindow(options.timeRange, this.#clock.now()) : undefined
    // Validate the rewrite before any call (a legacy query that cannot take a window fails here).
    if (whole) applyWindow(query, this.surface, whole)

    const once = async (w: Window | undefined): Promise<HuntResponse> => {
      const applied = w ? applyWindow(query, this.surface, w) : { query }
      const request = huntRequest({ baseUrl: this.baseUrl, surface: this.surface, ...applied })
      out.requests++
      return this.#execute(request, (r) => processHuntResponse(r, this.surface, request.url, { ...options, ...(maxBytes !== undefined && { maxBytes }) }), options.signal ? { signal: options.signal } : {})
    }
    const canSplit = (w: Window | undefined): boolean => rowLimit === 'split' && w !== undefined && w.end - w.start >= 2 * minWindowMs

    const run = async (w: Window | undefined): Promise<void> => {
      let res: HuntResponse
      try {
        res = await once(w)
      } catch (e) {
        if (e instanceof HuntResultTooLargeError && canSplit(w)) {
          options.onWindow?.({ window: w, rows: 0, split: true })
          for (const half of bisect(w!)) await run(half)
          return
        }
        throw e
      }
      if (res.rows.length >= maxRows) {
        if (canSplit(w)) {
          options.onWindow?.({ window: w, rows: res.rows.length, split: true })
          for (const half of bisect(w!)) await run(half)
          return
        }
        if (rowLimit !== 'truncate') throw new HuntRowLimitError(res.rows.length, w ? `window ${new Date(w.start).toISOString()}..${new Date(w.end).toISOString()} cannot be split below ${minWindowMs} ms` : 'no time range to split')
        out.truncated = true
      }
      if (out.schema.length === 0) out.schema = res.schema
      for (const row of res.rows) out.rows.push(row as R)
      if (res.stats) out.stats.push(res.stats)
      if (res.cpuMs !== undefined) out.cpuMs = (out.cpuMs ?? 0) + res.cpuMs
      options.onWindow?.({ window: w, rows: res.rows.length, split: false })
    }

    if (!whole) await run(undefined)
    else for (const w of chunk(whole, options.windowMs)) await run(w)
    return out
  }
}

function spanWindow(text: string, now: number): Window {
  const w = typeof text === 'string' ? parseTimespan(text, now) : undefined
  if (!w) throw new HuntTimeRangeError(`invalid timespan "${String(text).slice(0, 60)}"`, 'use ISO 8601: P7D, PT12H, 2026-01-01T00:00:00Z/2026-01-08T00:00:00Z, P30D/<end> or <start>/P7D')
  return w
}

/** One-shot helper: `hunt(query, { tokenProvider, tenant, surface, …, timeRange })`. */
export function hunt<R = HuntRow>(query: string, options: HuntingClientOptions & HuntOptions): Promise<HuntResult<R>> {
  return new HuntingClient(options).hunt<R>(query, options)
}
