import { M365dError } from '../../lib/errors.js'

/**
 * Where the daemon sends every new version of an incident or alert after it is stored. Delivery
 * is AT LEAST ONCE (issue 4 §5): a batch is handed over again after a crash or a failed delivery,
 * so consumers de-duplicate on {@link SinkRecord.idempotencyKey}.
 */
export interface Sink {
  /** Stable name: it keys the sink's pending rows in the outbox (letters, digits, `-`, `_`, `.`). */
  name: string
  /** Resolves only once the whole batch is durably accepted; throws to have it retried later. */
  deliver(batch: SinkRecord[], signal?: AbortSignal): Promise<void>
  close(): Promise<void>
}

export interface SinkRecord {
  /** Same for every delivery of one record version, different for the next version. */
  idempotencyKey: string
  /** `health`: a tenant health transition or credential warning (m365d_health_events, migration 3). */
  kind: 'incident' | 'alert' | 'health'
  tenantId: string
  /** `m365d` for health events (they come from m365d itself, not from an API). */
  source: 'legacy' | 'graph' | 'm365d'
  id: string
  /** Storage version: 1 for the first copy, +1 for each change. */
  version: number
  lastUpdateTime: string
  /** The record exactly as the API returned it. */
  document: unknown
}

export class SinkError extends M365dError {
  /** How long the receiver asked us to wait (capped), for the outbox to pause the sink that long. */
  readonly retryAfterMs: number | undefined
  constructor(code: string, message: string, options: { hint?: string; cause?: unknown; retryAfterMs?: number } = {}) {
    super(code, message, options)
    this.retryAfterMs = options.retryAfterMs
  }
}

export const SINK_NAME = /^[A-Za-z0-9_.-]{1,64}$/

export function idempotencyKey(r: { kind: string; tenantId: string; source: string; id: string; version: number }): string {
  return `${r.tenantId}/${r.source}/${r.kind}/${r.id}/v${r.version}`
}
