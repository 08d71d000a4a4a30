import { tokenRoles } from '../defender/index.js'
import type { ConsoleHealth, RoleCatalogEntry, RolesBySurface, SeverityKey, TenantRowDto } from './api_types.js'
import type { TenantPageRow } from './sql/tenants.js'

/**
 * Roles the console needs per API, each as alternatives (a ReadWrite role includes Read): reading
 * incidents, writing them back, hunting. Learn: "Microsoft Graph permissions reference" and the
 * Defender XDR API permission pages (api-list-incidents, api-update-incidents, api-advanced-hunting).
 */
export const NEEDED_ROLES: Record<'legacy' | 'graph', { label: string; needs: { role: string; alternatives: string[] }[] }> = {
  legacy: {
    label: 'Microsoft Threat Protection (legacy Defender API, retires 1 Feb 2027)',
    needs: [
      { role: 'Incident.Read.All', alternatives: ['Incident.Read.All', 'Incident.ReadWrite.All'] },
      { role: 'Incident.ReadWrite.All', alternatives: ['Incident.ReadWrite.All'] },
      { role: 'AdvancedHunting.Read.All', alternatives: ['AdvancedHunting.Read.All'] },
    ],
  },
  graph: {
    label: 'Microsoft Graph (security incidents, alerts, hunting)',
    needs: [
      { role: 'SecurityIncident.Read.All', alternatives: ['SecurityIncident.Read.All', 'SecurityIncident.ReadWrite.All'] },
      { role: 'SecurityIncident.ReadWrite.All', alternatives: ['SecurityIncident.ReadWrite.All'] },
      { role: 'ThreatHunting.Read.All', alternatives: ['ThreatHunting.Read.All'] },
    ],
  },
}

export function missingRoles(api: 'legacy' | 'graph', granted: string[]): string[] {
  const have = new Set(granted)
  return NEEDED_ROLES[api].needs.filter((n) => !n.alternatives.some((a) => have.has(a))).map((n) => n.role)
}

export { tokenRoles }

/** Label and needed roles per API, for the tenants page (once, not per tenant). */
export const ROLE_CATALOG: Record<'legacy' | 'graph', RoleCatalogEntry> = {
  legacy: { label: NEEDED_ROLES.legacy.label, needed: NEEDED_ROLES.legacy.needs.map((n) => n.role) },
  graph: { label: NEEDED_ROLES.graph.label, needed: NEEDED_ROLES.graph.needs.map((n) => n.role) },
}

/** Everything the tenants page shows for one tenant; `consentLink` makes the per-tenant consent URL. */
export function tenantDto(r: TenantPageRow, o: { surface: 'legacy' | 'graph'; consentLink: () => string; nowMs: number }): TenantRowDto {
  const roles: RolesBySurface[] = (['legacy', 'graph'] as const).map((api) => {
    const a = r.access?.find((x) => x.api === api)
    const granted = a?.roles ?? []
    return {
      api,
      granted,
      missing: a && !a.error ? missingRoles(api, granted) : [],
      checkedAt: a?.checked_at ? new Date(a.checked_at).toISOString() : null,
      error: a?.error ?? null,
    }
  })
  const problem = problemOf(r)
  const health = consoleHealth(r, roles, o.surface)
  const open: Record<SeverityKey, number> = {
    high: r.open_high ?? 0,
    medium: r.open_medium ?? 0,
    low: r.open_low ?? 0,
    informational: r.open_informational ?? 0,
    unknown: r.open_other ?? 0,
  }
  return {
    tenantId: r.tenant_id,
    name: r.display_name,
    domain: r.domain,
    enabled: r.enabled,
    tags: r.tags ?? [],
    health,
    storedHealth: r.health,
    problem,
    // The fix names the roles of the API the daemon syncs on: telling an admin to add Defender API
    // permissions for a Graph tenant sends them after an API that stops on 1 Feb 2027.
    fix: fixFor(health, problem, roles.filter((x) => x.api === o.surface)),
    // Built only where shown: a thousand healthy tenants need none.
    consentLink: health === 'ok' || health === 'paused' ? null : o.consentLink(),
    roles,
    lastSync: r.last_success ? new Date(r.last_success).toISOString() : null,
    lagSeconds: r.min_watermark ? Math.max(0, Math.round((o.nowMs - new Date(r.min_watermark).getTime()) / 1000)) : null,
    consecutiveFailures: Number(r.failures ?? 0),
    open,
    openTotal: Object.values(open).reduce((a, b) => a + b, 0),
    oldestOpenAgeSeconds: r.oldest_open ? Math.max(0, Math.round((o.nowMs - new Date(r.oldest_open).getTime()) / 1000)) : null,
    incidents: Number(r.incidents ?? 0),
    alerts: Number(r.alerts ?? 0),
  }
}

