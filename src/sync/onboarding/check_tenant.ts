import { legacyConsentLink } from '../../auth/consent_link.js'
import { TokenError } from '../../auth/errors.js'
import { DefenderForbiddenError, tokenRoles, type Surface } from '../../defender/index.js'
import { M365dError } from '../../lib/errors.js'
import type { Queryable } from '../db/database.js'
import { setTenantHealth } from '../db/sql/tenants.js'
import { graphReadiness, LEGACY_RETIREMENT_TEXT, readinessSettings, type GraphReadiness } from '../engine/surface.js'
import { endpointsCloud, surfaceClient, type SurfaceClientOptions } from '../engine/surface_client.js'

/** What `m365d tenants check` finds for one tenant, each problem with its fix. */
export interface TenantCheck {
  tenantId: string
  ok: boolean
  /** false: AADSTS700016 (no service principal: never consented or consent revoked); undefined: unknown. */
  consent: boolean | undefined
  rolesNeeded: string[]
  rolesGranted: string[]
  missingRoles: string[]
  apiReachable: boolean
  /**
   * Readiness for Microsoft Graph (the legacy API stops on 1 Feb 2027): the Graph roles the tenant
   * granted, those missing, the consent link that asks for them and the days left. Undefined when
   * no token could be had at all.
   */
  graph?: Pick<GraphReadiness, 'ready' | 'grantedGraphRoles' | 'missingGraphRoles' | 'daysLeft' | 'consentLink'>
  /** ready | needs_graph_consent (legacy roles only: synced on legacy until the Graph consent) | not_consented | missing_roles | error */
  status: 'ready' | 'needs_graph_consent' | 'not_consented' | 'missing_roles' | 'error'
  lastSync?: string | null
  problems: { code: string; message: string; fix: string }[]
}

/** The application permissions each stream needs (defender-api.md §2; either Read or ReadWrite). */
const NEEDED: Record<Surface | 'alerts', { read: string; write: string; api: string }> = {
  legacy: { read: 'Incident.Read.All', write: 'Incident.ReadWrite.All', api: 'Microsoft Threat Protection' },
  graph: { read: 'SecurityIncident.Read.All', write: 'SecurityIncident.ReadWrite.All', api: 'Microsoft Graph' },
  alerts: { read: 'SecurityAlert.Read.All', write: 'SecurityAlert.ReadWrite.All', api: 'Microsoft Graph' },
}

/** The tenant and the APIs' hosts and audiences: {@link SurfaceClientOptions}. */
export interface CheckTenantOptions extends SurfaceClientOptions {
  clientId: string
  authorityHost: string
  surface?: Surface
  alerts?: boolean
  /** Registered redirect URI for the Graph consent link (default the ops server's callback). */
  consentRedirectUri?: string
  /** When given, the tenant's health is recorded and its last sync read. */
  db?: Queryable
}

