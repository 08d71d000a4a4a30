import type { Clock } from '../../lib/clock.js'
import type { RateLimiter, TokenSource } from '../../defender/index.js'
import type { Database } from '../db/database.js'
import { classifyError } from '../engine/classify_error.js'
import { syncTenant, type TenantSyncResult } from '../engine/sync_tenant.js'
import type { SyncSettings } from '../settings.js'
import { passContext } from './context.js'
import type { DaemonMetrics } from './daemon_metrics.js'
import type { DaemonEvent } from './events.js'
import { fencedDatabase } from './fenced_db.js'
import type { LeaseKeeper } from './lease_keeper.js'
import { dueTenants } from './schedule_sql.js'

/** Where the APIs are (default: the commercial cloud, chosen by the engine). */
export interface ApiEndpoints {
  defenderApi?: string | undefined
  graphApi?: string | undefined
  defenderResource?: string | undefined
  graphResource?: string | undefined
  /** Identity host, for the Graph consent link of a tenant held on legacy (default the commercial one). */
  authorityHost?: string | undefined
}

export interface SchedulerDeps {
  /** The daemon the passes run for (attributes diagnostics events through {@link passContext}). */
  owner: object
  db: Database
  tokenProvider: TokenSource
  endpoints: ApiEndpoints
  fetch: typeof fetch | undefined
  clock: Clock
  settings: SyncSettings
  workerId: string
  /** One limiter for every tenant of the app (its keys include the tenant); undefined = limits off. */
  limiter: RateLimiter | undefined
  streams: string[]
  leases: LeaseKeeper
  metrics: DaemonMetrics
  emit: (e: DaemonEvent) => void
  /** Whether new passes may start (false once the daemon is stopping). */
  accepting: () => boolean
}

interface Running {
  controller: AbortController
  promise: Promise<TenantSyncResult>
}

/**
 * Which tenant runs when (issue 4 §3): a bounded pool of passes over the tenants this worker
 * leases, due ones first (least recently run), each pass with its own abort (lease lost, time
 * slice, stop) and a database handle fenced by the lease.
 */
export class Scheduler {
  readonly running = new Map<string, Running>()
  /** Called when a pass ends and frees a slot (the lifecycle wakes the schedule loop). */
  onSlotFree: (() => void) | undefined

  constructor(private readonly d: SchedulerDeps) {}

  /** Leases, then fills the free pool slots with due tenants. */
  async tick(): Promise<void> {
    const d = this.d
    await d.leases.acquire()
    const free = d.settings.concurrency - this.running.size
    if (free <= 0) return
    const candidates = [...d.leases.held].filter((t) => !this.running.has(t))
    const due = await dueTenants(d.db, { tenantIds: candidates, streams: d.streams, now: new Date(d.clock.now()) })
    for (const t of due.slice(0, free)) if (d.accepting()) this.launch(t)
  }

  /**
   * One pass over every due tenant this worker leases (leasing up to its share first), through the
   * pool; resolves with each pass's result. `tenants` narrows it; `force` ignores `next_run_at`.
   */
  async runOnce(options: { tenants?: string[]; force?: boolean } = {}): Promise<TenantSyncResult[]> {
    const d = this.d
    await d.leases.acquire()
    const only = options.tenants?.map((t) => t.toLowerCase())
    const held = [...d.leases.held].filter((t) => !only || only.includes(t))
    const due = options.force ? held : await dueTenants(d.db, { tenantIds: held, streams: d.streams, now: new Date(d.clock.now()) })
    const queue = due.filter((t) => !this.running.has(t))
    const results: TenantSyncResult[] = []
    const worker = async () => {
      for (let t = queue.shift(); t !== undefined; t = queue.shift()) results.push(await this.launch(t).promise)
    }
    await Promise.all(Array.from({ length: Math.min(d.settings.concurrency, queue.length) }, worker))
    return results.sort((a, b) => a.tenantId.localeCompare(b.tenantId))
  }

  /** Aborts every running pass BETWEEN pages (the page in flight is committed with its cursor). */
  abortAll(reason: Error): void {
    for (const r of this.running.values()) r.controller.abort(reason)
  }

