/**
 * One hunting query, end to end, as a pure function of its inputs: the tenant's tables seen
 * through the time window, the engine under the documented limits, and the rendering of the rows
 * as the API returns them (datetimes in Kusto's 7-digit ISO form, defender-api.md §3.1). It runs
 * in a worker thread (worker.ts, pool.ts), so it takes plain data and returns plain data.
 */
import { readFileSync } from 'node:fs'
import { performance } from 'node:perf_hooks'
import { formatDatetime, formatTimespan, KqlEngine, KqlError, type ScalarType, type Table } from '../../kql/index.js'
import type { HuntingLimits } from './limits.js'
import { huntingSchema, type ExternalSource } from './schema.js'

export interface QueryJob {
  query: string
  window: { start: number; end: number }
  /** `now()` of the run (the emulator's clock). */
  now: number
  limits: HuntingLimits
  externalData: [string, ExternalSource][]
}

/**
 * The outcome of a job; an error carries the API status, code and message. The messages are the
 * service's (Learn, advanced-hunting-errors); which HTTP status the API sends with them is not
 * documented for either surface (defender-api.md §8 q9): 400 `BadRequest`, like every other query
 * error, is this emulator's choice; an unknown failure is 500 `InternalServerError`.
 */
export type QueryOutcome =
  | { ok: true; columns: { name: string; type: ScalarType }[]; rows: Record<string, unknown>[]; producedRows: number; elapsedMs: number }
  | { ok: false; status: number; apiCode: string; message: string; elapsedMs: number }

export const TIMEOUT_MESSAGE = 'Query exceeded the timeout period.'
/** Learn, "Handle advanced hunting errors" (defender-api.md §3.4). */
export const RESOURCES_MESSAGE = 'Query stopped due to excessive resource consumption.'
export const UNKNOWN_MESSAGE = 'An unexpected error occurred during query execution. Please try again in a few minutes.'

/**
 * The engine's own deadline: the charged CPU time is run time × cpuScale, so a query stops when
 * its charge would pass the 3-minute timeout (limits.ts).
 */
export function engineTimeoutMs(limits: HuntingLimits): number {
  return limits.cpuScale > 0 ? limits.timeoutMs / limits.cpuScale : Number.POSITIVE_INFINITY
}

export function executeQuery(tables: Map<string, Table>, job: QueryJob): QueryOutcome {
  const { limits } = job
  const sources = new Map(job.externalData)
  const timeoutMs = engineTimeoutMs(limits)
  const started = performance.now()
  const elapsed = (): number => performance.now() - started
  try {
    const engine = new KqlEngine({
      schema: huntingSchema(),
      tables: windowed(tables, job.window.start, job.window.end),
      externalData: (uri) => {
        const source = sources.get(uri)
        return source === undefined ? undefined : typeof source === 'string' ? source : readFileSync(source.file, 'utf8')
      },
      clock: { now: () => job.now, sleep: () => Promise.resolve() },
      maxRows: limits.maxIntermediateRows,
      maxValues: limits.maxIntermediateValues,
      ...(Number.isFinite(timeoutMs) && { timeoutMs }),
    })
    const table = engine.bind(job.query).run()
    const n = Math.min(table.rowCount, limits.maxRows)
    const rows: Record<string, unknown>[] = new Array(n)
    const cols = table.columns
    const renderers = cols.map((c) => renderer(c.type))
    for (let r = 0; r < n; r++) {
      const row: Record<string, unknown> = {}
      for (let c = 0; c < cols.length; c++) row[cols[c]!.name] = renderers[c]!(table.data[c]![r])
      rows[r] = row
    }
    return { ok: true, columns: cols.map((c) => ({ name: c.name, type: c.type })), rows, producedRows: table.rowCount, elapsedMs: elapsed() }
  } catch (e) {
    // Syntax and semantic errors keep the engine's Kusto-like message with its line and column;
    // a limit keeps "Query stopped. Adjust use of the <operator> operator …" (budget.ts).
    if (e instanceof KqlError) {
      const message = e.code === 'ERR_KQL_SYNTAX' ? `Syntax error: A recognition error occurred. ${e.message}` : e.code === 'ERR_KQL_TIMEOUT' ? TIMEOUT_MESSAGE : e.message
      return { ok: false, status: 400, apiCode: 'BadRequest', message, elapsedMs: elapsed() }
    }
    // V8's own limits (string or array length, call stack) are resource limits too.
    if (e instanceof RangeError) return { ok: false, status: 400, apiCode: 'BadRequest', message: `${RESOURCES_MESSAGE} (${e.message})`, elapsedMs: elapsed() }
    return { ok: false, status: 500, apiCode: 'InternalServerError', message: UNKNOWN_MESSAGE, elapsedMs: elapsed() }
  }
}

/** Tables restricted to [start, end): a binary search over the Timestamp-sorted columns. */
function windowed(tables: Map<string, Table>, start: number, end: number): (name: string) => Table | undefined {
  const cache = new Map<string, Table>()
  return (name) => {
    const t = tables.get(name)
    if (!t) return undefined
    const ts = t.columns.findIndex((c) => c.name === 'Timestamp')
    if (ts < 0) return t
    let v = cache.get(name)
    if (!v) {
      const times = t.data[ts] as number[]
      const lo = lowerBound(times, start)
      const hi = lowerBound(times, end)
      v = lo === 0 && hi === t.rowCount ? t : { columns: t.columns, data: t.data.map((c) => c.slice(lo, hi)), rowCount: hi - lo }
      cache.set(name, v)
    }
    return v
  }
}

function lowerBound(a: number[], x: number): number {
  let lo = 0
  let hi = a.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (a[mid]! < x) lo = mid + 1
    else hi = mid
  }
  return lo
}

function renderer(type: ScalarType): (v: unknown) => unknown {
  if (type === 'datetime') return (v) => (typeof v === 'number' ? formatDatetime(v) : null)
  if (type === 'timespan') return (v) => (typeof v === 'number' ? formatTimespan(v) : null)
  if (type === 'real') return (v) => (typeof v === 'number' && !Number.isFinite(v) ? (Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity') : v)
  return (v) => (v === undefined ? null : v)
}
