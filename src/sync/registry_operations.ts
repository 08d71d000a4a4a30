import type { Queryable } from './db/database.js'
import { listTenants, removeTenant, setTenantApi, type TenantRow } from './db/sql/tenants.js'
import { recordTenantCheck, type TenantCheck } from './onboarding/check_tenant.js'
import { createConsentRequest } from './onboarding/consent_requests.js'
import { tenantSummaries, type TenantSummary } from './onboarding/tenant_summary.js'
import { addTenant, findTenant, registryTenants, setPaused, tagTenant, type RegistryTenant } from './registry.js'

/**
 * The tenant registry's operations as the CLI runs them (issue 9 §1), each one function of the
 * store. The CLI calls them directly on the store it opened, or — when a running daemon owns the
 * embedded store — through the daemon's local API (src/sync/local_api), which calls these very
 * functions on the daemon's connection: one code path, two transports. Inputs and results are
 * plain JSON (dates as ISO strings on both paths, {@link runRegistryOperation}), so the output is
 * the same whichever way a command went.
 */

export const REGISTRY_OPERATIONS = {
  /** `tenants list`, the `start` summary. */
  summaries: async (db: Queryable, _: Record<string, never>): Promise<TenantSummary[]> => tenantSummaries(db),
  /** Every tenant (enabled or not), in the order they were added. */
  all: async (db: Queryable, _: Record<string, never>): Promise<TenantRow[]> => listTenants(db),
  /** The active tenants (not paused), optionally with all of `tags`: `--all-tenants`. */
  active: async (db: Queryable, i: { tags?: string[] }): Promise<RegistryTenant[]> => registryTenants(db, { activeOnly: true, ...(i.tags?.length && { tags: i.tags }) }),
  /** A tenant by id or the domain it was added with; null when unknown. */
  find: async (db: Queryable, i: { tenant: string }): Promise<RegistryTenant | null> => (await findTenant(db, i.tenant)) ?? null,
  /** An operator's add (clears a pause and a removal tombstone); `api` pins it ('default' unpins). */
  add: async (db: Queryable, i: { tenantId: string; displayName: string | null; domain: string | null; api?: 'graph' | 'legacy' | 'default' }): Promise<RegistryTenant> => {
    const row = await addTenant(db, { tenantId: i.tenantId, displayName: i.displayName, domain: i.domain })
    if (i.api === undefined) return row
    await setTenantApi(db, row.tenant_id, i.api === 'default' ? null : i.api)
    return (await findTenant(db, row.tenant_id))!
  },
  /** Removes a tenant named by id or domain; null when it is not in the registry. */
  remove: async (db: Queryable, i: { tenant: string; purge?: boolean }): Promise<{ tenant: RegistryTenant; removed: boolean } | null> => {
    const tenant = await findTenant(db, i.tenant)
    if (!tenant) return null
    return { tenant, removed: await removeTenant(db, tenant.tenant_id, { purge: i.purge === true }) }
  },
  /** Pauses or resumes a tenant named by id or domain; null when unknown. */
  pause: async (db: Queryable, i: { tenant: string; paused: boolean }): Promise<RegistryTenant | null> => {
    const tenant = await findTenant(db, i.tenant)
    return tenant ? ((await setPaused(db, tenant.tenant_id, i.paused)) ?? null) : null
  },
  /** Adds and removes tags of a tenant named by id or domain; null when unknown. */
  tag: async (db: Queryable, i: { tenant: string; add?: string[]; remove?: string[] }): Promise<RegistryTenant | null> => {
    const tenant = await findTenant(db, i.tenant)
    return tenant ? ((await tagTenant(db, tenant.tenant_id, { add: i.add ?? [], remove: i.remove ?? [] })) ?? null) : null
  },
  /** `tenants onboard`: a one-time consent state bound to a tenant (or to any). */
  onboard: async (db: Queryable, i: { ttlMs?: number; intendedTenant?: string }): Promise<{ state: string; expiresAt: Date }> =>
    createConsentRequest(db, { ...(i.ttlMs !== undefined && { ttlMs: i.ttlMs }), ...(i.intendedTenant ? { intendedTenant: i.intendedTenant } : { anyTenant: true }) }),
  /** `tenants check`: records the check's health and adds the tenant's last sync. */
  recordCheck: async (db: Queryable, i: { check: TenantCheck }): Promise<TenantCheck> => recordTenantCheck(db, i.check),
}

export type RegistryOperations = typeof REGISTRY_OPERATIONS
export type RegistryOperationName = keyof RegistryOperations
export type RegistryInput<N extends RegistryOperationName> = Parameters<RegistryOperations[N]>[1]
export type RegistryResult<N extends RegistryOperationName> = JsonOf<Awaited<ReturnType<RegistryOperations[N]>>>

/** What JSON makes of a value: Dates become strings (deeply, through arrays and objects). */
export type JsonOf<T> = T extends Date ? string : T extends (infer U)[] ? JsonOf<U>[] : T extends object ? { [K in keyof T]: JsonOf<T[K]> } : T

export function isRegistryOperation(name: string): name is RegistryOperationName {
  return Object.hasOwn(REGISTRY_OPERATIONS, name)
}

/** Runs one operation and returns its result as JSON would carry it (the same on both transports). */
export async function runRegistryOperation<N extends RegistryOperationName>(db: Queryable, name: N, input: RegistryInput<N>): Promise<RegistryResult<N>> {
  const op = REGISTRY_OPERATIONS[name] as (db: Queryable, i: unknown) => Promise<unknown>
  const result = await op(db, input)
  return (result === undefined ? null : JSON.parse(JSON.stringify(result))) as RegistryResult<N>
}
