/**
 * Runs one hunting query for a tenant over its tables seen through a time window, with the
 * documented limits (limits.ts), and renders the result as the API does: `Schema` types in .NET
 * names and `Results` as one object per row with datetimes in Kusto's 7-digit ISO form
 * (defender-api.md §3.1).
 */
import { performance } from 'node:perf_hooks'
import { formatDatetime, formatTimespan, KqlEngine, KqlError, type ScalarType, type Table } from '../../kql/index.js'
import { systemClock } from '../../lib/clock.js'
import { huntingSchema, type HuntingStore } from './store.js'

/**
 * KQL type → API `Schema[].Type`. Only `DateTime` and `String` are evidenced (§3.1 examples); the
 * rest follow the .NET type names the service is built on (§3.7 "by analogy", unverified).
 */
export const API_TYPE_NAMES: Readonly<Record<ScalarType, string>> = {
  datetime: 'DateTime',
  string: 'String',
  long: 'Int64',
  int: 'Int32',
  bool: 'Boolean',
  real: 'Double',
  decimal: 'Decimal',
  timespan: 'TimeSpan',
  guid: 'Guid',
  dynamic: 'Object',
  unknown: 'Object',
}

/** Why a query did not produce a result; routes turn these into the surface's error body. */
export class HuntingQueryError extends Error {
  constructor(
    readonly status: number,
    readonly apiCode: string,
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message)
  }
}

export interface HuntingResult {
  columns: { name: string; type: ScalarType }[]
  rows: Record<string, unknown>[]
  /** Rows the query produced before the row cap. */
  producedRows: number
  cpuMs: number
  elapsedMs: number
  tableRowCount: number
}

const TIMEOUT = 'Query exceeded the timeout period.'

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

export function runHuntingQuery(store: HuntingStore, tenantId: string, query: string, window: { start: number; end: number }, now: number): HuntingResult {
  const limits = store.limits
  const engine = new KqlEngine({ schema: huntingSchema(), tables: windowed(store.tables(tenantId), window.start, window.end), externalData: (uri) => store.readExternal(uri), clock: { now: () => now, sleep: systemClock.sleep }, maxRows: limits.maxIntermediateRows })
  const started = performance.now()
  let table: Table
  try {
    table = engine.bind(query).run()
  } catch (e) {
    // Syntax and semantic errors keep the engine's Kusto-like message with its line and column.
    if (e instanceof KqlError) throw new HuntingQueryError(400, 'BadRequest', e.code === 'ERR_KQL_SYNTAX' ? `Syntax error: A recognition error occurred. ${e.message}` : e.message)
    if (e instanceof RangeError) throw new HuntingQueryError(400, 'BadRequest', `Query stopped due to excessive resource consumption. (${e.message})`)
    throw new HuntingQueryError(500, 'InternalServerError', 'An unexpected error occurred during query execution. Please try again in a few minutes.')
  }
  const elapsedMs = performance.now() - started
  const cpuMs = elapsedMs * limits.cpuScale
  if (limits.enabled) store.cpu.charge(tenantId, [{ limit: limits.cpuQuotaMs, windowMs: limits.cpuWindowMs }], now, cpuMs)
  if (cpuMs > limits.timeoutMs) throw new HuntingQueryError(400, 'BadRequest', TIMEOUT)
  const n = Math.min(table.rowCount, limits.maxRows)
  const rows: Record<string, unknown>[] = new Array(n)
  const cols = table.columns
  const renderers = cols.map((c) => renderer(c.type))
  for (let r = 0; r < n; r++) {
    const row: Record<string, unknown> = {}
    for (let c = 0; c < cols.length; c++) row[cols[c]!.name] = renderers[c]!(table.data[c]![r])
    rows[r] = row
  }
  let tableRowCount = 0
  for (const t of store.tables(tenantId).values()) tableRowCount += t.rowCount
  return { columns: cols.map((c) => ({ name: c.name, type: c.type })), rows, producedRows: table.rowCount, cpuMs, elapsedMs, tableRowCount }
}

function renderer(type: ScalarType): (v: unknown) => unknown {
  if (type === 'datetime') return (v) => (typeof v === 'number' ? formatDatetime(v) : null)
  if (type === 'timespan') return (v) => (typeof v === 'number' ? formatTimespan(v) : null)
  if (type === 'real') return (v) => (typeof v === 'number' && !Number.isFinite(v) ? (Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity') : v)
  return (v) => (v === undefined ? null : v)
}

/** Legacy `Stats` (shape of the documented example; CPU values as .NET TimeSpan strings). */
export function legacyStats(r: HuntingResult, resultBytes: number): Record<string, unknown> {
  return {
    ExecutionTime: Math.round(r.elapsedMs * 1000) / 1e6,
    resource_usage: {
      cache: { memory: { hits: r.tableRowCount, misses: 0, total: r.tableRowCount }, disk: { hits: 0, misses: 0, total: 0 } },
      cpu: { user: formatTimespan(r.cpuMs), kernel: '00:00:00', 'total cpu': formatTimespan(r.cpuMs) },
      memory: { peak_per_node: resultBytes },
    },
    dataset_statistics: [{ table_row_count: r.rows.length, table_size: resultBytes }],
  }
}
