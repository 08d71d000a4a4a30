import { publish } from '../lib/diagnostics.js'
import type { Layer } from './call.js'
import { DefenderForbiddenError } from './errors.js'
import { parseErrorBody } from './response.js'

/** What the client needs from a token provider (src/auth `TokenProvider` fits structurally). */
export interface TokenSource {
  getToken(request: { tenant: string; resource: string; forceRefresh?: boolean; signal?: AbortSignal }): Promise<{ token: string; expiresAt: number }>
}

export interface AuthorizationOptions {
  tokenProvider: TokenSource
  tenant: string
  /** The token audience, e.g. `https://api.security.microsoft.com` or `https://graph.microsoft.com`. */
  resource: string
  /** For the 403 hint: the API the permission belongs to. */
  apiName: string
  /**
   * On 403, force ONE token refresh and retry when the token may carry stale roles — tokens minted
   * before an admin consent keep the old `roles` for up to 60–90 min (peers.md §4.4). Default true.
   * At most once per token, so a tenant that really lacks the role costs no refresh storm.
   */
  refreshOn403?: boolean
}

/**
 * Bearer authorization. On 401 the token is refreshed (forced) and the call sent once more
 * (issue 3 §2); a second 401 goes to the caller. On 403 a {@link DefenderForbiddenError} names
 * the permission the call needs and the roles the token carries.
 */
export function authorization(options: AuthorizationOptions): Layer {
  const { tokenProvider, tenant, resource } = options
  const refreshOn403 = options.refreshOn403 ?? true
  let checkedFor403: string | undefined
  return (next) => async (call) => {
    const request = { tenant, resource, ...(call.signal && { signal: call.signal }) }
    let token = (await tokenProvider.getToken(request)).token
    let response = await next({ ...call, headers: { ...call.headers, authorization: `Bearer ${token}` } })
    const refreshable = response.status === 401 || (response.status === 403 && refreshOn403 && checkedFor403 !== token)
    if (refreshable) {
      publish('tokenRefresh', { key: `${tenant}|${resource}`, reason: `http-${response.status}` })
      await response.body?.cancel().catch(() => {})
      const fresh = (await tokenProvider.getToken({ ...request, forceRefresh: true })).token
      if (response.status === 403) checkedFor403 = fresh
      token = fresh
      response = await next({ ...call, headers: { ...call.headers, authorization: `Bearer ${token}` } })
    }
    if (response.status !== 403) return response
    const text = await response.text().catch(() => '')
    throw new DefenderForbiddenError({
      status: 403,
      method: call.method,
      url: call.url,
      ...parseErrorBody(text),
      requiredPermissions: call.permissions,
      tokenRoles: tokenRoles(token),
      apiName: options.apiName,
      tenant,
    })
  }
}

/** The `roles` claim of a JWT access token, without verifying it (it is our own token, only read for the message). */
export function tokenRoles(token: string): string[] {
  const payload = token.split('.')[1]
  if (!payload) return []
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { roles?: unknown }
    return Array.isArray(claims.roles) ? claims.roles.filter((r): r is string => typeof r === 'string') : []
  } catch {
    return []
  }
}
