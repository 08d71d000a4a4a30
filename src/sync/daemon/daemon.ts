import { hostname } from 'node:os'
import { randomBytes } from 'node:crypto'
import { systemClock, type Clock } from '../../lib/clock.js'
import { M365dError } from '../../lib/errors.js'
import { RateLimiter, type TokenSource } from '../../defender/index.js'
import type { Database } from '../db/database.js'
import { ALERTS_STREAM } from '../engine/alerts_pass.js'
import { incidentsStream } from '../engine/incidents_pass.js'
import type { TenantSyncResult } from '../engine/sync_tenant.js'
import { resolveSyncSettings, type SyncSettings, type SyncSettingsInput } from '../settings.js'
import { OutboxDelivery } from '../sinks/delivery.js'
import { releaseOutboxClaims } from '../sinks/outbox.js'
import { DaemonMetrics } from './daemon_metrics.js'
import type { DaemonEvent, DaemonStatus } from './events.js'
import { LeaseKeeper } from './lease_keeper.js'
import { flushOutbox, Loops, type LoopName } from './lifecycle.js'
import { leasesHeldElsewhere, registerWorker, unregisterWorker, type HeldLease } from './schedule_sql.js'
import { Scheduler, type ApiEndpoints } from './scheduler.js'
import { StatusBoard, type WorkerState } from './status.js'

/** What the daemon runs on, plus any {@link SyncSettings} (defaults in src/sync/settings.ts). */
export interface DaemonOptions extends SyncSettingsInput, ApiEndpoints {
  db: Database
  tokenProvider: TokenSource
  /** Share a limiter with other code (takes precedence over `limits`). */
  rateLimiter?: RateLimiter
  fetch?: typeof fetch
  clock?: Clock
  onEvent?: (event: DaemonEvent) => void
}

export class DaemonError extends M365dError {}

const STOPPING = 'daemon stopping'

/**
 * The sync daemon runtime (issue 4 §3–§5): leases tenants, runs their passes in a bounded, fair
 * pool with one shared rate limiter and token provider, renews leases and aborts the pass of a
 * tenant whose lease was lost, delivers the outbox to sinks, and stops gracefully. This class is
 * the lifecycle; which tenant runs when is the {@link Scheduler}, what it reports is the
 * {@link StatusBoard}.
 */
export class SyncDaemon {
  readonly workerId: string
  readonly settings: SyncSettings
  readonly #db: Database
  readonly #clock: Clock
  readonly #leases: LeaseKeeper
  readonly #scheduler: Scheduler
  readonly #board: StatusBoard
  readonly #listeners = new Set<(e: DaemonEvent) => void>()
  readonly #metrics: DaemonMetrics
  readonly #delivery: OutboxDelivery | undefined
  readonly #loops: Loops
  #state: WorkerState = 'idle'
  #registered = false
  #stopping: Promise<void> | undefined

