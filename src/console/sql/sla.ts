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
    `SELECT r.*, t.display_name FROM m365d_rollup_tenant r JOIN m365d_tenants t USING (tenant_id)
     ORDER BY (r.open_high + r.open_medium + r.open_low + r.open_informational + r.open_other) DESC, t.display_name NULLS LAST, r.tenant_id`,
  )
  return rows
}

/** Fleet-wide new and resolved per day over `days`, from the per-tenant daily rollup. */
export async function dailyRows(db: Queryable, days: number) {
  const { rows } = await db.query<{ day: string; created: string; resolved: string }>(
    `SELECT d::date::text AS day, coalesce(sum(r.created), 0) AS created, coalesce(sum(r.resolved), 0) AS resolved
     FROM generate_series((now() AT TIME ZONE 'UTC')::date - ($1::int - 1), (now() AT TIME ZONE 'UTC')::date, interval '1 day') AS d
     LEFT JOIN m365d_rollup_daily r ON r.day = d::date
     GROUP BY d ORDER BY d`,
    [days],
  )
  return rows.map((r) => ({ day: r.day, created: Number(r.created), resolved: Number(r.resolved) }))
}
