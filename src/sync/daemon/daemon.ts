import { hostname } from 'node:os'
import { randomBytes } from 'node:crypto'
import { systemClock, type Clock } from '../../lib/clock.js'
import { M365dError, M365dArgumentError } from '../../lib/errors.js'
import { RateLimiter, type RateLimits, type RetryOptions, type TokenSource } from '../../defender/index.js'
import type { Database } from '../db/database.js'
import { ALERTS_STREAM } from '../engine/alerts_pass.js'
import { classifyError } from '../engine/classify_error.js'
import { incidentsStream } from '../engine/incidents_pass.js'
import { syncTenant, type TenantSyncResult } from '../engine/sync_tenant.js'
import { OutboxDelivery } from '../sinks/delivery.js'
import { pendingOutbox, releaseOutboxClaims } from '../sinks/outbox.js'
import { SINK_NAME, type Sink } from '../sinks/sink.js'
import { passContext } from './context.js'
import { DaemonMetrics } from './daemon_metrics.js'
import type { DaemonEvent, DaemonStatus, TenantStatus } from './events.js'
import { fencedDatabase } from './fenced_db.js'
import { LeaseKeeper } from './lease_keeper.js'
import { dueTenants, registerWorker, statusRows, unregisterWorker } from './schedule_sql.js'

export interface DaemonOptions {
  db: Database
  tokenProvider: TokenSource
  /** API base URLs and token audiences (default: the commercial cloud). */
  defenderApi?: string
  graphApi?: string
  defenderResource?: string
  graphResource?: string
  /** Incidents surface (default legacy) and whether to sync Graph alerts_v2 too (default false). */
  surface?: 'legacy' | 'graph'
  alerts?: boolean
  /** Default `${hostname}:${pid}:${random}`. */
  workerId?: string
  /** Tenants synced at once (default 8). */
  concurrency?: number
  /** Between passes of a healthy tenant (default 60 s). */
  intervalMs?: number
  /** Lease time to live (default 60 s); leases are renewed every ttl/3. */
  leaseTtlSeconds?: number
  /** Cap on tenants this worker leases (default: its fair share, ceil(tenants / live workers)). */
  maxTenantsPerWorker?: number
  /**
   * A pass running longer than this stops between pages and goes to the back of the queue, its
   * cursor kept (default 5 min): a huge backfill cannot hold a slot forever. 0 = no limit.
   */
  maxPassMs?: number
  /** How often the scheduler looks for leases and due tenants (default 1 s). */
  tickMs?: number
  backfillDays?: number
  overlapMs?: number
  pageSize?: number
  /** Client-side per-tenant quotas (default: the documented ones); `false` = off. ONE limiter serves every tenant. */
  limits?: RateLimits | false
  /** Share a limiter with other code (takes precedence over `limits`). */
  rateLimiter?: RateLimiter
  retry?: RetryOptions
  fetch?: typeof fetch
  clock?: Clock
  /** Delivered from the outbox, at least once. */
  sinks?: Sink[]
  /** Outbox rows per delivery batch (default 100) and pause base after a failed batch (default 2 s). */
  sinkBatchSize?: number
  sinkRetryBaseSeconds?: number
  /** How long a claimed outbox batch is reserved for this worker before others may re-deliver it (default 120 s). */
  sinkClaimSeconds?: number
  /** How often the outbox is polled (default 1 s). */
  sinkIntervalMs?: number
  onEvent?: (event: DaemonEvent) => void
}

export class DaemonError extends M365dError {}

interface Running {
  controller: AbortController
  promise: Promise<TenantSyncResult>
}

const STOPPING = 'daemon stopping'

/**
 * The sync daemon runtime (issue 4 §3–§5): leases tenants, runs their passes in a bounded, fair
 * pool with one shared rate limiter and token provider, renews leases and aborts the pass of a
 * tenant whose lease was lost, delivers the outbox to sinks, and stops gracefully.
 */
export class SyncDaemon {
  readonly workerId: string
  readonly #o: DaemonOptions
  readonly #clock: Clock
  readonly #limiter: RateLimiter | undefined
  readonly #streams: string[]
  readonly #leases: LeaseKeeper
  readonly #running = new Map<string, Running>()
  readonly #listeners = new Set<(e: DaemonEvent) => void>()
  readonly #metrics: DaemonMetrics
  readonly #delivery: OutboxDelivery | undefined
  readonly #loops = new AbortController()
  #loopPromises: Promise<void>[] = []
  #wake: (() => void) | undefined
  #state: DaemonStatus['worker']['state'] = 'idle'
  #registered = false
  #startedAt: number | null = null
  #lastTickAt: number | null = null
  #lastError: { code: string; message: string } | null = null
  #tenants: TenantStatus[] = []
  #pending = new Map<string, number>()
  #refreshedAt: number | null = null
  #stopping: Promise<void> | undefined