  /** Waits for running passes until the deadline; returns the tenants still running then. */
  async settle(deadline: number): Promise<string[]> {
    const all = Promise.allSettled([...this.running.values()].map((r) => r.promise))
    let timer: NodeJS.Timeout | undefined
    await Promise.race([all, new Promise<void>((resolve) => (timer = setTimeout(resolve, Math.max(0, deadline - Date.now()))))])
    clearTimeout(timer)
    return [...this.running.keys()].sort()
  }

  launch(tenantId: string): Running {
    const d = this.d
    const s = d.settings
    const controller = new AbortController()
    const realStart = performance.now()
    d.emit({ type: 'pass.started', tenantId })
    const slice = new AbortController()
    if (s.maxPassMs > 0) d.clock.sleep(s.maxPassMs, slice.signal).then(() => controller.abort(new Error('time-slice')), () => undefined)
    const db = fencedDatabase(d.db, {
      tenantId,
      workerId: d.workerId,
      sinks: s.sinks.map((x) => x.name),
      onLeaseLost: () => controller.abort(new Error('lease-lost')),
    })
    const e = d.endpoints
    const promise = passContext
      .run({ daemon: d.owner, tenantId }, () =>
        syncTenant({
          db,
          tokenProvider: d.tokenProvider,
          tenantId,
          surface: s.surface,
          alerts: s.alerts,
          ...(e.defenderApi && { defenderApi: e.defenderApi }),
          ...(e.graphApi && { graphApi: e.graphApi }),
          ...(e.defenderResource && { defenderResource: e.defenderResource }),
          ...(e.graphResource && { graphResource: e.graphResource }),
          ...(e.authorityHost && { authorityHost: e.authorityHost }),
          ...(d.fetch && { fetch: d.fetch }),
          clock: d.clock,
          ...(d.limiter ? { rateLimiter: d.limiter } : { limits: false as const }),
          ...(s.retry && { retry: s.retry }),
          backfillDays: s.backfillDays,
          ...(s.overlapMs !== undefined && { overlapMs: s.overlapMs }),
          ...(s.pageSize !== undefined && { pageSize: s.pageSize }),
          intervalMs: s.intervalMs,
          onProgress: (p) =>
            d.emit({ type: 'pass.progress', tenantId, stream: p.stream, pages: p.pages, records: p.records, backfill: p.backfill, stored: p.stored, ...(p.oldestCreated !== undefined && { oldestCreated: p.oldestCreated }) }),
          signal: controller.signal,
        }),
      )
      // syncTenant records failures in the database; when even that fails (database gone), the
      // pass still ends as a failure instead of an unhandled rejection.
      .catch((err): TenantSyncResult => ({ tenantId, ok: false, error: classifyError(err), nextRunAt: new Date(d.clock.now()) }))
      .then((result) => {
        this.#finished(tenantId, result, controller.signal, performance.now() - realStart)
        return result
      })
      .finally(() => {
        slice.abort()
        this.running.delete(tenantId)
        this.onSlotFree?.()
      })
    const running = { controller, promise }
    this.running.set(tenantId, running)
    return running
  }

  #finished(tenantId: string, result: TenantSyncResult, signal: AbortSignal, durationMs: number): void {
    const d = this.d
    if (result.ok) {
      const incidents = (result.incidents?.inserted ?? 0) + (result.incidents?.updated ?? 0)
      const alerts = (result.incidents?.alerts ?? 0) + (result.alerts?.alerts ?? 0)
      d.metrics.recordsSynced(tenantId, 'incident', incidents)
      d.metrics.recordsSynced(tenantId, 'alert', alerts)
      d.emit({ type: 'pass.finished', tenantId, durationMs, records: incidents + alerts, nextRunAt: result.nextRunAt.toISOString() })
    } else if (result.error && !signal.aborted) {
      const e = result.error
      d.emit({ type: 'pass.failed', tenantId, durationMs, health: e.health, code: e.code, message: e.message, ...(e.hint && { hint: e.hint }), nextRunAt: result.nextRunAt.toISOString() })
    } else {
      const why = String((signal.reason as Error | undefined)?.message)
      d.emit({ type: 'pass.aborted', tenantId, durationMs, reason: why === 'lease-lost' ? 'lease-lost' : why === 'time-slice' ? 'time-slice' : 'stop' })
    }
  }
}
