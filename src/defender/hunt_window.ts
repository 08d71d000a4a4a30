/**
 * How a time window [start, end) is applied to a hunting query (docs/hunting.md "Time ranges"):
 * - Graph: the documented `Timespan` parameter, `"<start>/<end>"` in ISO 8601
 *   (microsoft-graph-docs-contrib security-security-runhuntingquery.md, "Date/Date").
 * - Legacy: the API has no such parameter, so the query's source table is filtered:
 *   `T | …` becomes `T | where Timestamp >= datetime(start) and Timestamp < datetime(end) | …`.
 *   Only queries that begin with a table name (after comments) can be rewritten; `let`, `union`
 *   and friends fail with ERR_HUNT_TIME_RANGE before any call.
 * Half-open windows, so rows on a split boundary are counted once.
 */
import type { Surface } from './call.js'
import type { DateInput } from './filter.js'
import { HuntTimeRangeError } from './hunt_errors.js'

export interface TimeRange {
  start: DateInput
  /** Default: now. */
  end?: DateInput
}

export interface Window {
  start: number
  end: number
}

const NOT_A_TABLE = new Set(['let', 'union', 'datatable', 'print', 'range', 'search', 'find', 'externaldata', 'evaluate', 'set', 'declare', 'materialize', 'invoke', 'table'])

function ms(value: DateInput, what: string): number {
  const v = value instanceof Date ? value.getTime() : typeof value === 'number' ? value : Date.parse(value)
  if (!Number.isFinite(v)) throw new HuntTimeRangeError(`invalid ${what} of the time range: ${String(value).slice(0, 40)}`, 'use a Date, epoch milliseconds or an ISO-8601 date-time')
  return v
}

export function toWindow(range: TimeRange, now: number): Window {
  const start = ms(range.start, 'start')
  const end = range.end === undefined ? now : ms(range.end, 'end')
  if (!(start < end)) throw new HuntTimeRangeError('the time range is empty: start must be before end', 'e.g. { start: "2026-01-01T00:00:00Z", end: "2026-01-08T00:00:00Z" }')
  return { start, end }
}

/** 7-digit ISO, as Kusto writes datetimes. */
function kustoDate(t: number): string {
  return new Date(t).toISOString()
}

/** The request parameters that apply `window` on `surface`. */
export function applyWindow(query: string, surface: Surface, window: Window): { query: string; timespan?: string } {
  if (surface === 'graph') return { query, timespan: `${kustoDate(window.start)}/${kustoDate(window.end)}` }
  const m = /^((?:\s+|\/\/[^\n]*(?:\n|$))*)([A-Za-z_][A-Za-z0-9_]*)(?=\s*(?:\||$))/.exec(query)
  if (!m || NOT_A_TABLE.has(m[2]!.toLowerCase()))
    throw new HuntTimeRangeError(
      'a time range on the legacy API needs a query that starts with a table name (e.g. "DeviceProcessEvents | where …")',
      'use the Graph API (--api graph, which sends the range as Timespan), or filter on Timestamp in the query yourself and drop the time range',
    )
  const head = m[0]
  const filter = ` | where Timestamp >= datetime(${kustoDate(window.start)}) and Timestamp < datetime(${kustoDate(window.end)})`
  return { query: head + filter + query.slice(head.length) }
}

/** Splits a window into two halves (on a whole millisecond). */
export function bisect(w: Window): [Window, Window] {
  const mid = w.start + Math.floor((w.end - w.start) / 2)
  return [{ start: w.start, end: mid }, { start: mid, end: w.end }]
}

/** Fixed windows of `size` ms covering `w` (the last one may be shorter). */
export function chunk(w: Window, size: number | undefined): Window[] {
  if (!size || size <= 0 || size >= w.end - w.start) return [w]
  const out: Window[] = []
  for (let s = w.start; s < w.end; s += size) out.push({ start: s, end: Math.min(w.end, s + size) })
  return out
}
