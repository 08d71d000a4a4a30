/**
 * Well-known resource APIs a Defender client meets, by App ID URI and appId, so a token's `aud`
 * can be named and compared in either form. src/jwt must not depend on the emulator, so this is
 * its own table; the appIds are the real ones (defender-api.md §1.3 and §8 q11 for Microsoft
 * Threat Protection; Graph and WindowsDefenderATP are well known).
 */
export interface KnownResource {
  appId: string
  displayName: string
  /** What the API is used for, for messages. */
  purpose: string
  /** App ID URIs, without trailing slash; the first is the one the docs use. */
  uris: string[]
  /** Application permissions relevant to Defender work (defender-api.md §2–§3; Graph security API docs). */
  roles: string[]
  family: 'defender' | 'mde' | 'graph' | 'aad-graph'
}

export const KNOWN_RESOURCES: readonly KnownResource[] = [
  {
    appId: '8ee8fdad-f234-4243-8f3b-15c294843740',
    displayName: 'Microsoft Threat Protection',
    purpose: 'Microsoft 365 Defender (Defender XDR) API at api.security.microsoft.com',
    // `https://security.microsoft.com/mtp` is used by XSOAR's delegated flow (defender-api.md §8).
    uris: ['https://api.security.microsoft.com', 'https://security.microsoft.com/mtp'],
    roles: ['Incident.Read.All', 'Incident.ReadWrite.All', 'AdvancedHunting.Read.All', 'CustomDetections.ReadWrite.All'],
    family: 'defender',
  },
  {
    appId: 'fc780465-2017-40d4-a0c5-307022471b92',
    displayName: 'WindowsDefenderATP',
    purpose: 'Microsoft Defender for Endpoint API at api.securitycenter.microsoft.com',
    uris: ['https://api.securitycenter.microsoft.com', 'https://api.securitycenter.windows.com', 'https://securitycenter.onmicrosoft.com/windowsatpservice'],
    roles: ['Alert.Read.All', 'Alert.ReadWrite.All', 'Machine.Read.All', 'AdvancedQuery.Read.All', 'Incident.Read.All', 'Incident.ReadWrite.All'],
    family: 'mde',
  },
  {
    appId: '00000003-0000-0000-c000-000000000000',
    displayName: 'Microsoft Graph',
    purpose: 'Microsoft Graph, including the Graph security API (/security/incidents, /security/runHuntingQuery)',
    uris: ['https://graph.microsoft.com', 'https://graph.microsoft.us', 'https://dod-graph.microsoft.us', 'https://microsoftgraph.chinacloudapi.cn'],
    roles: ['SecurityIncident.Read.All', 'SecurityIncident.ReadWrite.All', 'SecurityAlert.Read.All', 'SecurityAlert.ReadWrite.All', 'ThreatHunting.Read.All'],
    family: 'graph',
  },
  {
    appId: '00000002-0000-0000-c000-000000000000',
    displayName: 'Windows Azure Active Directory',
    purpose: 'the retired Azure AD Graph API at graph.windows.net',
    uris: ['https://graph.windows.net'],
    roles: [],
    family: 'aad-graph',
  },
]

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

export function isGuid(value: unknown): value is string {
  return typeof value === 'string' && GUID.test(value)
}

/** Drops a trailing `/` and a `/.default` suffix so `scope=` values can be passed as resources. */
export function normalizeResource(value: string): string {
  return value.trim().replace(/\/\.default$/i, '').replace(/\/+$/, '')
}

/** The known resource an `aud` value or a resource argument names (URI with or without `/`, or appId). */
export function findResource(value: string): KnownResource | undefined {
  const v = normalizeResource(value).toLowerCase()
  return KNOWN_RESOURCES.find((r) => r.appId === v || r.uris.some((u) => u.toLowerCase() === v))
}

/**
 * Every `aud` value a token for `resource` may carry: v1 tokens carry "any appID URI, with or
 * without a trailing slash, and the client ID of the resource"; v2 tokens always the client ID
 * (entra-app-only.md §4.3). For a known resource only the URI that was asked for is accepted,
 * plus the appId: a token for one App ID URI is not proof the caller meant another.
 */
export function acceptedAudiences(resource: string): string[] {
  const base = normalizeResource(resource)
  const known = findResource(base)
  if (isGuid(base)) return known ? [base, ...known.uris.flatMap((u) => [u, `${u}/`])] : [base]
  return [base, `${base}/`, ...(known ? [known.appId] : [])]
}

/** "https://graph.microsoft.com (Microsoft Graph)" for messages. */
export function describeAudience(aud: string): string {
  const known = findResource(aud)
  return known ? `${aud} (${known.displayName})` : aud
}