/** Tries a token and a minimal API call (list incidents, $top=1) per stream the daemon would run. */
export async function checkTenant(o: CheckTenantOptions): Promise<TenantCheck> {
  let surface = o.surface ?? 'graph'
  const streams: (Surface | 'alerts')[] = [surface, ...(o.alerts ? (['alerts'] as const) : [])]
  const check: TenantCheck = {
    tenantId: o.tenantId,
    ok: false,
    consent: undefined,
    rolesNeeded: streams.map((s) => NEEDED[s].read),
    rolesGranted: [],
    missingRoles: [],
    apiReachable: false,
    status: 'error',
    problems: [],
  }
  const cloud = endpointsCloud(o)
  const resourceOf = (s: Surface) => (s === 'graph' ? cloud.graphResource : cloud.defenderResource)
  const granted = new Set<string>()
  for (const surfaceNeeded of new Set(streams.map((s) => (s === 'alerts' ? 'graph' : s)))) {
    try {
      const token = await o.tokenProvider.getToken({ tenant: o.tenantId, resource: resourceOf(surfaceNeeded) })
      check.consent = true
      for (const r of tokenRoles(token.token)) granted.add(r)
    } catch (e) {
      if (e instanceof TokenError && e.errorCodes.includes(700016)) {
        check.consent = false
        const link = legacyConsentLink({ clientId: o.clientId, authorityHost: o.authorityHost }).replace('/common/', `/${o.tenantId}/`)
        check.problems.push({
          code: 'not_consented',
          message: `the app has no service principal in ${o.tenantId} (AADSTS700016): never consented, or consent was revoked`,
          fix: `a Global Administrator of the tenant opens ${link} and grants consent (or run: m365d tenants onboard)`,
        })
      } else {
        check.problems.push({ code: errorCode(e), message: errorMessage(e), fix: e instanceof M365dError && e.hint ? e.hint : 'check the app credentials (m365d token validate)' })
      }
      break
    }
  }
  let readiness: GraphReadiness | undefined
  if (check.consent) {
    try {
      readiness = await graphReadiness({
        tokenProvider: o.tokenProvider,
        tenantId: o.tenantId,
        now: Date.now(),
        ...readinessSettings(o),
      })
      const { ready, grantedGraphRoles, missingGraphRoles, daysLeft, consentLink } = readiness
      check.graph = { ready, grantedGraphRoles, missingGraphRoles, daysLeft, consentLink }
      for (const r of grantedGraphRoles) granted.add(r)
    } catch {
      // No Graph token at all: the stream checks below report it.
    }
  }
  // Graph wanted, only the legacy roles granted: the daemon syncs it on legacy until the consent.
  const held = surface === 'graph' && readiness !== undefined && !readiness.ready && readiness.legacyIncidentRoles
  if (held) {
    // alerts_v2 waits for the Graph consent too (the daemon skips it meanwhile).
    streams.splice(0, streams.length, 'legacy')
    check.rolesNeeded = [NEEDED.legacy.read]
    surface = 'legacy'
    const r = readiness!
    check.problems.push({
      code: 'needs_graph_consent',
      message: `${o.tenantId} granted the legacy Defender API roles only (missing Graph ${r.missingGraphRoles.join(', ')}): synced on legacy, which stops on ${LEGACY_RETIREMENT_TEXT} (${r.daysLeft > 0 ? `${r.daysLeft} days left` : 'that date has passed'})`,
      fix: r.consentLink ? `a Global Administrator of the tenant opens ${r.consentLink} to grant the Graph permissions; the daemon then switches it to Graph by itself` : `a Global Administrator of the tenant grants the Graph permissions ${r.missingGraphRoles.join(', ')}`,
    })
  }
  check.rolesGranted = [...granted].sort()
  if (check.consent) {
    if (held) {
      // The legacy token's roles, for the legacy stream the daemon runs meanwhile.
      const legacy = await o.tokenProvider.getToken({ tenant: o.tenantId, resource: resourceOf('legacy') }).catch(() => undefined)
      for (const r of legacy ? tokenRoles(legacy.token) : []) granted.add(r)
      check.rolesGranted = [...granted].sort()
    }
    for (const s of streams) {
      const n = NEEDED[s]
      if (!granted.has(n.read) && !granted.has(n.write)) check.missingRoles.push(n.read)
    }
    for (const role of check.missingRoles) {
      const api = Object.values(NEEDED).find((n) => n.read === role)!.api
      check.problems.push({
        code: 'missing_role',
        message: `the token for ${o.tenantId} lacks the application permission ${role}`,
        fix: `in the app registration: API permissions → Add a permission → ${api === 'Microsoft Graph' ? 'Microsoft Graph' : 'APIs my organization uses → Microsoft Threat Protection'} → Application permissions → ${role}; then the tenant's admin grants consent again`,
      })
    }
    check.apiReachable = await probeApi(o, surface, check)
  }
  check.ok = check.problems.length === 0
  check.status = check.ok
    ? 'ready'
    : check.consent === false
      ? 'not_consented'
      : check.missingRoles.length
        ? 'missing_roles'
        : check.problems.every((p) => p.code === 'needs_graph_consent')
          ? 'needs_graph_consent'
          : 'error'
  return o.db ? recordTenantCheck(o.db, check) : check
}

/**
 * The store's part of a check, apart so a CLI whose store a running daemon owns can have the
 * daemon do it (src/sync/registry_operations.ts): records the health, adds the last sync.
 */
export async function recordTenantCheck(db: Queryable, check: TenantCheck): Promise<TenantCheck> {
  const { rows } = await db.query<{ last: Date | null }>(`SELECT max(last_success_at) AS last FROM m365d_sync_state WHERE tenant_id = $1`, [check.tenantId])
  const health = check.status === 'ready' ? 'ok' : check.status
  await setTenantHealth(db, check.tenantId, health, { checked: true, problems: check.problems, ...(check.graph && { graph: check.graph }) })
  return { ...check, lastSync: rows[0]?.last ? new Date(rows[0].last).toISOString() : null }
}

/** One list call with $top=1: proves the token, the role and the network path together. */
async function probeApi(o: CheckTenantOptions, surface: Surface, check: TenantCheck): Promise<boolean> {
  const client = surfaceClient(o, surface, { retry: { maxRetries: 1 } })
  try {
    for await (const _ of client.listIncidents({ limit: 1 })) break
    return true
  } catch (e) {
    if (e instanceof DefenderForbiddenError) {
      // Already explained by the role check unless the token had the role and the API still refused.
      if (!check.problems.some((p) => p.code === 'missing_role')) {
        check.problems.push({ code: 'forbidden', message: errorMessage(e), fix: e.hint ?? `grant ${e.requiredPermissions[0] ?? 'the permission'} and consent again` })
      }
      return true // the API answered
    }
    check.problems.push({ code: errorCode(e), message: errorMessage(e), fix: e instanceof M365dError && e.hint ? e.hint : 'check --defender-api / M365D_DEFENDER_API and the network' })
    return false
  }
}

function errorCode(e: unknown): string {
  return e instanceof M365dError ? e.code : 'ERR_UNEXPECTED'
}
function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e)
}
