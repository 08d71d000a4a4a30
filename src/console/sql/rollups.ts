import type { Database, Queryable } from '../../sync/index.js'

/** Open = not resolved and not redirected (legacy Active/InProgress, Graph active/inProgress/awaitingAction). */
export const openStatusSql = (column = 'status') => `m365d_status_key(${column}) IN ('active', 'inprogress', 'awaitingaction')`

/**
 * Recomputes the rollups of the tenants whose incidents or history changed since (marked by the
 * triggers of migration 5 in the writing transaction), taking the marks in the SAME transaction:
 * a writer still open holds its mark's row lock, so the DELETE waits for it and the recompute —
 * a later statement, with a newer snapshot — sees its rows; a mark made after the DELETE stays for
 * the next call; a failed recompute rolls the marks back. Returns the tenants refreshed.
 */
export async function refreshDirtyRollups(db: Database, batch = 200): Promise<string[]> {
  return db.transaction(async (tx) => {
    await tx.query(`SELECT pg_advisory_xact_lock($1)`, [ROLLUP_LOCK_KEY])
    // At most `batch` tenants per transaction: a burst of writes across the fleet is worked off
    // over several polls instead of one long transaction holding every mark.
    const { rows } = await tx.query<{ tenant_id: string }>(
      `DELETE FROM m365d_rollup_dirty WHERE tenant_id IN (SELECT tenant_id FROM m365d_rollup_dirty ORDER BY tenant_id LIMIT $1 FOR UPDATE) RETURNING tenant_id`,
      [batch],
    )
    const tenants = rows.map((r) => r.tenant_id)
    if (tenants.length) await recompute(tx, tenants)
    return tenants
  })
}

/** Arbitrary constant key for pg_advisory_xact_lock ("m366"): one refresher at a time per store. */
const ROLLUP_LOCK_KEY = 0x6d333636

/** {@link recompute} in one transaction, after any other refresher (another console on the same PostgreSQL). */
export async function refreshRollups(db: Database, tenants: string[] | null): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.query(`SELECT pg_advisory_xact_lock($1)`, [ROLLUP_LOCK_KEY])
    await recompute(tx, tenants)
  })
}

/**
 * Recomputes the per-tenant figures that depend on the clock or on the whole history (migration
 * 3; counts live in m365d_incident_counts, migration 5): stale open incidents, time to first
 * assignment and to resolution (from the incident history), and new/resolved per day over 90
 * days. `tenants` limits it to those tenants, `null` recomputes every tenant.
 * Time to assignment: the first history version whose assignedTo became non-empty, or — for an
 * incident first seen already assigned — its first stored version; the same rule for resolution.
 */
