import { graphConsentLink } from '../../auth/consent_link.js'
import { COMMERCIAL, daysUntilLegacyRetirement, tokenRoles, type Surface, type TokenSource } from '../../defender/index.js'

/**
 * Which incidents surface a tenant's pass uses, and whether the tenant is ready for Graph.
 *
 * The legacy Defender API (api.security.microsoft.com) stops working on 1 Feb 2027 (MC1220762,
 * mssp-market.md §0 item 1), and every customer tenant must be consented again for the Graph
 * application permissions. Until it is, a tenant whose consent covers only the legacy roles keeps
 * syncing on legacy — `needs_graph_consent`, with the consent link and the days left — and moves
 * to Graph by itself on the first pass after its admin granted the Graph roles.
 */
/** The date as the messages say it (the library's LEGACY_RETIREMENT_DATE is 2027-02-01). */
export const LEGACY_RETIREMENT_TEXT = '1 Feb 2027'

/** Either role reads incidents (the ReadWrite role includes read; defender-api.md §5). */
export const INCIDENT_ROLES: Readonly<Record<Surface, readonly string[]>> = {
  legacy: ['Incident.Read.All', 'Incident.ReadWrite.All'],
  graph: ['SecurityIncident.Read.All', 'SecurityIncident.ReadWrite.All'],
}
/** The Graph application permissions a migrated tenant needs: incidents, alerts_v2, hunting. */
export const GRAPH_ROLES = ['SecurityIncident.Read.All', 'SecurityAlert.Read.All', 'ThreatHunting.Read.All'] as const


export interface GraphReadiness {
  /** The Graph roles that let the daemon read incidents are granted. */
  ready: boolean
  grantedGraphRoles: string[]
  /** Of {@link GRAPH_ROLES} (a ReadWrite role counts for its Read role). */
  missingGraphRoles: string[]
  legacyIncidentRoles: boolean
  daysLeft: number
  consentLink: string | undefined
}

export interface SurfaceChoice {
  surface: Surface
  /** Why: pinned for the tenant, configured for the app, or held on legacy until Graph consent. */
  reason: 'pinned' | 'configured' | 'needs_graph_consent'
  readiness?: GraphReadiness
}

export interface ChooseSurfaceOptions {
  tokenProvider: TokenSource
  tenantId: string
  /** The app's surface (default Graph); a tenant's pinned surface wins. */
  wanted?: Surface
  pinned?: Surface | null
  graphResource?: string
  defenderResource?: string
  /** Bypass the token cache for the Graph token (roles change only in a new token). */
  recheck?: boolean
  clientId?: string
  authorityHost?: string
  /** Registered redirect URI for the consent link (default the ops server's callback). */
  consentRedirectUri?: string
  now: number
  signal?: AbortSignal
}

/** What {@link graphReadiness} reads from a pass's or a check's options besides the tenant: audiences, the consent link's parts, the signal. */
export type ReadinessSettings = Pick<ChooseSurfaceOptions, 'graphResource' | 'defenderResource' | 'clientId' | 'authorityHost' | 'consentRedirectUri' | 'signal'>

/** Only the {@link ReadinessSettings} that are set, from any options object that carries them. */
export function readinessSettings(o: ReadinessSettings): ReadinessSettings {
  return {
    ...(o.graphResource && { graphResource: o.graphResource }),
    ...(o.defenderResource && { defenderResource: o.defenderResource }),
    ...(o.clientId && { clientId: o.clientId }),
    ...(o.authorityHost && { authorityHost: o.authorityHost }),
    ...(o.consentRedirectUri && { consentRedirectUri: o.consentRedirectUri }),
    ...(o.signal && { signal: o.signal }),
  }
}

/** Default redirect URI of the consent links: `m365d sync`'s ops server (tenants onboard uses it too). */
export const DEFAULT_CONSENT_REDIRECT = 'http://localhost:9464/consent/callback'