  constructor(o: DaemonOptions) {
    if (o.concurrency !== undefined && !(Number.isInteger(o.concurrency) && o.concurrency >= 1)) throw new M365dArgumentError('concurrency must be a positive integer')
    if (o.leaseTtlSeconds !== undefined && !(o.leaseTtlSeconds > 0)) throw new M365dArgumentError('leaseTtlSeconds must be positive')
    const names = (o.sinks ?? []).map((s) => s.name)
    for (const n of names) if (!SINK_NAME.test(n)) throw new M365dArgumentError(`invalid sink name '${n}'`)
    if (new Set(names).size !== names.length) throw new M365dArgumentError('sink names must be unique', { hint: 'pass name: … to the second sink of a kind' })
    this.#o = o
    this.workerId = o.workerId ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`
    this.#clock = o.clock ?? systemClock
    this.#limiter = o.rateLimiter ?? (o.limits === false ? undefined : new RateLimiter({ ...(o.limits && { limits: o.limits }), clock: this.#clock }))
    this.#streams = [incidentsStream(o.surface ?? 'legacy'), ...(o.alerts ? [ALERTS_STREAM] : [])]
    this.#leases = new LeaseKeeper({
      db: o.db,
      workerId: this.workerId,
      ttlSeconds: this.#ttl,
      maxTenantsPerWorker: o.maxTenantsPerWorker,
      isRunning: (t) => this.#running.has(t),
      onLost: (t) => this.#running.get(t)?.controller.abort(new Error('lease-lost')),
      emit: (e) => this.#emit(e),
    })
    this.#metrics = new DaemonMetrics(this, (t) => this.#leases.held.has(t))
    if (o.onEvent) this.#listeners.add(o.onEvent)
    if (o.sinks?.length)
      this.#delivery = new OutboxDelivery({
        db: o.db,
        sinks: o.sinks,
        workerId: this.workerId,
        ...(o.sinkBatchSize && { batchSize: o.sinkBatchSize }),
        ...(o.sinkRetryBaseSeconds !== undefined && { retryBaseSeconds: o.sinkRetryBaseSeconds }),
        ...(o.sinkClaimSeconds !== undefined && { claimSeconds: o.sinkClaimSeconds }),
        onReport: (r) =>
          this.#emit(r.failed ? { type: 'sink.failed', sink: r.sink, ...r.failed } : { type: 'sink.delivered', sink: r.sink, records: r.delivered }),
      })
  }

  get #ttl(): number {
    return this.#o.leaseTtlSeconds ?? 60
  }

  /** Adds a listener for daemon events; returns the function that removes it. */
  on(listener: (e: DaemonEvent) => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  /** Registers the worker and starts the schedule, heartbeat and delivery loops; resolves once running. */
  async start(): Promise<void> {
    if (this.#state !== 'idle') throw new DaemonError('ERR_SYNC_DAEMON_STATE', `the daemon is ${this.#state}; start() runs once`)
    await this.#register()
    this.#state = 'running'
    this.#startedAt = Date.now()
    this.#emit({ type: 'worker.started', workerId: this.workerId })
    await this.#tick()
    const heartbeatMs = Math.max(100, (this.#ttl * 1000) / 3)
    this.#loopPromises = [
      this.#loop('schedule', this.#o.tickMs ?? 1000, () => this.#tick(), true),
      this.#loop('heartbeat', heartbeatMs, () => this.#leases.heartbeat()),
      ...(this.#delivery ? [this.#loop('delivery', this.#o.sinkIntervalMs ?? 1000, () => this.#deliver(this.#loops.signal))] : []),
    ]
  }

  /**
   * Graceful and idempotent: stop taking work, abort running passes BETWEEN pages (the page in
   * flight is committed with its cursor), flush the outbox to the sinks, close them, release the
   * leases and deregister. Passes still running at `timeoutMs` (default 30 s) are left to finish
   * on their own: their leases are released anyway and lease fencing keeps them from committing.
   */
  stop(options: { timeoutMs?: number } = {}): Promise<void> {
    this.#stopping ??= this.#stop(options.timeoutMs ?? 30_000)
    return this.#stopping
  }

  async #stop(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs
    this.#state = 'stopping'
    this.#emit({ type: 'worker.stopping', workerId: this.workerId })
    this.#loops.abort(new Error(STOPPING))
    for (const r of this.#running.values()) r.controller.abort(new Error(STOPPING))
    const timedOut = await this.#settle(deadline)
    await Promise.allSettled(this.#loopPromises)
    if (this.#delivery) await this.#flush(deadline)
    for (const s of this.#o.sinks ?? []) await s.close().catch(() => undefined)
    try {
      await this.#leases.releaseAll()
      if (this.#delivery) await releaseOutboxClaims(this.#o.db, this.workerId)
      if (this.#registered) await unregisterWorker(this.#o.db, this.workerId)
    } catch (e) {
      // The database is gone: the leases expire on their own after the TTL.
      this.#noteError('schedule', e)
    }
    this.#metrics.close()
    this.#state = 'stopped'
    this.#emit({ type: 'worker.stopped', workerId: this.workerId, timedOut })
  }

  /**
   * One pass over every due tenant this worker leases (leasing up to its share first), through the
   * pool; resolves with each pass's result. `tenants` narrows it; `force` ignores `next_run_at`.
   */
  async runOnce(options: { tenants?: string[]; force?: boolean } = {}): Promise<TenantSyncResult[]> {
    if (this.#state === 'stopping' || this.#state === 'stopped') throw new DaemonError('ERR_SYNC_DAEMON_STATE', `the daemon is ${this.#state}`)
    await this.#register()
    await this.#leases.acquire()
    const only = options.tenants?.map((t) => t.toLowerCase())
    const held = [...this.#leases.held].filter((t) => !only || only.includes(t))
    const due = options.force ? held : await dueTenants(this.#o.db, { tenantIds: held, streams: this.#streams, now: new Date(this.#clock.now()) })
    const queue = due.filter((t) => !this.#running.has(t))
    const results: TenantSyncResult[] = []
    const worker = async () => {
      for (let t = queue.shift(); t !== undefined; t = queue.shift()) results.push(await this.#launch(t).promise)
    }
    await Promise.all(Array.from({ length: Math.min(this.#o.concurrency ?? 8, queue.length) }, worker))
    await this.refreshStatus().catch(() => undefined)
    return results.sort((a, b) => a.tenantId.localeCompare(b.tenantId))
  }

  /** The last snapshot (see {@link refreshStatus}) plus this worker's live state. */
  status(): DaemonStatus {
    const counters = this.#delivery?.counters
    return {
      worker: {
        workerId: this.workerId,
        state: this.#state,
        startedAt: this.#startedAt === null ? null : new Date(this.#startedAt).toISOString(),
        leasesHeld: [...this.#leases.held].sort(),
        running: [...this.#running.keys()].sort(),
        lastTickAt: this.#lastTickAt === null ? null : new Date(this.#lastTickAt).toISOString(),
        lastError: this.#lastError,
      },
      tenants: this.#tenants.map((t) => ({ ...t, running: this.#running.has(t.tenantId) })),
      sinks: (this.#o.sinks ?? []).map((s) => ({
        name: s.name,
        pending: this.#pending.get(s.name) ?? 0,
        delivered: counters?.get(s.name)?.delivered ?? 0,
        failures: counters?.get(s.name)?.failures ?? 0,
        lastError: counters?.get(s.name)?.lastError ?? null,
      })),
      refreshedAt: this.#refreshedAt === null ? null : new Date(this.#refreshedAt).toISOString(),
    }
  }

  /** Re-reads every tenant's health, lease and stream state from the database. */
  async refreshStatus(): Promise<DaemonStatus> {
    const rows = await statusRows(this.#o.db)
    const now = this.#clock.now()
    this.#tenants = rows.map((r) => ({
      tenantId: r.tenant_id,
      displayName: r.display_name,
      enabled: r.enabled,
      health: r.health,
      healthDetail: r.health_detail,
      leasedBy: r.lease_valid ? r.worker_id : null,
      running: false,
      streams: r.states.map((s) => ({
        stream: s.stream,
        watermark: iso(s.watermark),
        lagSeconds: s.watermark ? Math.max(0, (now - Date.parse(s.watermark)) / 1000) : null,
        lastSuccessAt: iso(s.last_success_at),
        lastErrorAt: iso(s.last_error_at),
        lastError: s.last_error,
        consecutiveFailures: s.consecutive_failures,
        nextRunAt: iso(s.next_run_at),
        recordsSynced: Number(s.records_synced),
        apiCalls: Number(s.api_calls),
        throttled: Number(s.throttled),
      })),
    }))
    if (this.#delivery) this.#pending = await pendingOutbox(this.#o.db)
    this.#refreshedAt = Date.now()
    return this.status()
  }

  /** Prometheus text exposition (format 0.0.4) of this worker's metrics, gauges refreshed from the database. */
  async metricsText(): Promise<string> {
    await this.refreshStatus()
    this.#metrics.fromStatus(this.status(), this.#clock.now())
    return this.#metrics.registry.render()
  }

  /** Liveness for /healthz: the scheduler ticked recently and the database answers. */
  async health(options: { timeoutMs?: number } = {}): Promise<{ ok: boolean; checks: Record<string, { ok: boolean; detail?: string }> }> {
    const checks: Record<string, { ok: boolean; detail?: string }> = {}
    const timeoutMs = options.timeoutMs ?? 5000
    try {
      await Promise.race([
        this.#o.db.query('SELECT 1'),
        new Promise((_, reject) => setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs).unref()),
      ])
      checks.database = { ok: true }
    } catch (e) {
      checks.database = { ok: false, detail: e instanceof Error ? e.message : String(e) }
    }
    if (this.#state === 'running') {
      // Stuck = no completed tick for several heartbeats (ticks block only on the database).
      const limitMs = Math.max(10 * (this.#o.tickMs ?? 1000), 2 * this.#ttl * 1000)
      const age = this.#lastTickAt === null ? Infinity : Date.now() - this.#lastTickAt
      checks.scheduler = age <= limitMs ? { ok: true } : { ok: false, detail: `no scheduler tick for ${Math.round(age / 1000)} s` }
    } else {
      checks.scheduler = { ok: this.#state !== 'stopped', detail: this.#state }
    }
    return { ok: Object.values(checks).every((c) => c.ok), checks }
  }

  // --- internals ---

  #emit(e: DaemonEvent): void {
    this.#metrics.onEvent(e)
    for (const l of this.#listeners) {
      try {
        l(e)
      } catch {
        // A listener's bug must not stop the scheduler.
      }
    }
  }

  async #register(): Promise<void> {
    if (this.#registered) return
    await registerWorker(this.#o.db, { workerId: this.workerId, hostname: hostname(), pid: process.pid })
    this.#registered = true
  }

  async #loop(name: 'schedule' | 'heartbeat' | 'delivery', everyMs: number, fn: () => Promise<void>, wakeable = false): Promise<void> {
    const signal = this.#loops.signal
    while (!signal.aborted) {
      const wake = new AbortController()
      if (wakeable) this.#wake = () => wake.abort()
      try {
        await this.#clock.sleep(everyMs, AbortSignal.any([signal, wake.signal]))
      } catch {
        // woken early or stopping
      }
      if (signal.aborted) return
      try {
        await fn()
      } catch (e) {
        this.#noteError(name, e)
      }
    }
  }

  #noteError(loop: 'schedule' | 'heartbeat' | 'delivery', e: unknown): void {
    const code = e instanceof M365dError ? e.code : 'ERR_SYNC_LOOP'
    const message = e instanceof Error ? e.message : String(e)
    this.#lastError = { code, message }
    this.#emit({ type: 'loop.error', loop, code, message })
  }

  /** Leases, then fills the free pool slots with due tenants, least recently run first. */
  async #tick(): Promise<void> {
    await this.#leases.acquire()
    const free = (this.#o.concurrency ?? 8) - this.#running.size
    if (free > 0) {
      const candidates = [...this.#leases.held].filter((t) => !this.#running.has(t))
      const due = await dueTenants(this.#o.db, { tenantIds: candidates, streams: this.#streams, now: new Date(this.#clock.now()) })
      for (const t of due.slice(0, free)) if (this.#state === 'running') this.#launch(t)
    }
    this.#lastTickAt = Date.now()
    if (this.#refreshedAt === null || Date.now() - this.#refreshedAt > 5000) await this.refreshStatus()
  }

  #launch(tenantId: string): Running {
    const controller = new AbortController()
    const realStart = performance.now()
    this.#emit({ type: 'pass.started', tenantId })
    const maxPassMs = this.#o.maxPassMs ?? 300_000
    const slice = new AbortController()
    if (maxPassMs > 0) this.#clock.sleep(maxPassMs, slice.signal).then(() => controller.abort(new Error('time-slice')), () => undefined)
    const o = this.#o
    const db = fencedDatabase(o.db, {
      tenantId,
      workerId: this.workerId,
      sinks: (o.sinks ?? []).map((s) => s.name),
      onLeaseLost: () => controller.abort(new Error('lease-lost')),
    })
    const promise = passContext
      .run({ daemon: this, tenantId }, () =>
        syncTenant({
          db,
          tokenProvider: o.tokenProvider,
          tenantId,
          surface: o.surface ?? 'legacy',
          alerts: o.alerts ?? false,
          ...(o.defenderApi && { defenderApi: o.defenderApi }),
          ...(o.graphApi && { graphApi: o.graphApi }),
          ...(o.defenderResource && { defenderResource: o.defenderResource }),
          ...(o.graphResource && { graphResource: o.graphResource }),
          ...(o.fetch && { fetch: o.fetch }),
          clock: this.#clock,
          ...(this.#limiter ? { rateLimiter: this.#limiter } : { limits: false as const }),
          ...(o.retry && { retry: o.retry }),
          ...(o.backfillDays !== undefined && { backfillDays: o.backfillDays }),
          ...(o.overlapMs !== undefined && { overlapMs: o.overlapMs }),
          ...(o.pageSize !== undefined && { pageSize: o.pageSize }),
          ...(o.intervalMs !== undefined && { intervalMs: o.intervalMs }),
          onProgress: (p) =>
            this.#emit({ type: 'pass.progress', tenantId, stream: p.stream, pages: p.pages, records: p.records, backfill: p.backfill, stored: p.stored, ...(p.oldestCreated !== undefined && { oldestCreated: p.oldestCreated }) }),
          signal: controller.signal,
        }),
      )
      // syncTenant records failures in the database; when even that fails (database gone), the
      // pass still ends as a failure instead of an unhandled rejection.
      .catch((e): TenantSyncResult => ({ tenantId, ok: false, error: classifyError(e), nextRunAt: new Date(this.#clock.now()) }))
      .then((result) => {
        this.#finished(tenantId, result, controller.signal, performance.now() - realStart)
        return result
      })
      .finally(() => {
        slice.abort()
        this.#running.delete(tenantId)
        this.#wake?.()
      })
    const running = { controller, promise }
    this.#running.set(tenantId, running)
    return running
  }

  #finished(tenantId: string, result: TenantSyncResult, signal: AbortSignal, durationMs: number): void {
    if (result.ok) {
      const incidents = (result.incidents?.inserted ?? 0) + (result.incidents?.updated ?? 0)
      const alerts = (result.incidents?.alerts ?? 0) + (result.alerts?.alerts ?? 0)
      this.#metrics.recordsSynced(tenantId, 'incident', incidents)
      this.#metrics.recordsSynced(tenantId, 'alert', alerts)
      this.#emit({ type: 'pass.finished', tenantId, durationMs, records: incidents + alerts, nextRunAt: result.nextRunAt.toISOString() })
    } else if (result.error && !signal.aborted) {
      const e = result.error
      this.#emit({ type: 'pass.failed', tenantId, durationMs, health: e.health, code: e.code, message: e.message, ...(e.hint && { hint: e.hint }), nextRunAt: result.nextRunAt.toISOString() })
    } else {
      const why = String((signal.reason as Error | undefined)?.message)
      this.#emit({ type: 'pass.aborted', tenantId, durationMs, reason: why === 'lease-lost' ? 'lease-lost' : why === 'time-slice' ? 'time-slice' : 'stop' })
    }
  }

  /** Waits for running passes until the deadline; returns the tenants still running then. */
  async #settle(deadline: number): Promise<string[]> {
    const all = Promise.allSettled([...this.#running.values()].map((r) => r.promise))
    let timer: NodeJS.Timeout | undefined
    await Promise.race([all, new Promise<void>((resolve) => (timer = setTimeout(resolve, Math.max(0, deadline - Date.now()))))])
    clearTimeout(timer)
    return [...this.#running.keys()].sort()
  }

  /** Delivers what the outbox holds for our sinks until it is empty or the deadline passes. */
  async #flush(deadline: number): Promise<void> {
    const signal = AbortSignal.timeout(Math.max(1, deadline - Date.now()))
    try {
      const failures = () => [...this.#delivery!.counters.values()].reduce((n, c) => n + c.failures, 0)
      while (!signal.aborted) {
        const before = failures()
        await this.#deliver(signal)
        // A sink that fails now will not recover within a shutdown: its rows wait in the outbox.
        if (failures() > before) return
        const pending = await pendingOutbox(this.#o.db)
        if (!(this.#o.sinks ?? []).some((s) => (pending.get(s.name) ?? 0) > 0)) return
        await new Promise((r) => setTimeout(r, 50))
      }
    } catch (e) {
      if (!signal.aborted) this.#noteError('delivery', e)
    }
  }

  async #deliver(signal: AbortSignal): Promise<void> {
    if (!this.#delivery) return
    await this.#delivery.drain(signal)
  }
}

function iso(v: string | null): string | null {
  return v ? new Date(v).toISOString() : null
}
