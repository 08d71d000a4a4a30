import { findResource } from './resources.js'

/**
 * Short descriptions of the claims jwt.ms explains, from the access-token claims reference
 * (entra-app-only.md §4.2–§4.4, sources ATCR / ATOK / OPTC there).
 */
const DESCRIPTIONS: Record<string, string> = {
  aud: 'Audience: the resource (API) the token is for — App ID URI or appId (v1), always appId (v2)',
  iss: 'Issuer: the security token service and tenant that issued the token',
  iat: 'Issued at',
  nbf: 'Not valid before',
  exp: 'Expires at',
  aio: 'Internal claim Entra ID uses to record data for token reuse; ignore',
  acr: 'Authentication context class of the user (user tokens only)',
  amr: 'Authentication methods of the user (user tokens only)',
  app_displayname: 'Display name of the client application',
  appid: 'Application (client) ID of the app that requested the token (v1)',
  appidacr: 'How the client authenticated: 0 public client, 1 client secret, 2 certificate (v1)',
  azp: 'Application (client) ID of the app that requested the token (v2, replaces appid)',
  azpacr: 'How the client authenticated: 0 public client, 1 client secret, 2 certificate (v2)',
  ctry: "User's country or region",
  family_name: "User's last name (user tokens only)",
  given_name: "User's first name (user tokens only)",
  groups: 'Object IDs of the groups the subject belongs to',
  idp: 'Identity provider that authenticated the subject (same as iss unless a guest)',
  idtyp: 'Token type: "app" for an app-only token, "user" for an app+user token',
  ipaddr: 'IP address the user authenticated from',
  name: 'Display name of the user (user tokens only)',
  nonce: 'Replay-protection value (user tokens)',
  oid: 'Object ID of the caller: the service principal in this tenant for app-only tokens',
  onprem_sid: 'On-premises security identifier of the user',
  preferred_username: 'Primary username of the user (user tokens only)',
  puid: 'Internal user identifier',
  rh: 'Internal claim Azure uses to revalidate tokens; ignore',
  roles: 'Application permissions (app roles) granted to the client in this tenant',
  scp: 'Delegated permissions (scopes) consented for the user — present only in user tokens',
  sid: 'Session ID (user tokens)',
  sub: 'Subject: the principal the token asserts; equals oid for app-only tokens',
  tenant_ctry: "Resource tenant's country",
  tenant_region_scope: "Region of the resource tenant",
  tid: 'Tenant ID (GUID) of the tenant that issued the token',
  unique_name: 'Human-readable user name (v1 user tokens only)',
  upn: 'User principal name (user tokens only)',
  uti: 'Token identifier (like jti): unique per token',
  ver: 'Token format version: 1.0 or 2.0 (decided by the resource, not the endpoint used)',
  wids: 'Tenant-wide Entra directory roles (role template IDs) assigned to the caller',
  xms_cc: 'Client capabilities the client declared (e.g. cp1: can handle claims challenges)',
  xms_tcdt: 'Tenant creation time',
  xms_tdbr: 'Tenant data boundary region',
  xms_mirid: 'Resource ID of the managed identity that requested the token',
  xms_az_rid: 'Azure resource ID of the caller',
}

const DATE_CLAIMS = new Set(['iat', 'nbf', 'exp', 'xms_tcdt', 'auth_time'])

const CLIENT_AUTH: Record<string, string> = { '0': 'public client', '1': 'client secret', '2': 'certificate' }

export function describeClaim(name: string): string | undefined {
  if (name in DESCRIPTIONS) return DESCRIPTIONS[name]
  if (name.startsWith('xms_')) return 'Microsoft extension claim (xms_*); informational'
  return undefined
}

/** A readable form of a claim value, or undefined when the raw value says it all. */
export function renderClaim(name: string, value: unknown): string | undefined {
  if (DATE_CLAIMS.has(name) && typeof value === 'number' && Number.isFinite(value)) {
    return new Date(value * 1000).toISOString()
  }
  if ((name === 'appidacr' || name === 'azpacr') && typeof value === 'string') return CLIENT_AUTH[value]
  if (name === 'aud' && typeof value === 'string') {
    const known = findResource(value)
    return known ? `${known.displayName}: ${known.purpose}` : undefined
  }
  if (name === 'idtyp' && typeof value === 'string') return value === 'app' ? 'app-only token' : value === 'user' ? 'app+user (delegated) token' : undefined
  if (name === 'roles' && Array.isArray(value)) return value.length === 0 ? '(none)' : value.join(', ')
  return undefined
}
