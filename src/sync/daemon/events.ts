import type { TenantHealth } from '../engine/classify_error.js'

/** What the daemon reports as it runs; the logger, metrics, the CLI's live summary and tests read these. */
export type DaemonEvent =
  | { type: 'worker.started'; workerId: string }
  | { type: 'worker.stopping'; workerId: string }
  | { type: 'worker.stopped'; workerId: string; timedOut: string[] }
  | { type: 'lease.acquired'; tenantId: string }
  | { type: 'lease.released'; tenantId: string; reason: 'stop' | 'rebalance' }
  /** Another worker owns the tenant now (this worker missed its renewals); its pass is aborted. */
  | { type: 'lease.lost'; tenantId: string }
  | { type: 'pass.started'; tenantId: string }
  | { type: 'pass.progress'; tenantId: string; stream: string; pages: number; records: number; oldestCreated?: number; backfill?: boolean; stored?: number }
  | { type: 'pass.finished'; tenantId: string; durationMs: number; records: number; nextRunAt: string }
  /** The tenant is marked (health) and retried at `nextRunAt`; `hint` is the fix when one is known. */
  | { type: 'pass.failed'; tenantId: string; durationMs: number; health: TenantHealth; code: string; message: string; hint?: string; nextRunAt: string }
  /** Stopped between pages (shutdown, lost lease, time slice): the committed cursor resumes it. */
  | { type: 'pass.aborted'; tenantId: string; durationMs: number; reason: 'stop' | 'lease-lost' | 'time-slice' }
  | { type: 'sink.delivered'; sink: string; records: number }
  | { type: 'sink.failed'; sink: string; records: number; code: string; message: string }
  | { type: 'loop.error'; loop: 'schedule' | 'heartbeat' | 'delivery'; code: string; message: string }

export interface StreamStatus {
  stream: string
  watermark: string | null
  /** now − watermark, seconds (null before the first complete pass). */
  lagSeconds: number | null
  lastSuccessAt: string | null
  lastErrorAt: string | null
  lastError: { code?: string; message?: string; hint?: string } | null
  consecutiveFailures: number
  nextRunAt: string | null
  recordsSynced: number
  apiCalls: number
  throttled: number
}

export interface TenantStatus {
  tenantId: string
  displayName: string | null
  enabled: boolean
  health: string
  healthDetail: unknown
  /** Worker holding the lease now (null when free or expired). */
  leasedBy: string | null
  running: boolean
  streams: StreamStatus[]
}

export interface DaemonStatus {
  worker: {
    workerId: string
    state: 'idle' | 'running' | 'stopping' | 'stopped'
    startedAt: string | null
    leasesHeld: string[]
    running: string[]
    /** Last completed scheduler tick (ISO), null before the first. */
    lastTickAt: string | null
    lastError: { code: string; message: string } | null
  }
  tenants: TenantStatus[]
  sinks: { name: string; pending: number; delivered: number; failures: number; lastError: string | null }[]
  /** When `tenants` was read from the database. */
  refreshedAt: string | null
}
