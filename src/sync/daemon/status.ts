import type { Clock } from '../../lib/clock.js'
import type { Database } from '../db/database.js'
import type { OutboxDelivery } from '../sinks/delivery.js'
import { pendingOutbox } from '../sinks/outbox.js'
import type { Sink } from '../sinks/sink.js'
import type { DaemonStatus, TenantStatus } from './events.js'
import { statusRows } from './schedule_sql.js'

export type WorkerState = DaemonStatus['worker']['state']

/** What only the running worker knows, merged into every snapshot. */
export interface LiveWorker {
  workerId: string
  state: WorkerState
  leasesHeld: Iterable<string>
  running: Iterable<string>
}

/**
 * The daemon's view of itself for /status, /metrics and /healthz: a snapshot of every tenant's
 * health, lease and stream state read from the database (refreshed at most every few seconds by
 * the scheduler, or on demand), plus this worker's live state and loop errors.
 */
export class StatusBoard {
  startedAt: number | null = null
  lastTickAt: number | null = null
  lastError: { code: string; message: string } | null = null
  #tenants: TenantStatus[] = []
  #pending = new Map<string, number>()
  #refreshedAt: number | null = null

  constructor(private readonly d: { db: Database; clock: Clock; sinks: Sink[]; delivery: OutboxDelivery | undefined }) {}

  /** Whether the snapshot is older than `ms` (or was never taken). */
  staleFor(ms: number): boolean {
    return this.#refreshedAt === null || Date.now() - this.#refreshedAt > ms
  }

  /** Re-reads every tenant's health, lease and stream state (and the outbox backlog) from the database. */
  async refresh(): Promise<void> {
    const rows = await statusRows(this.d.db)
    const now = this.d.clock.now()
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
    if (this.d.delivery) this.#pending = await pendingOutbox(this.d.db)
    this.#refreshedAt = Date.now()
  }

  /** The last snapshot plus the worker's live state. */
  snapshot(live: LiveWorker): DaemonStatus {
    const running = new Set(live.running)
    const counters = this.d.delivery?.counters
    return {
      worker: {
        workerId: live.workerId,
        state: live.state,
        startedAt: this.startedAt === null ? null : new Date(this.startedAt).toISOString(),
        leasesHeld: [...live.leasesHeld].sort(),
        running: [...running].sort(),
        lastTickAt: this.lastTickAt === null ? null : new Date(this.lastTickAt).toISOString(),
        lastError: this.lastError,
      },
      tenants: this.#tenants.map((t) => ({ ...t, running: running.has(t.tenantId) })),
      sinks: this.d.sinks.map((s) => ({
        name: s.name,
        pending: this.#pending.get(s.name) ?? 0,
        delivered: counters?.get(s.name)?.delivered ?? 0,
        failures: counters?.get(s.name)?.failures ?? 0,
        lastError: counters?.get(s.name)?.lastError ?? null,
      })),
      refreshedAt: this.#refreshedAt === null ? null : new Date(this.#refreshedAt).toISOString(),
    }
  }

  /** Liveness for /healthz: the database answers and (when running) the scheduler ticked within `tickLimitMs`. */
  async health(state: WorkerState, tickLimitMs: number, timeoutMs: number): Promise<{ ok: boolean; checks: Record<string, { ok: boolean; detail?: string }> }> {
    const checks: Record<string, { ok: boolean; detail?: string }> = {}
    try {
      await Promise.race([
        this.d.db.query('SELECT 1'),
        new Promise((_, reject) => setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs).unref()),
      ])
      checks.database = { ok: true }
    } catch (e) {
      checks.database = { ok: false, detail: e instanceof Error ? e.message : String(e) }
    }
    if (state === 'running') {
      const age = this.lastTickAt === null ? Infinity : Date.now() - this.lastTickAt
      checks.scheduler = age <= tickLimitMs ? { ok: true } : { ok: false, detail: `no scheduler tick for ${Math.round(age / 1000)} s` }
    } else {
      checks.scheduler = { ok: state !== 'stopped', detail: state }
    }
    return { ok: Object.values(checks).every((c) => c.ok), checks }
  }
}

function iso(v: string | null): string | null {
  return v ? new Date(v).toISOString() : null
}
