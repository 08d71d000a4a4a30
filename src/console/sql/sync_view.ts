import type { Queryable } from '../../sync/index.js'

export async function workerRows(db: Queryable) {
  const { rows } = await db.query<{ worker_id: string; hostname: string | null; pid: number | null; started_at: Date; heartbeat_at: Date; leases: string; alive: boolean }>(
    `SELECT w.*, (SELECT count(*) FROM m365d_leases l WHERE l.worker_id = w.worker_id AND l.expires_at > now()) AS leases,
       w.heartbeat_at > now() - interval '2 minutes' AS alive
     FROM m365d_workers w ORDER BY w.started_at`,
  )
  return rows
}

export async function streamRows(db: Queryable) {
  const { rows } = await db.query<{
    tenant_id: string
    display_name: string | null
    stream: string
    worker_id: string | null
    expires_at: Date | null
    watermark: Date | null
    last_success_at: Date | null
    consecutive_failures: number
    next_run_at: Date | null
    throttled: string
    api_calls: string
    records_synced: string
    last_error: { code?: string; message?: string; hint?: string } | null
  }>(
    `SELECT s.tenant_id, t.display_name, s.stream, CASE WHEN l.expires_at > now() THEN l.worker_id END AS worker_id, l.expires_at,
       s.watermark, s.last_success_at, s.consecutive_failures, s.next_run_at, s.throttled, s.api_calls, s.records_synced, s.last_error
     FROM m365d_sync_state s LEFT JOIN m365d_tenants t USING (tenant_id) LEFT JOIN m365d_leases l USING (tenant_id)
     ORDER BY s.consecutive_failures DESC, s.watermark NULLS FIRST, s.tenant_id, s.stream LIMIT 2000`,
  )
  return rows
}

export async function outboxRows(db: Queryable) {
  const { rows } = await db.query<{ sink: string; pending: string; failing: string; last_error: string | null; oldest: Date | null }>(
    `SELECT sink, count(*) AS pending, count(*) FILTER (WHERE last_error IS NOT NULL) AS failing,
       (array_agg(last_error ORDER BY id DESC) FILTER (WHERE last_error IS NOT NULL))[1] AS last_error, min(created_at) AS oldest
     FROM m365d_outbox GROUP BY sink ORDER BY sink`,
  )
  return rows
}
