import { scrubSecrets } from '../../../lib/errors.js'
import type { Database, Queryable } from '../database.js'

export interface SyncStateRow {
  tenant_id: string
  stream: string
  watermark: Date | null
  watermark_keys: string[]
  cursor: unknown
  backfill_done: boolean
  last_attempt_at: Date | null
  last_success_at: Date | null
  last_error_at: Date | null
  last_error: { code?: string; message?: string; hint?: string } | null
  consecutive_failures: number
  next_run_at: Date | null
  records_synced: string
  api_calls: string
  throttled: string
}

export async function readSyncState(db: Queryable, tenantId: string, stream: string): Promise<SyncStateRow | undefined> {
  const { rows } = await db.query<SyncStateRow>(`SELECT * FROM m365d_sync_state WHERE tenant_id = $1 AND stream = $2`, [tenantId, stream])
  return rows[0]
}

export async function listSyncStates(db: Queryable): Promise<SyncStateRow[]> {
  return (await db.query<SyncStateRow>(`SELECT * FROM m365d_sync_state ORDER BY tenant_id, stream`)).rows
}

/**
 * Records a failed pass without touching the watermark or cursor: the next pass resumes where the
 * last committed page left off. Returns the number of consecutive failures, from which the caller
 * computes the backoff and then schedules the next run ({@link scheduleNextRun}).
 */
export async function recordFailure(db: Queryable, tenantId: string, stream: string, error: { code?: string; message: string; hint?: string }): Promise<number> {
  const { rows } = await db.query<{ consecutive_failures: number }>(
    `INSERT INTO m365d_sync_state AS s (tenant_id, stream, last_attempt_at, last_error_at, last_error, consecutive_failures)
     VALUES ($1, $2, now(), now(), $3::jsonb, 1)
     ON CONFLICT (tenant_id, stream) DO UPDATE SET last_attempt_at = now(), last_error_at = now(),
       last_error = EXCLUDED.last_error, consecutive_failures = s.consecutive_failures + 1
     RETURNING consecutive_failures`,
    [tenantId, stream, scrubSecrets(JSON.stringify(error))],
  )
  return rows[0]!.consecutive_failures
}

export async function scheduleNextRun(db: Queryable, tenantId: string, stream: string, nextRunAt: Date): Promise<void> {
  await db.query(`UPDATE m365d_sync_state SET next_run_at = $3 WHERE tenant_id = $1 AND stream = $2`, [tenantId, stream, nextRunAt.toISOString()])
}

/**
 * A tenant switched surfaces (legacy → Graph, or back): its incident stream continues on the new
 * surface from the old one's watermark, watermark keys and cursor, in one transaction. Both
 * surfaces list the same incidents with the same ids and update times, so the next pass reads
 * `lastUpdate ge (watermark − overlap)` on the new surface and misses nothing; what it re-reads is
 * a no-op upsert. The row with the later watermark wins (the other is stale: an earlier period on
 * that surface), with its cursor; counters add up. Returns whether anything moved.
 */
export async function handOverStream(db: Database, tenantId: string, from: string, to: string): Promise<boolean> {
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<SyncStateRow>(
      `SELECT * FROM m365d_sync_state WHERE tenant_id = $1 AND stream IN ($2, $3) ORDER BY stream FOR UPDATE`,
      [tenantId, from, to],
    )
    const old = rows.find((r) => r.stream === from)
    if (!old) return false
    const current = rows.find((r) => r.stream === to)
    // Everything before a watermark is stored, whichever surface read it: keep the later one.
    const progress = (r: SyncStateRow) => (r.watermark ? new Date(r.watermark).getTime() : -Infinity)
    const [keep, drop] = current && progress(current) > progress(old) ? [current, old] : [old, current]
    if (drop) await tx.query(`DELETE FROM m365d_sync_state WHERE tenant_id = $1 AND stream = $2`, [tenantId, drop.stream])
    await tx.query(
      `UPDATE m365d_sync_state SET stream = $3, records_synced = records_synced + $4, api_calls = api_calls + $5, throttled = throttled + $6
       WHERE tenant_id = $1 AND stream = $2`,
      [tenantId, keep.stream, to, drop?.records_synced ?? 0, drop?.api_calls ?? 0, drop?.throttled ?? 0],
    )
    return true
  })
}
