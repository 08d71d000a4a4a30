import type { Queryable } from '../database.js'

/**
 * Tenant leases for scale-out: several daemon processes on one PostgreSQL share the tenants, never
 * two on one tenant at once. A worker claims free or expired rows with FOR UPDATE SKIP LOCKED (so
 * concurrent claimers never block on, nor double-claim, the same row), renews what it holds, and
 * a worker that dies has its tenants taken over once its leases expire.
 */
export async function acquireLeases(db: Queryable, options: { workerId: string; max: number; ttlSeconds: number }): Promise<string[]> {
  const { rows } = await db.query<{ tenant_id: string }>(
    `WITH free AS (
       SELECT l.tenant_id FROM m365d_leases l JOIN m365d_tenants t USING (tenant_id)
       WHERE t.enabled AND (l.expires_at < now() OR l.worker_id = $1)
       -- Leases this worker still holds first; released rows have a NULL worker, which must not
       -- sort ahead of them (comparing a NULL worker gives NULL, and NULLs sort first in DESC).
       ORDER BY COALESCE(l.worker_id = $1, false) DESC, l.expires_at
       LIMIT $2
       FOR UPDATE OF l SKIP LOCKED
     )
     UPDATE m365d_leases l
     SET acquired_at = CASE WHEN l.worker_id = $1 AND l.expires_at >= now() THEN l.acquired_at ELSE now() END,
         worker_id = $1,
         expires_at = now() + make_interval(secs => $3)
     FROM free WHERE l.tenant_id = free.tenant_id
     RETURNING l.tenant_id`,
    [options.workerId, options.max, options.ttlSeconds],
  )
  return rows.map((r) => r.tenant_id).sort()
}

/** Extends the leases this worker still holds; returns the tenants it still owns. */
export async function renewLeases(db: Queryable, options: { workerId: string; ttlSeconds: number }): Promise<string[]> {
  const { rows } = await db.query<{ tenant_id: string }>(
    `UPDATE m365d_leases SET expires_at = now() + make_interval(secs => $2)
     WHERE worker_id = $1 AND expires_at >= now() RETURNING tenant_id`,
    [options.workerId, options.ttlSeconds],
  )
  return rows.map((r) => r.tenant_id).sort()
}

/** Gives tenants back at once (graceful shutdown) so other workers need not wait for expiry. */
export async function releaseLeases(db: Queryable, options: { workerId: string; tenantIds?: string[] }): Promise<number> {
  const { rows } = await db.query<{ tenant_id: string }>(
    `UPDATE m365d_leases SET worker_id = NULL, expires_at = '-infinity'
     WHERE worker_id = $1 AND ($2::text[] IS NULL OR tenant_id = ANY($2::text[])) RETURNING tenant_id`,
    [options.workerId, options.tenantIds ?? null],
  )
  return rows.length
}
