/**
 * A hunting query worker (pool.ts): runs executeQuery off the emulator's main thread, so a long
 * or heavy query never blocks the API, and its heap cap (resourceLimits) bounds what one query can
 * take. Tenants' tables are sent once per version and kept for the few tenants used last.
 */
import { parentPort } from 'node:worker_threads'
import type { Table } from '../../kql/index.js'
import { executeQuery, type QueryJob } from './query.js'

export interface WorkerRequest {
  id: number
  tenant: string
  /** Version of the tenant's tables (they are regenerated after a reset). */
  version: number
  /** Present when the worker asked for them (or the pool knows it lacks them). */
  tables?: Map<string, Table>
  job: QueryJob
}

/** Tenants whose tables a worker keeps (each is ~rowsPerTenant rows). */
const KEEP = 8
const cache = new Map<string, { version: number; tables: Map<string, Table> }>()

parentPort?.on('message', (msg: WorkerRequest) => {
  if (msg.tables) {
    cache.delete(msg.tenant)
    cache.set(msg.tenant, { version: msg.version, tables: msg.tables })
    for (const key of cache.keys()) if (cache.size > KEEP) cache.delete(key)
  }
  const entry = cache.get(msg.tenant)
  if (entry === undefined || entry.version !== msg.version) return parentPort!.postMessage({ id: msg.id, need: true })
  // most recently used last
  cache.delete(msg.tenant)
  cache.set(msg.tenant, entry)
  parentPort!.postMessage({ id: msg.id, outcome: executeQuery(entry.tables, msg.job) })
})