async function recompute(db: Queryable, tenants: string[] | null): Promise<void> {
  const scope = tenants === null ? 'true' : 'tenant_id = ANY($1::text[])'
  const params = tenants === null ? [] : [tenants]
  await db.query(
    `WITH i AS (
       SELECT tenant_id, source, incident_id, created_time, last_update_time, status, assigned_to, ${openStatusSql()} AS open
       FROM m365d_incidents WHERE ${scope}
     ), h AS (
       SELECT tenant_id, source, incident_id,
         min(last_update_time) FILTER (WHERE coalesce(changes->'assignedTo'->>1, '') <> '') AS assigned_at,
         min(last_update_time) FILTER (WHERE lower(changes->'status'->>1) = 'resolved') AS resolved_at,
         min(last_update_time) AS first_seen
       FROM m365d_incident_history WHERE ${scope}
       GROUP BY tenant_id, source, incident_id
     ), x AS (
       SELECT i.*,
         extract(epoch FROM coalesce(h.assigned_at, CASE WHEN coalesce(i.assigned_to, '') <> '' THEN h.first_seen END) - i.created_time) AS tta,
         CASE WHEN m365d_status_key(i.status) = 'resolved'
           THEN extract(epoch FROM coalesce(h.resolved_at, h.first_seen, i.last_update_time) - i.created_time) END AS ttr
       FROM i LEFT JOIN h USING (tenant_id, source, incident_id)
     ), agg AS (
       SELECT tenant_id,
         count(*) FILTER (WHERE open AND last_update_time < now() - interval '5 days') AS stale_5d,
         count(*) FILTER (WHERE open AND last_update_time < now() - interval '30 days') AS stale_30d,
         count(tta) FILTER (WHERE tta >= 0) AS assigned,
         percentile_cont(0.5) WITHIN GROUP (ORDER BY tta) FILTER (WHERE tta >= 0) AS tta_p50,
         percentile_cont(0.9) WITHIN GROUP (ORDER BY tta) FILTER (WHERE tta >= 0) AS tta_p90,
         count(ttr) FILTER (WHERE ttr >= 0) AS resolved,
         percentile_cont(0.5) WITHIN GROUP (ORDER BY ttr) FILTER (WHERE ttr >= 0) AS ttr_p50,
         percentile_cont(0.9) WITHIN GROUP (ORDER BY ttr) FILTER (WHERE ttr >= 0) AS ttr_p90
       FROM x GROUP BY tenant_id
     )
     INSERT INTO m365d_rollup_tenant AS r (tenant_id, stale_5d, stale_30d, assigned, tta_p50_s, tta_p90_s, resolved, ttr_p50_s, ttr_p90_s, refreshed_at)
     SELECT t.tenant_id, coalesce(stale_5d, 0), coalesce(stale_30d, 0), coalesce(assigned, 0), tta_p50, tta_p90, coalesce(resolved, 0), ttr_p50, ttr_p90, now()
     FROM m365d_tenants t LEFT JOIN agg USING (tenant_id)
     WHERE ${scope.replace('tenant_id', 't.tenant_id')}
     ON CONFLICT (tenant_id) DO UPDATE SET stale_5d = EXCLUDED.stale_5d, stale_30d = EXCLUDED.stale_30d, assigned = EXCLUDED.assigned,
       tta_p50_s = EXCLUDED.tta_p50_s, tta_p90_s = EXCLUDED.tta_p90_s, resolved = EXCLUDED.resolved,
       ttr_p50_s = EXCLUDED.ttr_p50_s, ttr_p90_s = EXCLUDED.ttr_p90_s, refreshed_at = now()`,
    params,
  )
  // Per tenant and day, and the fleet's total per day moved by the same difference (the SLA
  // chart reads 90 rows instead of summing 90 × tenants). Resolved per day follows the same rule as
  // time to resolution above: the incidents resolved now, on the day their history first says
  // resolved, or — first seen already resolved — on the last update it was first seen with, so the
  // chart and the per-tenant "Resolved" column count the same incidents.
  const toFleet = (rows: string, sign: '' | '-') => `INSERT INTO m365d_rollup_fleet_daily AS f (day, created, resolved)
     SELECT day, ${sign}sum(created), ${sign}sum(resolved) FROM ${rows} GROUP BY day ORDER BY day
     ON CONFLICT (day) DO UPDATE SET created = f.created + EXCLUDED.created, resolved = f.resolved + EXCLUDED.resolved`
  await db.query(`WITH gone AS (DELETE FROM m365d_rollup_daily WHERE ${scope} RETURNING day, created, resolved) ${toFleet('gone', '-')}`, params)
  await db.query(
    `WITH added AS (
     INSERT INTO m365d_rollup_daily (tenant_id, day, created, resolved)
     SELECT tenant_id, day, sum(created)::int, sum(resolved)::int FROM (
       SELECT tenant_id, (created_time AT TIME ZONE 'UTC')::date AS day, 1 AS created, 0 AS resolved
       FROM m365d_incidents WHERE ${scope} AND created_time >= now() - interval '90 days'
       UNION ALL
       SELECT tenant_id, (resolved_at AT TIME ZONE 'UTC')::date, 0, 1 FROM (
         SELECT i.tenant_id, coalesce(h.resolved_at, h.first_seen, i.last_update_time) AS resolved_at
         FROM m365d_incidents i LEFT JOIN (
           SELECT tenant_id, source, incident_id,
             min(last_update_time) FILTER (WHERE lower(changes->'status'->>1) = 'resolved') AS resolved_at,
             min(last_update_time) AS first_seen
           FROM m365d_incident_history WHERE ${scope} GROUP BY tenant_id, source, incident_id
         ) h USING (tenant_id, source, incident_id)
         WHERE ${scope.replace('tenant_id', 'i.tenant_id')} AND m365d_status_key(i.status) = 'resolved'
       ) r WHERE resolved_at >= now() - interval '90 days'
     ) d GROUP BY tenant_id, day
     RETURNING day, created, resolved
     ) ${toFleet('added', '')}`,
    params,
  )
  // Tenants removed since: their rollups go too.
  await db.query(`DELETE FROM m365d_rollup_tenant r WHERE NOT EXISTS (SELECT 1 FROM m365d_tenants t WHERE t.tenant_id = r.tenant_id)`)
}

/** Tenants without a rollup row yet (added since the last refresh). */
export async function tenantsWithoutRollup(db: Queryable): Promise<string[]> {
  const { rows } = await db.query<{ tenant_id: string }>(
    `SELECT tenant_id FROM m365d_tenants t WHERE NOT EXISTS (SELECT 1 FROM m365d_rollup_tenant r WHERE r.tenant_id = t.tenant_id)`,
  )
  return rows.map((r) => r.tenant_id)
}
