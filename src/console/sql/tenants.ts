import type { Queryable } from '../../sync/index.js'

export interface TenantPageRow {
  tenant_id: string
  display_name: string | null
  domain: string | null
  enabled: boolean
  tags: string[]
  health: string
  health_detail: Record<string, unknown> | null
  /** Epoch milliseconds. */
  last_success: number | null
  /** Epoch milliseconds. */
  min_watermark: number | null
  failures: number | null
  last_error: { code?: string; message?: string; hint?: string } | null
  incidents: string | null
  alerts: string | null
  open_high: number | null
  open_medium: number | null
  open_low: number | null
  open_informational: number | null
  open_other: number | null
  /** Epoch milliseconds. */
  oldest_open: number | null
  stale_30d: number | null
  /** Epoch milliseconds. */
  refreshed_at: number | null
  access: { api: 'legacy' | 'graph'; roles: string[]; error: { code?: string; message?: string } | null; checked_at: string }[] | null
}

/** A timestamp as epoch milliseconds: a float is read far faster than a timestamp's text (a thousand rows × four per page). */
const ms = (column: string) => `(extract(epoch FROM ${column}) * 1000)::float8`

/**
 * One row per tenant for the tenants page: registry, sync state rolled up over streams, token
 * roles, and the incident figures: counts and the oldest open incident from m365d_incident_counts
 * (kept in the writing transaction, migration 5), stale counts from the refreshed rollup.
 */
export async function tenantPageRows(db: Queryable): Promise<TenantPageRow[]> {
  const { rows } = await db.query<TenantPageRow>(
    `SELECT t.tenant_id, t.display_name, t.domain, t.enabled, t.tags, t.health, t.health_detail,
       ${ms('s.last_success')} AS last_success, ${ms('s.min_watermark')} AS min_watermark, s.failures, s.last_error,
       c.incidents, c.alerts, c.open_high, c.open_medium, c.open_low, c.open_informational, c.open_other,
       ${ms('c.oldest_open')} AS oldest_open, r.stale_30d, ${ms('r.refreshed_at')} AS refreshed_at, a.access
     FROM m365d_tenants t
     LEFT JOIN (
       SELECT tenant_id, max(last_success_at) AS last_success, min(watermark) AS min_watermark,
         max(consecutive_failures) AS failures,
         (array_agg(last_error ORDER BY last_error_at DESC NULLS LAST) FILTER (WHERE last_error IS NOT NULL))[1] AS last_error
       FROM m365d_sync_state GROUP BY tenant_id
     ) s USING (tenant_id)
     LEFT JOIN m365d_incident_counts c USING (tenant_id)
     LEFT JOIN m365d_rollup_tenant r USING (tenant_id)
     LEFT JOIN (
       SELECT tenant_id, jsonb_agg(jsonb_build_object('api', api, 'roles', roles, 'error', error, 'checked_at', checked_at)) AS access
       FROM m365d_tenant_access GROUP BY tenant_id
     ) a USING (tenant_id)
     ORDER BY t.display_name NULLS LAST, t.domain NULLS LAST, t.tenant_id`,
  )
  return rows
}

export async function setTenantEnabled(db: Queryable, tenantId: string, enabled: boolean): Promise<boolean> {
  const { rows } = await db.query(`UPDATE m365d_tenants SET enabled = $2 WHERE tenant_id = $1 RETURNING tenant_id`, [tenantId.toLowerCase(), enabled])
  return rows.length > 0
}

export async function setTenantTags(db: Queryable, tenantId: string, tags: string[]): Promise<boolean> {
  const { rows } = await db.query(`UPDATE m365d_tenants SET tags = $2::text[] WHERE tenant_id = $1 RETURNING tenant_id`, [tenantId.toLowerCase(), tags])
  return rows.length > 0
}

/** Tenant ids named directly or through one of their tags. */
export async function resolveTenantScope(db: Queryable, o: { tenants?: string[]; tags?: string[] }): Promise<string[] | undefined> {
  if (!o.tenants?.length && !o.tags?.length) return undefined
  const { rows } = await db.query<{ tenant_id: string }>(
    `SELECT tenant_id FROM m365d_tenants WHERE tenant_id = ANY($1::text[]) OR tags && $2::text[]`,
    [(o.tenants ?? []).map((t) => t.toLowerCase()), o.tags ?? []],
  )
  return rows.map((r) => r.tenant_id)
}

export async function upsertAccess(db: Queryable, tenantId: string, api: 'legacy' | 'graph', roles: string[], error: unknown): Promise<void> {
  await db.query(
    `INSERT INTO m365d_tenant_access (tenant_id, api, roles, error, checked_at) VALUES ($1, $2, $3::text[], $4::jsonb, now())
     ON CONFLICT (tenant_id, api) DO UPDATE SET roles = EXCLUDED.roles, error = EXCLUDED.error, checked_at = now()`,
    [tenantId, api, roles, error === null || error === undefined ? null : JSON.stringify(error)],
  )
}

export async function tenantChoices(db: Queryable) {
  const { rows } = await db.query<{ tenant_id: string; display_name: string | null; domain: string | null }>(
    `SELECT tenant_id, display_name, domain FROM m365d_tenants ORDER BY display_name NULLS LAST, domain NULLS LAST, tenant_id`,
  )
  return rows
}

export async function allTags(db: Queryable): Promise<string[]> {
  const { rows } = await db.query<{ tag: string }>(`SELECT DISTINCT unnest(tags) AS tag FROM m365d_tenants ORDER BY 1`)
  return rows.map((r) => r.tag)
}

/** Enabled tenants by the surface in use: the last pass's, else the pinned one, else the daemon's default. */
export async function surfacesInUse(db: Queryable, fallback: 'legacy' | 'graph'): Promise<Record<'legacy' | 'graph', number>> {
  const { rows } = await db.query<{ surface: string; n: string }>(
    `SELECT coalesce(surface, api, $1) AS surface, count(*) AS n FROM m365d_tenants WHERE enabled GROUP BY 1`,
    [fallback],
  )
  const out = { legacy: 0, graph: 0 }
  for (const r of rows) if (r.surface === 'legacy' || r.surface === 'graph') out[r.surface] = Number(r.n)
  return out
}
