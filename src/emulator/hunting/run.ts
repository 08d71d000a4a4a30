/**
 * Runs one hunting query for a tenant (query.ts, on a worker of pool.ts) with the documented
 * limits (limits.ts); the API's `Schema` type names and the legacy `Stats` object.
 */
import { formatTimespan, type ScalarType } from '../../kql/index.js'
import { engineTimeoutMs, executeQuery, TIMEOUT_MESSAGE, type QueryJob } from './query.js'
import type { HuntingStore } from './store.js'

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

/**
 * Runs one query for a tenant on the store's worker pool (pool.ts) and charges its run time to the
 * tenant's CPU quota — failed runs too, since they used it. The worker stops the engine at the
 * timeout (budget.ts); the pool's hard timeout, a little later, ends a worker that did not stop.
 */
export async function runHuntingQuery(store: HuntingStore, tenantId: string, query: string, window: { start: number; end: number }, now: number): Promise<HuntingResult> {
  const limits = store.limits
  const job: QueryJob = { query, window, now, limits: { ...limits }, externalData: [...store.externalData] }
  const { version, tables } = store.versioned(tenantId)
  const pool = store.pool
  const engineMs = engineTimeoutMs(limits)
  // the pool's hard timeout: the engine's deadline, or the 3 minutes when cpuScale is 0 (no deadline)
  const hardMs = Number.isFinite(engineMs) ? engineMs : limits.timeoutMs
  const outcome = pool ? await pool.run(tenantId.toLowerCase(), version, () => tables, job, hardMs) : executeQuery(tables, job)
  const cpuMs = outcome.elapsedMs * limits.cpuScale
  if (limits.enabled) store.cpu.charge(tenantId, [{ limit: limits.cpuQuotaMs, windowMs: limits.cpuWindowMs }], now, cpuMs)
  if (!outcome.ok) throw new HuntingQueryError(outcome.status, outcome.apiCode, outcome.message)
  if (cpuMs > limits.timeoutMs) throw new HuntingQueryError(400, 'BadRequest', TIMEOUT_MESSAGE)
  let tableRowCount = 0
  for (const t of tables.values()) tableRowCount += t.rowCount
  return { columns: outcome.columns, rows: outcome.rows, producedRows: outcome.producedRows, cpuMs, elapsedMs: outcome.elapsedMs, tableRowCount }
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
