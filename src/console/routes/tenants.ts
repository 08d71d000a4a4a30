import { adminConsentLink, legacyConsentLink, resolveTenantId } from '../../auth/index.js'
import { createConsentRequest, removeTenant, upsertTenant } from '../../sync/index.js'
import type { ConsoleHealth, FleetSummary, TenantChoicesResponse, TenantsResponse } from '../api_types.js'
import type { ConsoleDeps } from '../deps.js'
import { ConsoleRequestError, json, readBody } from '../http.js'
import { allTags, setTenantEnabled, setTenantTags, tenantChoices, tenantPageRows } from '../sql/tenants.js'
import { ROLE_CATALOG, tenantDto } from '../tenant_health.js'

const TAG = /^[\w .:-]{1,40}$/

export async function getTenants(deps: ConsoleDeps, url: URL): Promise<Response> {
  const tag = url.searchParams.get('tag')
  const [rows, tags] = await Promise.all([tenantPageRows(deps.db), allTags(deps.db)])
  const now = Date.now()
  const all = rows.map((r) => tenantDto(r, { surface: deps.surface, consentLink: () => consentLinkFor(deps, r.tenant_id), nowMs: now }))
  const tenants = tag ? all.filter((t) => t.tags.includes(tag)) : all
  const byHealth = Object.fromEntries(
    (['ok', 'pending', 'paused', 'not_consented', 'missing_roles', 'needs_graph_consent', 'throttled', 'failing'] as ConsoleHealth[]).map((h) => [h, 0]),
  ) as Record<ConsoleHealth, number>
  for (const t of tenants) byHealth[t.health]++
  const lags = tenants.filter((t) => t.enabled && t.lagSeconds !== null).map((t) => t.lagSeconds!)
  const rollupAt = rows.reduce<number | null>((m, r) => (r.refreshed_at && (!m || r.refreshed_at < m) ? r.refreshed_at : m), null)
  const summary: FleetSummary = {
    tenants: tenants.length,
    byHealth,
    openTotal: tenants.reduce((n, t) => n + t.openTotal, 0),
    openHigh: tenants.reduce((n, t) => n + t.open.high, 0),
    stale30d: rows.filter((r) => !tag || r.tags?.includes(tag)).reduce((n, r) => n + (r.stale_30d ?? 0), 0),
    maxLagSeconds: lags.length ? Math.max(...lags) : null,
    rollupAt: rollupAt ? new Date(rollupAt).toISOString() : null,
  }
  const body: TenantsResponse = { tenants, roleCatalog: ROLE_CATALOG, summary, tags }
  return json(body)
}

/** GET /tenant-choices — names and tags for the queue's pickers (the queue's first page does not wait for the tenants page). */
export async function getTenantChoices(deps: ConsoleDeps): Promise<Response> {
  const [tenants, tags] = await Promise.all([tenantChoices(deps.db), allTags(deps.db)])
  const body: TenantChoicesResponse = { tenants: tenants.map((t) => ({ tenantId: t.tenant_id, name: t.display_name, domain: t.domain })), tags }
  return json(body)
}

/** The consent link of the Defender docs, bound to the tenant so its admin signs in to the right directory. */
export function consentLinkFor(deps: ConsoleDeps, tenantId: string): string {
  return legacyConsentLink({ clientId: deps.clientId, tenant: tenantId, authorityHost: deps.cloud.authorityHost })
}

/** POST /tenants {tenant: id or domain, name?, tags?} — adds (or re-enables) a tenant to the sync set. */
export async function addTenant(deps: ConsoleDeps, request: Request): Promise<Response> {
  const body = await readBody<{ tenant?: unknown; name?: unknown; tags?: unknown }>(request)
  const input = typeof body.tenant === 'string' ? body.tenant.trim() : ''
  if (!input || input.length > 256) throw new ConsoleRequestError(400, 'ERR_CONSOLE_TENANT', 'give the tenant id (GUID) or a verified domain', 'e.g. contoso.onmicrosoft.com')
  const tags = parseTags(body.tags)
  const tenantId = await resolveTenantId(input, { authorityHost: deps.cloud.authorityHost, ...(deps.fetch && { fetch: deps.fetch }) })
  const row = await upsertTenant(deps.db, {
    tenantId,
    displayName: typeof body.name === 'string' && body.name.trim() ? body.name.trim().slice(0, 200) : null,
    domain: input.includes('.') ? input.toLowerCase() : null,
  })
  if (tags) await setTenantTags(deps.db, row.tenant_id, tags)
  return json({ tenantId: row.tenant_id, consentLink: consentLinkFor(deps, row.tenant_id) }, 201)
}

/** POST /tenants/:id/onboard — an admin-consent link bound to this tenant, whose answer the consent callback accepts. */
export async function onboardTenant(deps: ConsoleDeps, tenantId: string): Promise<Response> {
  if (!deps.consentRedirectUri) return json({ tenantId, consentLink: consentLinkFor(deps, tenantId), expiresAt: null })
  const { state, expiresAt } = await createConsentRequest(deps.db, { intendedTenant: tenantId })
  const { url } = adminConsentLink({ clientId: deps.clientId, tenant: tenantId, redirectUri: deps.consentRedirectUri, state, authorityHost: deps.cloud.authorityHost })
  return json({ tenantId, consentLink: url, expiresAt: expiresAt.toISOString() })
}

export async function patchTenant(deps: ConsoleDeps, tenantId: string, request: Request): Promise<Response> {
  const body = await readBody<{ enabled?: unknown; tags?: unknown }>(request)
  let found = true
  if (typeof body.enabled === 'boolean') found = await setTenantEnabled(deps.db, tenantId, body.enabled)
  const tags = parseTags(body.tags)
  if (tags && found) found = await setTenantTags(deps.db, tenantId, tags)
  if (!found) throw new ConsoleRequestError(404, 'ERR_CONSOLE_NO_TENANT', `tenant ${tenantId} is not in the sync set`)
  return json({ ok: true })
}

export async function deleteTenant(deps: ConsoleDeps, tenantId: string, url: URL): Promise<Response> {
  const removed = await removeTenant(deps.db, tenantId, { purge: url.searchParams.get('purge') === 'true' })
  if (!removed) throw new ConsoleRequestError(404, 'ERR_CONSOLE_NO_TENANT', `tenant ${tenantId} is not in the sync set`)
  return json({ ok: true })
}

function parseTags(v: unknown): string[] | undefined {
  if (v === undefined) return undefined
  const list = typeof v === 'string' ? v.split(',') : Array.isArray(v) ? v : null
  if (!list || list.some((t) => typeof t !== 'string')) throw new ConsoleRequestError(400, 'ERR_CONSOLE_TAGS', 'tags must be a list of strings')
  const tags = [...new Set((list as string[]).map((t) => t.trim()).filter(Boolean))]
  const bad = tags.find((t) => !TAG.test(t))
  if (bad !== undefined) throw new ConsoleRequestError(400, 'ERR_CONSOLE_TAGS', `invalid tag "${bad.slice(0, 40)}"`, 'letters, digits, space, . : _ - (at most 40)')
  return tags
}
