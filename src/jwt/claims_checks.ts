import type { TokenInspection } from './inspect.js'
import { acceptedAudiences, describeAudience, findResource, isGuid, normalizeResource } from './resources.js'
import { authorityOrigin } from './signature.js'
import type { ValidationCheck } from './validate.js'

/**
 * Hosts of the Microsoft identity platform's issuers. v1: `https://sts.windows.net/{tid}/`; v2:
 * `https://login.microsoftonline.com/{tid}/v2.0`, national clouds with their own login host
 * (entra-app-only.md §4.3: MSAL's US Gov and China issuers). The China v1 STS host is an inference.
 */
const ISSUER_HOSTS = new Set([
  'sts.windows.net',
  'login.microsoftonline.com',
  'login.windows.net',
  'login.microsoftonline.us',
  'login.partner.microsoftonline.cn',
  'sts.chinacloudapi.cn',
])

/**
 * `iss` names the tenant and token format (entra-app-only.md §5.6 step 2). With discovery, the
 * issuer must equal the document's (after `{tenantid}` substitution); without, its shape must be
 * v1 `https://sts.windows.net/{tid}/` or v2 `https://{login host}/{tid}/v2.0`, and "{tid} is the
 * exact tid claim" (CVAL).
 */
export function checkIssuer(payload: Record<string, unknown>, options: { authorityHost?: string; discoveredIssuer?: string }): ValidationCheck {
  const iss = payload.iss
  if (typeof iss !== 'string') return { id: 'issuer', ok: false, message: 'the token has no "iss" claim' }
  if (options.discoveredIssuer !== undefined) {
    return iss === options.discoveredIssuer
      ? { id: 'issuer', ok: true, message: `${iss} matches the tenant's discovery document` }
      : { id: 'issuer', ok: false, message: `iss ${iss} differs from ${options.discoveredIssuer} published by the tenant's discovery document`, fix: 'The token was issued by another tenant or authority; request it from the tenant you validate against.' }
  }
  let url: URL
  try {
    url = new URL(iss)
  } catch {
    return { id: 'issuer', ok: false, message: `iss ${JSON.stringify(iss)} is not a URL` }
  }
  const segments = url.pathname.split('/').filter(Boolean)
  const v2Shape = segments.length === 2 && segments[1] === 'v2.0'
  const v1Shape = segments.length === 1 && url.pathname.endsWith('/')
  if (!v1Shape && !v2Shape) return { id: 'issuer', ok: false, message: `iss ${iss} is neither https://sts.windows.net/{tid}/ (v1) nor https://login.microsoftonline.com/{tid}/v2.0 (v2)` }
  if (payload.ver === '1.0' && v2Shape) return { id: 'issuer', ok: false, message: `ver is 1.0 but iss ${iss} has the v2.0 form` }
  if (payload.ver === '2.0' && v1Shape) return { id: 'issuer', ok: false, message: `ver is 2.0 but iss ${iss} has the v1.0 form` }
  if (segments[0] !== payload.tid) {
    return { id: 'issuer', ok: false, message: `the tenant in iss (${segments[0]}) is not the tid claim (${String(payload.tid)})`, fix: 'Reject the token: issuer and tenant disagree.' }
  }
  const authority = authorityOrigin(options.authorityHost)
  const knownHost = url.protocol === 'https:' && ISSUER_HOSTS.has(url.host)
  if (!knownHost && url.origin !== authority) {
    return {
      id: 'issuer',
      ok: false,
      message: `iss ${iss} is not a Microsoft identity platform issuer`,
      fix: 'If the token comes from the m365d emulator or another cloud, pass authorityHost=<its login URL>.',
    }
  }
  return { id: 'issuer', ok: true, message: `${iss} (v${v2Shape ? '2.0' : '1.0'} issuer of tenant ${segments[0]})` }
}

/**
 * `aud` must name the API the token is presented to (entra-app-only.md §5.6 step 3). The classic
 * 403 cause is a token for the wrong resource (peers.md §4 item 2), so the message names both.
 */