export async function chooseSurface(o: ChooseSurfaceOptions): Promise<SurfaceChoice> {
  if (o.pinned) return { surface: o.pinned, reason: 'pinned' }
  const wanted = o.wanted ?? 'graph'
  if (wanted === 'legacy') return { surface: 'legacy', reason: 'configured' }
  const readiness = await graphReadiness(o)
  if (readiness.ready || !readiness.legacyIncidentRoles) return { surface: 'graph', reason: 'configured', readiness }
  return { surface: 'legacy', reason: 'needs_graph_consent', readiness }
}

/**
 * Reads the roles of the tenant's Graph token (and, when Graph cannot read incidents, of its
 * legacy token). A token failure (no consent at all, bad secret) propagates: the pass classifies it.
 */
export async function graphReadiness(o: Omit<ChooseSurfaceOptions, 'wanted' | 'pinned'>): Promise<GraphReadiness> {
  const graphResource = o.graphResource ?? COMMERCIAL.graphResource
  const signal = o.signal ? { signal: o.signal } : {}
  const token = await o.tokenProvider.getToken({ tenant: o.tenantId, resource: graphResource, ...(o.recheck && { forceRefresh: true }), ...signal })
  const granted = tokenRoles(token.token)
  const has = (role: string) => granted.includes(role) || granted.includes(role.replace('.Read.', '.ReadWrite.'))
  const ready = INCIDENT_ROLES.graph.some((r) => granted.includes(r))
  let legacyIncidentRoles = false
  if (!ready) {
    try {
      const legacy = await o.tokenProvider.getToken({ tenant: o.tenantId, resource: o.defenderResource ?? COMMERCIAL.defenderResource, ...(o.recheck && { forceRefresh: true }), ...signal })
      legacyIncidentRoles = tokenRoles(legacy.token).some((r) => INCIDENT_ROLES.legacy.includes(r))
    } catch {
      // No legacy token either: the Graph pass will fail with the missing role and its fix.
    }
  }
  const clientId = o.clientId ?? tokenClient(token.token)
  return {
    ready,
    grantedGraphRoles: granted.filter((r) => r.startsWith('Security') || r.startsWith('ThreatHunting')).sort(),
    missingGraphRoles: GRAPH_ROLES.filter((r) => !has(r)),
    legacyIncidentRoles,
    daysLeft: daysUntilLegacyRetirement(o.now),
    consentLink: clientId
      ? graphConsentLink({
          clientId,
          tenant: o.tenantId,
          redirectUri: o.consentRedirectUri ?? DEFAULT_CONSENT_REDIRECT,
          graphResource,
          ...(o.authorityHost && { authorityHost: o.authorityHost }),
        })
      : undefined,
  }
}

/** The health detail of a tenant held on legacy: what is missing, the link, and the days left. */
export function needsGraphConsentDetail(tenantId: string, r: GraphReadiness): { code: string; message: string; hint: string; daysLeft: number; missingRoles: string[]; consentLink?: string } {
  const when = r.daysLeft > 0 ? `${r.daysLeft} day${r.daysLeft === 1 ? '' : 's'} left` : 'that date has passed'
  return {
    code: 'needs_graph_consent',
    message: `${tenantId} is consented for the legacy Defender API only (missing Graph ${r.missingGraphRoles.join(', ')}); the legacy API stops on ${LEGACY_RETIREMENT_TEXT} (${when}), syncing on legacy until then`,
    hint: r.consentLink
      ? `a Global Administrator of the tenant opens ${r.consentLink} to grant the Graph permissions; the next pass switches to Graph by itself`
      : `a Global Administrator of the tenant grants the app the Graph permissions ${r.missingGraphRoles.join(', ')}; the next pass switches to Graph by itself`,
    daysLeft: r.daysLeft,
    missingRoles: r.missingGraphRoles,
    ...(r.consentLink && { consentLink: r.consentLink }),
  }
}

/** The app id in an access token (`appid` in v1 tokens, `azp` in v2), read without verifying: it is our own token. */
function tokenClient(token: string): string | undefined {
  try {
    const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { appid?: unknown; azp?: unknown }
    const id = claims.appid ?? claims.azp
    return typeof id === 'string' ? id : undefined
  } catch {
    return undefined
  }
}
