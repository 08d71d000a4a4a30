import type { EmulatorContext } from '../context.js'
import { oauthErrorResponse } from './oauth_error.js'
import { CORS_HEADERS, metadataResponse } from './discovery_documents.js'

/**
 * `GET /common/discovery/instance?api-version=1.1&authorization_endpoint=…` (entra-app-only.md §7.1).
 * The real service answers the alias groups of every Microsoft cloud; the emulator adds its own
 * host (and the other loopback spellings on the same port) as a group of its own, so a client that
 * validates the authority through instance discovery trusts the emulator. An authorization endpoint
 * on any other host is `invalid_instance` (AADSTS50049), which MSAL turns into `untrusted_authority`.
 */

/** MSAL's hard-coded copy of the real response's `metadata` (§1.3, §7.1). */
const MICROSOFT_CLOUDS = [
  {
    preferred_network: 'login.microsoftonline.com',
    preferred_cache: 'login.windows.net',
    aliases: ['login.microsoftonline.com', 'login.windows.net', 'login.microsoft.com', 'sts.windows.net'],
  },
  { preferred_network: 'login.partner.microsoftonline.cn', preferred_cache: 'login.partner.microsoftonline.cn', aliases: ['login.partner.microsoftonline.cn', 'login.chinacloudapi.cn'] },
  { preferred_network: 'login.microsoftonline.de', preferred_cache: 'login.microsoftonline.de', aliases: ['login.microsoftonline.de'] },
  { preferred_network: 'login.microsoftonline.us', preferred_cache: 'login.microsoftonline.us', aliases: ['login.microsoftonline.us', 'login.usgovcloudapi.net'] },
  { preferred_network: 'login-us.microsoftonline.com', preferred_cache: 'login-us.microsoftonline.com', aliases: ['login-us.microsoftonline.com'] },
]

const LOOPBACK = ['localhost', '127.0.0.1', '[::1]']

/** The host the request came to plus, for a loopback host, its other spellings on the same port. */
export function emulatorAliases(requestUrl: URL): string[] {
  const host = requestUrl.host.toLowerCase()
  if (!LOOPBACK.includes(requestUrl.hostname.toLowerCase())) return [host]
  const port = requestUrl.port ? `:${requestUrl.port}` : ''
  return [host, ...LOOPBACK.map((h) => `${h}${port}`).filter((h) => h !== host)]
}

export function instanceDiscovery(req: Request, url: URL, ctx: EmulatorContext): Response {
  const error = (code: number, err: string, message: string) =>
    oauthErrorResponse(
      { status: 400, error: err, code, message, origin: url.origin, correlationId: req.headers.get('client-request-id'), clock: ctx.clock },
      CORS_HEADERS,
    )
  const raw = url.searchParams.get('authorization_endpoint')
  let endpoint: URL
  try {
    if (!raw) throw new TypeError('missing')
    endpoint = new URL(raw)
  } catch {
    return error(50050, 'invalid_request', 'The request is malformed. The authorization_endpoint parameter must be an absolute URL.')
  }
  const host = endpoint.host.toLowerCase()
  const ours = emulatorAliases(url)
  const own = ours.includes(host)
  if (!own && !MICROSOFT_CLOUDS.some((c) => c.aliases.includes(host)))
    return error(50049, 'invalid_instance', 'Unknown or invalid instance.')

  const tenant = endpoint.pathname.split('/').find((s) => s.length > 0) ?? 'common'
  // The requested host is the preferred one: MSAL swaps the authority's host for `preferred_network`.
  const group = { preferred_network: own ? host : ours[0]!, preferred_cache: own ? host : ours[0]!, aliases: own ? [host, ...ours.filter((h) => h !== host)] : ours }
  return metadataResponse({
    tenant_discovery_endpoint: `${url.origin}/${tenant}/v2.0/.well-known/openid-configuration`,
    'api-version': '1.1',
    metadata: [group, ...MICROSOFT_CLOUDS],
  })
}