export function checkAudience(inspection: TokenInspection, payload: Record<string, unknown>, options: { audience?: string | string[]; resource?: string }): ValidationCheck {
  const auds = (Array.isArray(payload.aud) ? payload.aud : [payload.aud]).filter((a): a is string => typeof a === 'string')
  if (auds.length === 0) return { id: 'audience', ok: false, message: 'the token has no "aud" claim' }
  const literal = options.audience === undefined ? [] : Array.isArray(options.audience) ? options.audience : [options.audience]
  if (literal.length === 0 && options.resource === undefined) {
    return { id: 'audience', ok: true, skipped: true, message: `not checked (no resource given); token is for ${describeAudience(auds[0]!)}` }
  }
  const accepted = new Set([...literal.flatMap((a) => [a, normalizeResource(a), `${normalizeResource(a)}/`]), ...(options.resource ? acceptedAudiences(options.resource) : [])].map((a) => a.toLowerCase()))
  const match = auds.find((a) => accepted.has(a.toLowerCase()))
  if (match !== undefined) return { id: 'audience', ok: true, message: `token is for ${describeAudience(match)}` }

  const expected = primaryResource(options.resource ?? literal[0]!)
  const fix = `Request resource=${expected} (v1 endpoint) or scope=${expected}/.default (v2 endpoint).`
  const got = findResource(auds[0]!)
  const want = findResource(expected)
  let message = `token was requested for ${describeAudience(auds[0]!)}, expected ${describeAudience(expected)}`
  if (got?.family === 'graph' && (want?.family === 'defender' || want?.family === 'mde')) {
    message = `this is a Microsoft Graph token; the ${want.purpose} answers HTTP 403 to it: it needs a token for ${expected}`
    return { id: 'audience', ok: false, message, fix: `${fix} Or keep this token and call the Graph security API (https://graph.microsoft.com/v1.0/security/incidents) instead.` }
  }
  if ((got?.family === 'defender' || got?.family === 'mde') && want?.family === 'graph') {
    message = `this is a token for ${got.displayName} (${got.purpose}); Microsoft Graph rejects it: it needs a token for ${expected}`
    return { id: 'audience', ok: false, message, fix: `${fix} Or keep this token and call ${got.uris[0]} instead.` }
  }
  if (isGuid(auds[0]) && !isGuid(expected) && want === undefined) {
    // v2 tokens always carry the API's appId (entra-app-only.md §4.3); we only know the appIds of well-known APIs.
    message += ' — v2 tokens carry the API\'s appId as aud: if that GUID is your API, pass it as resource'
  }
  if (got?.family === 'mde' && want?.family === 'defender') {
    message += ` — Microsoft's C# samples use WindowsDefenderATP (Defender for Endpoint) for the Defender XDR API, but its documented resource is ${expected}`
  }
  return { id: 'audience', ok: false, message, fix }
}

/** A resource argument as the URI to put in `resource=`/`scope=` (a known appId → its App ID URI). */
function primaryResource(resource: string): string {
  const base = normalizeResource(resource)
  return isGuid(base) ? (findResource(base)?.uris[0] ?? base) : base
}

/** `tid` is a GUID and, when given, the expected tenant (CVAL via entra-app-only.md §5.6 step 5). */
export function checkTenant(payload: Record<string, unknown>, expected: string | undefined): ValidationCheck {
  const tid = payload.tid
  if (typeof tid !== 'string') return { id: 'tenant', ok: false, message: 'the token has no "tid" claim' }
  if (!isGuid(tid)) return { id: 'tenant', ok: false, message: `tid ${JSON.stringify(tid)} is not a GUID` }
  if (expected === undefined) return { id: 'tenant', ok: true, message: `issued by tenant ${tid}` }
  if (!isGuid(expected)) {
    return { id: 'tenant', ok: true, skipped: true, message: `expected tenant "${expected}" is not a GUID, so it cannot be compared with tid ${tid}`, fix: 'Pass the tenant ID (GUID), not a domain name.' }
  }
  if (tid.toLowerCase() === expected.toLowerCase()) return { id: 'tenant', ok: true, message: `issued by the expected tenant ${tid}` }
  return {
    id: 'tenant',
    ok: false,
    message: `token was issued by tenant ${tid}, expected ${expected}`,
    fix: `Request the token from the customer's authority https://login.microsoftonline.com/${expected}/…: a multi-tenant app needs one token per tenant, and "common" or the home tenant yields the wrong tid.`,
  }
}

/** `appid` (v1) / `azp` (v2) is the app that asked for the token (entra-app-only.md §4.3). */
export function checkClient(inspection: TokenInspection, expected: string | undefined): ValidationCheck {
  const client = inspection.clientId
  if (expected === undefined) return { id: 'client', ok: true, skipped: true, message: client ? `not checked; issued to client ${client}` : 'not checked' }
  if (client === undefined) return { id: 'client', ok: false, message: 'the token has neither "appid" nor "azp"' }
  if (client.toLowerCase() === expected.toLowerCase()) return { id: 'client', ok: true, message: `issued to the expected client ${client}` }
  return { id: 'client', ok: false, message: `issued to client ${client}, expected ${expected}`, fix: 'Check client_id: a token belongs to the app whose credentials requested it.' }
}

/** `idtyp: app` is "the most accurate way" to tell app-only tokens; else the absence of `scp` (OPTC, §4.3). */
export function checkAppOnly(inspection: TokenInspection, payload: Record<string, unknown>): ValidationCheck {
  if (!inspection.appOnly) {
    const scopes = inspection.scopes.length ? ` with delegated scopes ${inspection.scopes.join(' ')}` : ''
    return {
      id: 'app-only',
      ok: false,
      message: `this is a user (delegated) token${scopes}, not an app-only token`,
      fix: 'Use client credentials (grant_type=client_credentials) with application permissions; a daemon must not use a signed-in user\'s token.',
    }
  }
  const how = payload.idtyp === 'app' ? 'idtyp is app' : 'no scp claim'
  const acr = payload.appidacr ?? payload.azpacr
  const auth = acr === '2' ? ', client authenticated with a certificate' : acr === '1' ? ', client authenticated with a secret' : ''
  return { id: 'app-only', ok: true, message: `app-only token (${how}${auth})` }
}
