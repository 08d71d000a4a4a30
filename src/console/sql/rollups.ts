import type { Queryable } from '../../sync/index.js'

/** Open = not resolved and not redirected (legacy Active/InProgress, Graph active/inProgress/awaitingAction). */
export const openStatusSql = (column = 'status') => `m365d_status_key(${column}) IN ('active', 'inprogress', 'awaitingaction')`

/**
 * Recomputes the per-tenant rollups the tenants and SLA pages read (migration 3): open incidents
 * by severity, the oldest open one, stale counts, time to first assignment and to resolution
 * (from the incident history), and new/resolved per day over 90 days. `tenants` limits it to the
 * tenants whose incidents changed (the live poll passes them), `null` recomputes every tenant.
 * Time to assignment: the first history version whose assignedTo became non-empty, or — for an
 * incident first seen already assigned — its first stored version; the same rule for resolution.
 */
export async function refreshRollups(db: Queryable, tenants: string[] | null): Promise<void> {
  const scope = tenants === null ? 'true' : 'tenant_id = ANY($1::text[])'
  const params = tenants === null ? [] : [tenants]
  await db.query(
    `WITH i AS (
       SELECT tenant_id, source, incident_id, created_time, last_update_time, status, assigned_to,
         m365d_severity_rank(severity) AS sev, ${openStatusSql()} AS open
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
       SELECT tenant_id, count(*) AS incidents,
         count(*) FILTER (WHERE open AND sev = 4) AS open_high,
         count(*) FILTER (WHERE open AND sev = 3) AS open_medium,
         count(*) FILTER (WHERE open AND sev = 2) AS open_low,
         count(*) FILTER (WHERE open AND sev = 1) AS open_informational,
         count(*) FILTER (WHERE open AND sev = 0) AS open_other,
         min(created_time) FILTER (WHERE open) AS oldest_open,
         count(*) FILTER (WHERE open AND last_update_time < now() - interval '5 days') AS stale_5d,
         count(*) FILTER (WHERE open AND last_update_time < now() - interval '30 days') AS stale_30d,
         count(tta) FILTER (WHERE tta >= 0) AS assigned,
         percentile_cont(0.5) WITHIN GROUP (ORDER BY tta) FILTER (WHERE tta >= 0) AS tta_p50,
         percentile_cont(0.9) WITHIN GROUP (ORDER BY tta) FILTER (WHERE tta >= 0) AS tta_p90,
         count(ttr) FILTER (WHERE ttr >= 0) AS resolved,
         percentile_cont(0.5) WITHIN GROUP (ORDER BY ttr) FILTER (WHERE ttr >= 0) AS ttr_p50,
         percentile_cont(0.9) WITHIN GROUP (ORDER BY ttr) FILTER (WHERE ttr >= 0) AS ttr_p90
       FROM x GROUP BY tenant_id
     ), al AS (
       SELECT tenant_id, count(*) AS alerts FROM m365d_alerts WHERE ${scope} GROUP BY tenant_id
     )
     INSERT INTO m365d_rollup_tenant AS r (tenant_id, incidents, alerts, open_high, open_medium, open_low, open_informational,
       open_other, oldest_open, stale_5d, stale_30d, assigned, tta_p50_s, tta_p90_s, resolved, ttr_p50_s, ttr_p90_s, refreshed_at)
     SELECT t.tenant_id, coalesce(agg.incidents, 0), coalesce(al.alerts, 0), coalesce(open_high, 0), coalesce(open_medium, 0),
       coalesce(open_low, 0), coalesce(open_informational, 0), coalesce(open_other, 0), oldest_open, coalesce(stale_5d, 0),
       coalesce(stale_30d, 0), coalesce(assigned, 0), tta_p50, tta_p90, coalesce(resolved, 0), ttr_p50, ttr_p90, now()
     FROM m365d_tenants t LEFT JOIN agg USING (tenant_id) LEFT JOIN al USING (tenant_id)
     WHERE ${scope.replace('tenant_id', 't.tenant_id')}
     ON CONFLICT (tenant_id) DO UPDATE SET incidents = EXCLUDED.incidents, alerts = EXCLUDED.alerts,
       open_high = EXCLUDED.open_high, open_medium = EXCLUDED.open_medium, open_low = EXCLUDED.open_low,
       open_informational = EXCLUDED.open_informational, open_other = EXCLUDED.open_other, oldest_open = EXCLUDED.oldest_open,
       stale_5d = EXCLUDED.stale_5d, stale_30d = EXCLUDED.stale_30d, assigned = EXCLUDED.assigned,
       tta_p50_s = EXCLUDED.tta_p50_s, tta_p90_s = EXCLUDED.tta_p90_s, resolved = EXCLUDED.resolved,
       ttr_p50_s = EXCLUDED.ttr_p50_s, ttr_p90_s = EXCLUDED.ttr_p90_s, refreshed_at = now()`,
    params,
  )
  await db.query(`DELETE FROM m365d_rollup_daily WHERE ${scope}`, params)
  await db.query(
    `INSERT INTO m365d_rollup_daily (tenant_id, day, created, resolved)
     SELECT tenant_id, day, sum(created)::int, sum(resolved)::int FROM (
       SELECT tenant_id, (created_time AT TIME ZONE 'UTC')::date AS day, 1 AS created, 0 AS resolved
       FROM m365d_incidents WHERE ${scope} AND created_time >= now() - interval '90 days'
       UNION ALL
       SELECT tenant_id, (min(last_update_time) AT TIME ZONE 'UTC')::date, 0, 1
       FROM m365d_incident_history WHERE ${scope} AND lower(changes->'status'->>1) = 'resolved' AND last_update_time >= now() - interval '90 days'
       GROUP BY tenant_id, source, incident_id
     ) d GROUP BY tenant_id, day`,
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
