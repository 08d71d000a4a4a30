/**
 * Bearer token checks for the API surfaces (Defender incidents/alerts, Graph, advanced hunting): only tokens this emulator issued
 * (signature by a published key, so rotation grace works), the right audience for the surface,
 * exp/nbf against ctx.clock, an Entra issuer for the token's own `tid`, and an app role that
 * allows the call. The token's `tid` selects the tenant.
 */
import { decodeProtectedHeader, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose'
import type { EmulatorContext } from '../context.js'
import { MICROSOFT_GRAPH_APP_ID, MICROSOFT_THREAT_PROTECTION_APP_ID, WINDOWS_DEFENDER_ATP_APP_ID } from '../state/resources.js'
import { fail, type RequestInfo } from './responses.js'

/**
 * Legacy audiences: the Microsoft Threat Protection App ID URI and appId, plus the
 * WindowsDefenderATP identifiers Microsoft's own samples use for this API (defender-api.md §1.3).
 */
const LEGACY_AUDIENCES = new Set([
  'https://api.security.microsoft.com',
  'https://security.microsoft.com/mtp',
  MICROSOFT_THREAT_PROTECTION_APP_ID,
  'https://api.securitycenter.microsoft.com',
  'https://api.securitycenter.windows.com',
  'https://securitycenter.onmicrosoft.com/windowsatpservice',
  WINDOWS_DEFENDER_ATP_APP_ID,
])
const GRAPH_AUDIENCES = new Set(['https://graph.microsoft.com', MICROSOFT_GRAPH_APP_ID])

export interface Principal {
  tenantId: string
  appId: string
  roles: string[]
  /** App display name for comment authorship (`app_displayname` claim, else the directory, else the id). */
  displayName: string
}

/**
 * Graph's 401 challenge names the authority and Graph's own client id, with an empty realm:
 * `Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize",
 * client_id="00000003-0000-0000-c000-000000000000"` (the form Graph sends and the Entra docs on
 * claims challenges build on; no error parameters — the reason is in the JSON body). The authority
 * is this emulator's origin, so a client that follows the challenge stays local.
 */
function graphChallenge(info: RequestInfo): string {
  return `Bearer realm="", authorization_uri="${info.origin}/common/oauth2/authorize", client_id="${MICROSOFT_GRAPH_APP_ID}"`
}

function unauthorized(info: RequestInfo, reason: string, graphMessage: string): never {
  if (info.surface === 'legacy')
    fail(info, 401, 'Unauthorized', reason, { 'www-authenticate': `Bearer error="invalid_token", error_description="${reason.replace(/"/g, "'")}"` })
  fail(info, 401, 'InvalidAuthenticationToken', graphMessage, { 'www-authenticate': graphChallenge(info) })
}

export async function authenticate(req: Request, ctx: EmulatorContext, info: RequestInfo): Promise<Principal> {
  const header = req.headers.get('authorization') ?? ''
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header)
  if (!match) unauthorized(info, header ? 'The authorization header is not a Bearer token.' : 'The authorization header is missing.', header ? 'Invalid token format.' : 'Access token is empty.')
  const token = match[1]!
  let kid: string | undefined
  try {
    kid = decodeProtectedHeader(token).kid
  } catch {
    unauthorized(info, 'The access token is malformed.', 'IDX14100: JWT is not well formed.')
  }
  const key = kid === undefined ? undefined : ctx.keys.find(kid)
  if (!key) unauthorized(info, 'The access token was not signed by a key of this identity platform.', 'IDX10503: Signature validation failed. Token does not have a kid matching a published signing key.')
  let payload: JWTPayload
  try {
    ;({ payload } = await jwtVerify(token, key.publicKey, { algorithms: ['RS256'], currentDate: new Date(ctx.clock.now()), clockTolerance: 0 }))
  } catch (e) {
    if (e instanceof joseErrors.JWTExpired) unauthorized(info, 'The access token has expired.', 'Lifetime validation failed, the token is expired.')
    if (e instanceof joseErrors.JWTClaimValidationFailed && e.claim === 'nbf') unauthorized(info, 'The access token is not yet valid.', 'Lifetime validation failed, the token is not yet valid.')
    unauthorized(info, 'The access token signature is invalid.', 'IDX10511: Signature validation failed.')
  }
  if (payload.exp === undefined) unauthorized(info, 'The access token has no expiry.', 'Lifetime validation failed, the token is missing an Expiration Time.')
  const audiences = info.surface === 'legacy' ? LEGACY_AUDIENCES : GRAPH_AUDIENCES
  const aud = Array.isArray(payload.aud) ? payload.aud : [payload.aud]
  if (!aud.some((a) => typeof a === 'string' && audiences.has(a.replace(/\/$/, ''))))
    unauthorized(info, `The access token audience '${aud.join(',')}' is not valid for this API (expected ${info.surface === 'legacy' ? 'https://api.security.microsoft.com' : 'https://graph.microsoft.com'}).`, 'Invalid audience.')
  const tid = typeof payload.tid === 'string' ? payload.tid.toLowerCase() : ''
  const iss = typeof payload.iss === 'string' ? payload.iss : ''
  // v1 tokens: https://sts.windows.net/{tid}/ ; v2 tokens: {authority host}/{tid}/v2.0 (any host: the emulator's own origin).
  const tenantKnown = tid !== '' && ctx.directory.tenants.has(tid)
  const issuerOk = tenantKnown && (iss.toLowerCase() === `https://sts.windows.net/${tid}/` || new RegExp(`^https?://[^/]+/${tid}/v2\\.0$`, 'i').test(iss))
  if (!issuerOk) unauthorized(info, 'The access token issuer or tenant is not valid.', 'Invalid issuer or tenant.')
  const appId = String(payload.appid ?? payload.azp ?? '')
  if (!appId) unauthorized(info, 'The access token has no appid/azp claim.', 'Invalid token: no client application.')
  const roles = Array.isArray(payload.roles) ? payload.roles.filter((r): r is string => typeof r === 'string') : []
  const displayName = typeof payload.app_displayname === 'string' ? payload.app_displayname : (ctx.directory.app(appId)?.displayName ?? appId)
  return { tenantId: tid, appId, roles, displayName }
}

/** 403 unless the token has one of `anyOf` (ReadWrite implies Read: callers list both). */
export function requireRole(info: RequestInfo, principal: Principal, anyOf: string[]): void {
  if (anyOf.some((r) => principal.roles.includes(r))) return
  if (info.surface === 'legacy')
    fail(info, 403, 'Forbidden', `The application does not have any of the required application permissions (${anyOf.join(', ')}) to access the resource.`)
  // The real Graph wording (peers.md §3, wazuh-documentation#7300).
  fail(info, 403, 'Forbidden', `Missing application roles. API required roles: ${anyOf.join(', ')}, application roles: ${principal.roles.join(', ')}.`)
}
