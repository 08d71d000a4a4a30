import type { Queryable } from '../../sync/index.js'

export async function slaRows(db: Queryable) {
  const { rows } = await db.query<{
    tenant_id: string
    display_name: string | null
    open_high: number
    open_medium: number
    open_low: number
    open_informational: number
    open_other: number
    stale_5d: number
    stale_30d: number
    tta_p50_s: number | null
    tta_p90_s: number | null
    ttr_p50_s: number | null
    ttr_p90_s: number | null
    resolved: number
    refreshed_at: Date
  }>(
    // Open counts as of now (kept in the writing transaction); the rest as of the rollup refresh.
    `SELECT t.tenant_id, t.display_name, coalesce(c.open_high, 0) AS open_high, coalesce(c.open_medium, 0) AS open_medium,
       coalesce(c.open_low, 0) AS open_low, coalesce(c.open_informational, 0) AS open_informational, coalesce(c.open_other, 0) AS open_other,
       r.stale_5d, r.stale_30d, r.tta_p50_s, r.tta_p90_s, r.ttr_p50_s, r.ttr_p90_s, r.resolved, r.refreshed_at
     FROM m365d_tenants t JOIN m365d_rollup_tenant r USING (tenant_id) LEFT JOIN m365d_incident_counts c USING (tenant_id)
     ORDER BY (coalesce(c.open_high, 0) + coalesce(c.open_medium, 0) + coalesce(c.open_low, 0) + coalesce(c.open_informational, 0) + coalesce(c.open_other, 0)) DESC,
       t.display_name NULLS LAST, t.tenant_id`,
  )
  return rows
}

/** Fleet-wide new and resolved per day over `days`, from the fleet's daily rollup. */
export async function dailyRows(db: Queryable, days: number) {
  const { rows } = await db.query<{ day: string; created: string; resolved: string }>(
    `SELECT d::date::text AS day, coalesce(r.created, 0) AS created, coalesce(r.resolved, 0) AS resolved
     FROM generate_series((now() AT TIME ZONE 'UTC')::date - ($1::int - 1), (now() AT TIME ZONE 'UTC')::date, interval '1 day') AS d
     LEFT JOIN m365d_rollup_fleet_daily r ON r.day = d::date
     ORDER BY d`,
    [days],
  )
  return rows.map((r) => ({ day: r.day, created: Number(r.created), resolved: Number(r.resolved) }))
}