function consoleHealth(r: TenantPageRow, roles: RolesBySurface[], surface: 'legacy' | 'graph'): ConsoleHealth {
  if (!r.enabled) return 'paused'
  const graph = roles.find((x) => x.api === 'graph')!
  const legacy = roles.find((x) => x.api === 'legacy')!
  // Consented with the Defender roles only: the Graph surface (the one that survives 2027) needs a new consent.
  // (The Defender incident role is what makes it "legacy only"; a tenant with hunting roles alone lacks roles on both.)
  const graphGap = graph.checkedAt !== null && !graph.error && graph.missing.includes('SecurityIncident.Read.All') && legacy.checkedAt !== null && !legacy.error && !legacy.missing.includes('Incident.Read.All')
  switch (r.health) {
    case 'ok':
      return graphGap ? 'needs_graph_consent' : 'ok'
    case 'not_consented':
      return 'not_consented'
    case 'missing_roles':
      return surface === 'graph' && graphGap ? 'needs_graph_consent' : 'missing_roles'
    case 'throttled':
      return 'throttled'
    case 'unknown':
      return 'pending'
    default:
      return 'failing'
  }
}

function problemOf(r: TenantPageRow): TenantRowDto['problem'] {
  if (r.health === 'ok' || r.health === 'unknown') return null
  const d = r.health_detail
  const problems = d?.problems
  if (Array.isArray(problems) && problems.length) {
    const p = problems[0] as { code?: string; message?: string; fix?: string }
    return { ...(p.code && { code: p.code }), ...(p.message && { message: p.message }), ...(p.fix && { hint: p.fix }) }
  }
  if (d && (typeof d.code === 'string' || typeof d.message === 'string')) return d as TenantRowDto['problem']
  return r.last_error
}

/** The fix in words an operator can act on. */
function fixFor(health: ConsoleHealth, problem: TenantRowDto['problem'], roles: RolesBySurface[]): string | null {
  const missing = roles.flatMap((x) => x.missing.map((m) => `${m} (${x.api === 'graph' ? 'Microsoft Graph' : 'Defender API'})`))
  switch (health) {
    case 'ok':
    case 'paused':
      return null
    case 'pending':
      return 'Not synced yet: the first pass runs within seconds of the daemon picking the tenant up.'
    case 'not_consented':
      return "The customer's admin has not granted consent to the app, or revoked it. Send them the consent link; once granted, the tenant syncs on its next pass."
    case 'missing_roles':
      return `The app is consented but lacks ${missing.length ? missing.join(', ') : 'a required permission'} in this tenant. Add the permission to the app registration, then have the customer's admin open the consent link again.`
    case 'needs_graph_consent':
      return "Consented before the app asked for Microsoft Graph permissions (SecurityIncident.Read.All…). The legacy API stops on 1 Feb 2027: have the customer's admin open the consent link again."
    case 'throttled':
      return 'The tenant exhausted its API quota; m365d waits as long as the server asks (Retry-After) and resumes by itself.'
    case 'failing':
      return problem?.hint ?? `Passes fail (${problem?.code ?? 'error'}); m365d retries with backoff. See the error below.`
  }
}
