import { scrubSecrets } from '../../../lib/errors.js'
import type { Queryable } from '../database.js'

export interface TenantRow {
  tenant_id: string
  display_name: string | null
  domain: string | null
  enabled: boolean
  added_at: Date
  health: string
  health_detail: unknown
  checked_at: Date | null
  /** The surface pinned for this tenant (`tenants add|set --api`); null = the daemon's default. */
  api: 'legacy' | 'graph' | null
  /** The surface the last pass used, and since when. */
  surface: 'legacy' | 'graph' | null
  surface_changed_at: Date | null
}

/** Adds (or re-enables) a tenant and gives it a lease row so workers can claim it. */
export async function upsertTenant(db: Queryable, tenant: { tenantId: string; displayName?: string | null; domain?: string | null }): Promise<TenantRow> {
  const { rows } = await db.query<TenantRow>(
    `INSERT INTO m365d_tenants (tenant_id, display_name, domain) VALUES ($1, $2, $3)
     ON CONFLICT (tenant_id) DO UPDATE SET enabled = true,
       display_name = COALESCE(EXCLUDED.display_name, m365d_tenants.display_name),
       domain = COALESCE(EXCLUDED.domain, m365d_tenants.domain)
     RETURNING *`,
    [tenant.tenantId.toLowerCase(), tenant.displayName ?? null, tenant.domain ?? null],
  )
  await db.query(`INSERT INTO m365d_leases (tenant_id) VALUES ($1) ON CONFLICT DO NOTHING`, [tenant.tenantId.toLowerCase()])
  return rows[0]!
}

export async function listTenants(db: Queryable): Promise<TenantRow[]> {
  return (await db.query<TenantRow>(`SELECT * FROM m365d_tenants ORDER BY added_at, tenant_id`)).rows
}

/** Stops syncing a tenant; its synced data stays (delete it explicitly with `purge`). */
export async function removeTenant(db: Queryable, tenantId: string, options: { purge?: boolean } = {}): Promise<boolean> {
  const id = tenantId.toLowerCase()
  const { rows } = await db.query<{ domain: string | null }>(`DELETE FROM m365d_tenants WHERE tenant_id = $1 RETURNING domain`, [id])
  await db.query(`DELETE FROM m365d_leases WHERE tenant_id = $1`, [id])
  // A tombstone: an onboarding link issued before the removal must not bring the tenant back (issue 10 §3).
  if (rows.length)
    await db.query(
      `INSERT INTO m365d_removed_tenants (tenant_id, domain, purged) VALUES ($1, $2, $3)
       ON CONFLICT (tenant_id) DO UPDATE SET removed_at = now(), domain = EXCLUDED.domain, purged = EXCLUDED.purged`,
      [id, rows[0]!.domain, options.purge === true],
    )
  if (options.purge) {
    for (const table of ['m365d_incidents', 'm365d_alerts', 'm365d_incident_history', 'm365d_sync_state'])
      await db.query(`DELETE FROM ${table} WHERE tenant_id = $1`, [id])
  }
  return rows.length > 0
}

export async function setTenantHealth(db: Queryable, tenantId: string, health: string, detail: unknown): Promise<void> {
  await db.query(`UPDATE m365d_tenants SET health = $2, health_detail = $3::jsonb, checked_at = now() WHERE tenant_id = $1`, [
    tenantId.toLowerCase(),
    health,
    // Scrubbed before it is persisted: a detail quoting a server's answer may echo a secret.
    scrubSecrets(JSON.stringify(detail ?? null)),
  ])
}

/** Pins a tenant to a surface (`legacy` until its Graph consent is done, say) or unpins it (null). */
export async function setTenantApi(db: Queryable, tenantId: string, api: 'legacy' | 'graph' | null): Promise<boolean> {
  const { rows } = await db.query(`UPDATE m365d_tenants SET api = $2 WHERE tenant_id = $1 RETURNING tenant_id`, [tenantId.toLowerCase(), api])
  return rows.length > 0
}

export async function readTenant(db: Queryable, tenantId: string): Promise<TenantRow | undefined> {
  return (await db.query<TenantRow>(`SELECT * FROM m365d_tenants WHERE tenant_id = $1`, [tenantId.toLowerCase()])).rows[0]
}

/** Records the surface a pass used; returns the previous one (null the first time). */
export async function recordTenantSurface(db: Queryable, tenantId: string, surface: 'legacy' | 'graph'): Promise<'legacy' | 'graph' | null> {
  const { rows } = await db.query<{ previous: 'legacy' | 'graph' | null }>(
    `UPDATE m365d_tenants t SET surface = $2, surface_changed_at = CASE WHEN t.surface IS DISTINCT FROM $2 THEN now() ELSE t.surface_changed_at END
     FROM (SELECT surface AS previous FROM m365d_tenants WHERE tenant_id = $1) p
     WHERE t.tenant_id = $1 RETURNING p.previous`,
    [tenantId.toLowerCase(), surface],
  )
  return rows[0]?.previous ?? null
}
