import type { Queryable } from '../db/database.js'
import { idempotencyKey, type SinkRecord } from './sink.js'

/**
 * The outbox rows the `m365d_outbox_capture` trigger writes (see migration 1), read by sinks.
 *
 * Rows are CLAIMED rather than held under a lock while a sink works: a claim is a short UPDATE
 * picking rows with FOR UPDATE SKIP LOCKED (so several workers on one PostgreSQL take disjoint
 * batches), then the delivery runs outside any transaction (a webhook may retry for minutes and
 * embedded PGlite has a single connection), then the rows are deleted. A worker that dies leaves
 * its claim to expire, and another worker delivers the rows again: at least once.
 */
export interface OutboxRow {
  id: string
  sink: string
  kind: 'incident' | 'alert' | 'health'
  tenant_id: string
  source: 'legacy' | 'graph' | 'm365d'
  record_id: string
  version: number
  last_update_time: Date | null
  document: unknown
  attempts: number
}

export async function claimOutbox(db: Queryable, o: { sink: string; workerId: string; limit: number; claimSeconds: number }): Promise<OutboxRow[]> {
  const { rows } = await db.query<OutboxRow>(
    `WITH picked AS (
       SELECT id FROM m365d_outbox
       WHERE sink = $1 AND (claimed_until IS NULL OR claimed_until < now() OR claimed_by = $2)
       ORDER BY id LIMIT $3
       FOR UPDATE SKIP LOCKED
     )
     UPDATE m365d_outbox o SET claimed_by = $2, claimed_until = now() + make_interval(secs => $4), attempts = o.attempts + 1
     FROM picked WHERE o.id = picked.id
     RETURNING o.id, o.sink, o.kind, o.tenant_id, o.source, o.record_id, o.version, o.last_update_time, o.document, o.attempts`,
    [o.sink, o.workerId, o.limit, o.claimSeconds],
  )
  // UPDATE … RETURNING does not keep the CTE's order; versions of one record must go out in order.
  return rows.sort((a, b) => Number(a.id) - Number(b.id))
}

/** Deletes delivered rows (only while still claimed by this worker: a stale worker deletes nothing twice). */
export async function ackOutbox(db: Queryable, o: { workerId: string; ids: string[] }): Promise<number> {
  const { rows } = await db.query(`DELETE FROM m365d_outbox WHERE id = ANY($1::bigint[]) AND claimed_by = $2 RETURNING id`, [o.ids, o.workerId])
  return rows.length
}

/** Gives rows back after a failed delivery, recording why; they are retried after `retryAfterSeconds`. */
export async function nackOutbox(db: Queryable, o: { workerId: string; ids: string[]; error: string; retryAfterSeconds: number }): Promise<void> {
  await db.query(
    `UPDATE m365d_outbox SET claimed_until = now() + make_interval(secs => $3), last_error = $4
     WHERE id = ANY($1::bigint[]) AND claimed_by = $2`,
    [o.ids, o.workerId, o.retryAfterSeconds, o.error.slice(0, 2000)],
  )
}

/** Releases this worker's claims at shutdown so another worker need not wait for them to expire. */
export async function releaseOutboxClaims(db: Queryable, workerId: string): Promise<void> {
  await db.query(`UPDATE m365d_outbox SET claimed_by = NULL, claimed_until = NULL WHERE claimed_by = $1 AND last_error IS NULL`, [workerId])
}

export async function pendingOutbox(db: Queryable): Promise<Map<string, number>> {
  const { rows } = await db.query<{ sink: string; n: string }>(`SELECT sink, count(*) AS n FROM m365d_outbox GROUP BY sink`)
  return new Map(rows.map((r) => [r.sink, Number(r.n)]))
}

export function toSinkRecord(row: OutboxRow): SinkRecord {
  const base = { kind: row.kind, tenantId: row.tenant_id, source: row.source, id: row.record_id, version: row.version }
  return {
    idempotencyKey: idempotencyKey(base),
    ...base,
    lastUpdateTime: row.last_update_time ? new Date(row.last_update_time).toISOString() : '',
    document: row.document,
  }
}