  constructor(o: DaemonOptions) {
    const s = resolveSyncSettings(o)
    this.settings = s
    this.#db = o.db
    this.workerId = s.workerId ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`
    this.#clock = o.clock ?? systemClock
    const limiter = o.rateLimiter ?? (s.limits === false ? undefined : new RateLimiter({ ...(s.limits && { limits: s.limits }), clock: this.#clock }))
    this.#leases = new LeaseKeeper({
      db: o.db,
      workerId: this.workerId,
      ttlSeconds: s.leaseTtlSeconds,
      maxTenantsPerWorker: s.maxTenantsPerWorker,
      isRunning: (t) => this.#scheduler.running.has(t),
      onLost: (t) => this.#scheduler.running.get(t)?.controller.abort(new Error('lease-lost')),
      emit: (e) => this.#emit(e),
    })
    this.#metrics = new DaemonMetrics(this, (t) => this.#leases.held.has(t))
    if (o.onEvent) this.#listeners.add(o.onEvent)
    if (s.sinks.length)
      this.#delivery = new OutboxDelivery({
        db: o.db,
        sinks: s.sinks,
        workerId: this.workerId,
        batchSize: s.sinkBatchSize,
        retryBaseSeconds: s.sinkRetryBaseSeconds,
        claimSeconds: s.sinkClaimSeconds,
        onReport: (r) =>
          this.#emit(r.failed ? { type: 'sink.failed', sink: r.sink, ...r.failed } : { type: 'sink.delivered', sink: r.sink, records: r.delivered }),
      })
    this.#board = new StatusBoard({ db: o.db, clock: this.#clock, sinks: s.sinks, delivery: this.#delivery })
    this.#scheduler = new Scheduler({
      owner: this,
      db: o.db,
      tokenProvider: o.tokenProvider,
      endpoints: { defenderApi: o.defenderApi, graphApi: o.graphApi, defenderResource: o.defenderResource, graphResource: o.graphResource, authorityHost: o.authorityHost },
      fetch: o.fetch,
      clock: this.#clock,
      settings: s,
      workerId: this.workerId,
      limiter,
      // Both incident streams: a tenant may be on either surface (pinned, or held on legacy until
      // its Graph consent), and only one of the two exists per tenant (syncTenant hands over).
      streams: [incidentsStream('legacy'), incidentsStream('graph'), ...(s.alerts ? [ALERTS_STREAM] : [])],
      leases: this.#leases,
      metrics: this.#metrics,
      emit: (e) => this.#emit(e),
      accepting: () => this.#state === 'running',
    })
    this.#loops = new Loops(this.#clock, (loop, e) => this.#noteError(loop, e))
    this.#scheduler.onSlotFree = () => this.#loops.wake()
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
    this.#board.startedAt = Date.now()
    this.#emit({ type: 'worker.started', workerId: this.workerId })
    await this.#tick()
    const s = this.settings
    this.#loops.start('schedule', s.tickMs, () => this.#tick(), true)
    this.#loops.start('heartbeat', Math.max(100, (s.leaseTtlSeconds * 1000) / 3), () => this.#leases.heartbeat())
    const delivery = this.#delivery
    if (delivery) this.#loops.start('delivery', s.sinkIntervalMs, async () => void (await delivery.drain(this.#loops.signal)))
  }

  /**
   * Graceful and idempotent: stop taking work, abort running passes BETWEEN pages (the page in
   * flight is committed with its cursor), flush the outbox to the sinks, close them, release the
   * leases and deregister. Passes still running at `timeoutMs` (default: the settings'
   * stopTimeoutMs) are left to finish on their own: their leases are released anyway and lease
   * fencing keeps them from committing.
   */
  stop(options: { timeoutMs?: number } = {}): Promise<void> {
    this.#stopping ??= this.#stop(options.timeoutMs ?? this.settings.stopTimeoutMs)
    return this.#stopping
  }

  async #stop(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs
    this.#state = 'stopping'
    this.#emit({ type: 'worker.stopping', workerId: this.workerId })
    const reason = new Error(STOPPING)
    const loopsStopped = this.#loops.stop(reason)
    this.#scheduler.abortAll(reason)
    const timedOut = await this.#scheduler.settle(deadline)
    await loopsStopped
    if (this.#delivery) await flushOutbox({ db: this.#db, delivery: this.#delivery, sinks: this.settings.sinks, deadline, onError: (e) => this.#noteError('delivery', e) })
    for (const s of this.settings.sinks) await s.close().catch(() => undefined)
    try {
      await this.#leases.releaseAll()
      if (this.#delivery) await releaseOutboxClaims(this.#db, this.workerId)
      if (this.#registered) await unregisterWorker(this.#db, this.workerId)
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
    // Outside start() no heartbeat loop runs: a pass longer than the lease TTL would lose its
    // lease mid-pass, so renew every ttl/3 for as long as this call runs.
    const renew = this.#state === 'running' ? undefined : setInterval(() => void this.#leases.heartbeat().catch(() => undefined), Math.max(100, (this.settings.leaseTtlSeconds * 1000) / 3))
    try {
      const results = await this.#scheduler.runOnce(options)
      await this.#board.refresh().catch(() => undefined)
      return results
    } finally {
      clearInterval(renew)
    }
  }

  /**
   * Runs the scheduler's next tick now instead of at the next `tickMs`: after a tenant was added,
   * resumed or consented, it is leased and synced within moments.
   */
  wake(): void {
    this.#loops.wake()
  }

  /** Enabled tenants another worker leases now (who, since when, until when): what `runOnce` could not take. */
  heldElsewhere(): Promise<HeldLease[]> {
    return leasesHeldElsewhere(this.#db, this.workerId)
  }

  /** The last snapshot (see {@link refreshStatus}) plus this worker's live state. */
  status(): DaemonStatus {
    return this.#board.snapshot({ workerId: this.workerId, state: this.#state, leasesHeld: this.#leases.held, running: this.#scheduler.running.keys() })
  }

  /** Re-reads every tenant's health, lease and stream state from the database. */
  async refreshStatus(): Promise<DaemonStatus> {
    await this.#board.refresh()
    return this.status()
  }

  /** Prometheus text exposition (format 0.0.4) of this worker's metrics, gauges refreshed from the database. */
  async metricsText(): Promise<string> {
    await this.refreshStatus()
    this.#metrics.fromStatus(this.status(), this.#clock.now())
    return this.#metrics.registry.render()
  }

  /** Liveness for /healthz: the scheduler ticked recently and the database answers. */
  health(options: { timeoutMs?: number } = {}): Promise<{ ok: boolean; checks: Record<string, { ok: boolean; detail?: string }> }> {
    // Stuck = no completed tick for several heartbeats (ticks block only on the database).
    const limitMs = Math.max(10 * this.settings.tickMs, 2 * this.settings.leaseTtlSeconds * 1000)
    return this.#board.health(this.#state, limitMs, options.timeoutMs ?? 5000)
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
    await registerWorker(this.#db, { workerId: this.workerId, hostname: hostname(), pid: process.pid })
    this.#registered = true
  }

  #noteError(loop: LoopName, e: unknown): void {
    const code = e instanceof M365dError ? e.code : 'ERR_SYNC_LOOP'
    const message = e instanceof Error ? e.message : String(e)
    this.#board.lastError = { code, message }
    this.#emit({ type: 'loop.error', loop, code, message })
  }

  async #tick(): Promise<void> {
    await this.#scheduler.tick()
    this.#board.lastTickAt = Date.now()
    if (this.#board.staleFor(5000)) await this.#board.refresh()
  }
}
