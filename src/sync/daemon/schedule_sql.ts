import type { Queryable } from '../db/database.js'

/**
 * The scheduler's queries. Due = every stream of the tenant that has state is due
 * (`next_run_at` null or past) — a tenant with no state yet is due at once. Backoff is stored on
 * every stream (syncTenant), so one failed stream keeps the whole tenant waiting.
 *
 * Fair order: least recently attempted first (`last_attempt_at`, moved by each committed page and
 * each failure), never-run tenants before all others, so a slow, throttled or failing tenant goes
 * to the back of the queue every time it runs and cannot starve the rest (issue 4 §3).
 */
export async function dueTenants(db: Queryable, o: { tenantIds: string[]; streams: string[]; now: Date }): Promise<string[]> {
  if (!o.tenantIds.length) return []
  const { rows } = await db.query<{ tenant_id: string }>(
    `SELECT t.tenant_id
     FROM m365d_tenants t LEFT JOIN m365d_sync_state s ON s.tenant_id = t.tenant_id AND s.stream = ANY($2::text[])
     WHERE t.enabled AND t.tenant_id = ANY($1::text[])
     GROUP BY t.tenant_id
     HAVING bool_and(s.next_run_at IS NULL OR s.next_run_at <= $3) IS NOT FALSE
     ORDER BY max(s.last_attempt_at) NULLS FIRST, t.tenant_id`,
    [o.tenantIds, o.streams, o.now.toISOString()],
  )
  return rows.map((r) => r.tenant_id)
}

export async function registerWorker(db: Queryable, o: { workerId: string; hostname: string; pid: number }): Promise<void> {
  await db.query(
    `INSERT INTO m365d_workers (worker_id, hostname, pid) VALUES ($1, $2, $3)
     ON CONFLICT (worker_id) DO UPDATE SET heartbeat_at = now()`,
    [o.workerId, o.hostname, o.pid],
  )
}

export async function heartbeatWorker(db: Queryable, workerId: string, ttlSeconds: number): Promise<void> {
  await db.query(`UPDATE m365d_workers SET heartbeat_at = now() WHERE worker_id = $1`, [workerId])
  // Rows of workers dead for many TTLs only clutter the fair-share count's table.
  await db.query(`DELETE FROM m365d_workers WHERE heartbeat_at < now() - make_interval(secs => $1)`, [ttlSeconds * 10])
}

export async function unregisterWorker(db: Queryable, workerId: string): Promise<void> {
  await db.query(`DELETE FROM m365d_workers WHERE worker_id = $1`, [workerId])
}

/**
 * Fair share of the enabled tenants for this worker: ceil(tenants / live workers), live = a
 * heartbeat within one lease TTL. A worker over its share gives idle tenants back, so a worker
 * that joins gets work without anyone being killed.
 */
export async function fairShare(db: Queryable, o: { ttlSeconds: number }): Promise<number> {
  const { rows } = await db.query<{ tenants: string; workers: string }>(
    `SELECT (SELECT count(*) FROM m365d_tenants WHERE enabled) AS tenants,
            (SELECT count(*) FROM m365d_workers WHERE heartbeat_at >= now() - make_interval(secs => $1)) AS workers`,
    [o.ttlSeconds],
  )
  const tenants = Number(rows[0]?.tenants ?? 0)
  const workers = Math.max(1, Number(rows[0]?.workers ?? 1))
  return Math.ceil(tenants / workers)
}

export interface StatusRow {
  tenant_id: string
  display_name: string | null
  enabled: boolean
  health: string
  health_detail: unknown
  worker_id: string | null
  lease_valid: boolean
  states: {
    stream: string
    watermark: string | null
    last_success_at: string | null
    last_error_at: string | null
    last_error: { code?: string; message?: string; hint?: string } | null
    consecutive_failures: number
    next_run_at: string | null
    records_synced: number
    api_calls: number
    throttled: number
  }[]
}

export async function statusRows(db: Queryable): Promise<StatusRow[]> {
  const { rows } = await db.query<StatusRow>(
    `SELECT t.tenant_id, t.display_name, t.enabled, t.health, t.health_detail, l.worker_id,
       COALESCE(l.expires_at >= now(), false) AS lease_valid,
       COALESCE((SELECT jsonb_agg(jsonb_build_object('stream', s.stream, 'watermark', s.watermark,
           'last_success_at', s.last_success_at, 'last_error_at', s.last_error_at, 'last_error', s.last_error,
           'consecutive_failures', s.consecutive_failures, 'next_run_at', s.next_run_at,
           'records_synced', s.records_synced, 'api_calls', s.api_calls, 'throttled', s.throttled) ORDER BY s.stream)
         FROM m365d_sync_state s WHERE s.tenant_id = t.tenant_id), '[]'::jsonb) AS states
     FROM m365d_tenants t LEFT JOIN m365d_leases l ON l.tenant_id = t.tenant_id
     ORDER BY t.added_at, t.tenant_id`,
  )
  return rows
}

export interface HeldLease {
  tenant_id: string
  /** The tenant's name, else its domain. */
  display_name: string | null
  worker_id: string
  acquired_at: string | null
  expires_at: string
  /** The holder's last heartbeat (null when it deregistered or was cleaned up). */
  heartbeat_at: string | null
}

/** Enabled tenants whose unexpired lease another worker holds (a live one, or a dead one whose lease runs out). */
export async function leasesHeldElsewhere(db: Queryable, workerId: string): Promise<HeldLease[]> {
  const { rows } = await db.query<HeldLease>(
    `SELECT l.tenant_id, COALESCE(t.display_name, t.domain) AS display_name, l.worker_id, l.acquired_at, l.expires_at, w.heartbeat_at
     FROM m365d_leases l JOIN m365d_tenants t USING (tenant_id) LEFT JOIN m365d_workers w ON w.worker_id = l.worker_id
     WHERE t.enabled AND l.worker_id IS NOT NULL AND l.worker_id <> $1 AND l.expires_at >= now()
     ORDER BY l.expires_at, l.tenant_id`,
    [workerId],
  )
  return rows
}
