import type { Queryable } from './db/database.js'
import { upsertTenant, type TenantRow } from './db/sql/tenants.js'

/**
 * The tenant registry (issue 9 §1): the tenants in the store are the single source of "all
 * tenants" for the daemon, the console, `hunt --all-tenants` and `incidents list --all-tenants`.
 * An operator adds, pauses, resumes, tags and removes them here; a removal leaves a tombstone so
 * that no onboarding link can bring the tenant back (issue 10 §3) — only an explicit add does.
 */
export interface RegistryTenant extends TenantRow {
  tags: string[]
  paused_at: Date | null
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** An operator's add: (re-)enables the tenant, clears its pause and any removal tombstone. */
export async function addTenant(db: Queryable, tenant: { tenantId: string; displayName?: string | null; domain?: string | null }): Promise<RegistryTenant> {
  const row = await upsertTenant(db, tenant)
  await db.query(`UPDATE m365d_tenants SET paused_at = NULL WHERE tenant_id = $1`, [row.tenant_id])
  await db.query(`DELETE FROM m365d_removed_tenants WHERE tenant_id = $1`, [row.tenant_id])
  return (await findTenant(db, row.tenant_id))!
}

/** By tenant id (GUID) or by the domain it was added with, case-insensitively. */
export async function findTenant(db: Queryable, idOrDomain: string): Promise<RegistryTenant | undefined> {
  const key = idOrDomain.trim().toLowerCase()
  const { rows } = await db.query<RegistryTenant>(
    GUID.test(key) ? `SELECT * FROM m365d_tenants WHERE tenant_id = $1` : `SELECT * FROM m365d_tenants WHERE lower(domain) = $1 ORDER BY added_at LIMIT 1`,
    [key],
  )
  return rows[0]
}

/** Every tenant, or only the active ones (enabled: not paused) with all of `tags`. */
export async function registryTenants(db: Queryable, o: { activeOnly?: boolean; tags?: string[] } = {}): Promise<RegistryTenant[]> {
  const { rows } = await db.query<RegistryTenant>(
    `SELECT * FROM m365d_tenants
     WHERE ($1::boolean IS NOT TRUE OR enabled) AND ($2::text[] IS NULL OR tags @> $2::text[])
     ORDER BY added_at, tenant_id`,
    [o.activeOnly === true, o.tags?.length ? o.tags : null],
  )
  return rows
}

/** Whether the operator removed this tenant (and has not added it again since). */
export async function isRemoved(db: Queryable, tenantId: string): Promise<boolean> {
  const { rows } = await db.query(`SELECT 1 FROM m365d_removed_tenants WHERE tenant_id = $1`, [tenantId.toLowerCase()])
  return rows.length > 0
}

/** Pause (stop syncing, keep everything) or resume (due at once, backoff reset). */
export async function setPaused(db: Queryable, tenantId: string, paused: boolean): Promise<RegistryTenant | undefined> {
  const id = tenantId.toLowerCase()
  const { rows } = await db.query<RegistryTenant>(
    `UPDATE m365d_tenants SET enabled = $2, paused_at = CASE WHEN $2 THEN NULL ELSE COALESCE(paused_at, now()) END
     WHERE tenant_id = $1 RETURNING *`,
    [id, !paused],
  )
  if (rows.length && !paused) await resetBackoff(db, id)
  return rows[0]
}

/** Adds and removes tags (groups); returns the tenant with its tags sorted, or undefined when unknown. */
export async function tagTenant(db: Queryable, tenantId: string, o: { add?: string[]; remove?: string[] }): Promise<RegistryTenant | undefined> {
  const { rows } = await db.query<RegistryTenant>(
    `UPDATE m365d_tenants SET tags = ARRAY(
       SELECT DISTINCT t FROM unnest(tags || $2::text[]) AS t WHERE NOT (t = ANY($3::text[])) ORDER BY t)
     WHERE tenant_id = $1 RETURNING *`,
    [tenantId.toLowerCase(), o.add ?? [], o.remove ?? []],
  )
  return rows[0]
}

/**
 * Makes a tenant due now with no failure history: after consent is granted, its backoff (hours
 * after repeated "not consented" passes) must not delay the first sync (issue 9 §1).
 */
export async function resetBackoff(db: Queryable, tenantId: string): Promise<void> {
  await db.query(`UPDATE m365d_sync_state SET next_run_at = now(), consecutive_failures = 0 WHERE tenant_id = $1`, [tenantId.toLowerCase()])
}

/** Tags are short words: letters, digits, `-`, `_`, `.`, `:` (1–64 characters). */
export const TAG = /^[\w.:-]{1,64}$/
