import { systemClock } from '../lib/clock.js'
import { publish } from '../lib/diagnostics.js'
import type { TokenCredentialLike } from './credentials.js'
import { TokenCredentialError, TokenError, TokenResponseInvalidError } from './errors.js'
import { hintForAadsts } from './hints.js'
import { resolveTenantId } from './tenant_discovery.js'
import { assertTokenTenant } from './token_claims.js'
import { clientCredentialsRequest, resourceOf, scopeOf, type TokenRequestParams } from './token_request.js'
import { accessTokenOf, expectedTenantOf, processTokenResponse, refreshAheadOf, type AccessToken } from './token_response.js'

/** Extra knobs the provider passes; plain callers can ignore them. */
export interface AcquireOptions {
  refreshAheadMs?: number
  /** The tenant id (GUID) every token must carry; for a domain without it, acquireToken resolves it first (resolveTenantId). */
  expectedTenantId?: string
}

/**
 * One client-credentials token, no cache: request + response processing, or a TokenCredential's
 * `getToken` for `token-credential` credentials. Publishes `tokenResponse` with the outcome.
 */
export async function acquireToken(params: TokenRequestParams, options: AcquireOptions = {}): Promise<AccessToken> {
  const clock = params.clock ?? systemClock
  // The tenant id every token is checked against, known BEFORE the token (issue 10 §5).
  const expectedTenantId =
    options.expectedTenantId ??
    (await resolveTenantId(params.tenant, {
      authorityHost: params.authorityHost,
      ...(params.fetch && { fetch: params.fetch }),
      ...(params.signal && { signal: params.signal }),
      clock,
    }))
  const requestedAt = clock.now()
  try {
    const token =
      params.credential.kind === 'token-credential'
        ? await fromTokenCredential(params.credential.credential, params, requestedAt, { ...options, expectedTenantId })
        : await processTokenResponse(await clientCredentialsRequest(params), { params, requestedAt, ...options, expectedTenantId })
    publish('tokenResponse', {
      tenant: params.tenant,
      clientId: params.clientId,
      resource: token.resource,
      expiresAt: token.expiresAt,
      durationMs: clock.now() - requestedAt,
    })
    return token
  } catch (error) {
    publish('tokenResponse', {
      tenant: params.tenant,
      clientId: params.clientId,
      resource: resourceOf(params.resource),
      durationMs: clock.now() - requestedAt,
      error: error instanceof TokenError ? error.toJSON() : { name: (error as Error)?.name },
    })
    throw error
  }
}

/**
 * Adapter for `@azure/core-auth` TokenCredentials (`getToken(scopes, {tenantId})`): the credential
 * talks to Entra, we keep the same result shape and the same tenant guard.
 */
async function fromTokenCredential(credential: TokenCredentialLike, params: TokenRequestParams, requestedAt: number, options: AcquireOptions): Promise<AccessToken> {
  const base = { tenant: params.tenant, clientId: params.clientId }
  let result: Awaited<ReturnType<TokenCredentialLike['getToken']>>
  try {
    result = await credential.getToken(scopeOf(params.resource), {
      tenantId: params.tenant,
      ...(params.signal && { abortSignal: params.signal }),
    })
  } catch (cause) {
    if (params.signal?.aborted) throw params.signal.reason
    const message = cause instanceof Error ? cause.message : String(cause)
    const code = Number(message.match(/AADSTS(\d+)/)?.[1]) || undefined
    const hint = code === undefined ? undefined : hintForAadsts(code, { tenant: params.tenant, clientId: params.clientId, authorityHost: params.authorityHost })
    // First line only: @azure/identity appends Trace/Correlation ids and troubleshooting links.
    throw new TokenCredentialError(`The TokenCredential failed: ${message.split(/\r?\n/)[0]}`, { ...base, ...(code !== undefined && { errorCodes: [code] }) }, { ...(hint && { hint }), cause })
  }
  if (!result || typeof result.token !== 'string' || !Number.isFinite(result.expiresOnTimestamp))
    throw new TokenResponseInvalidError('The TokenCredential returned no token.', base)
  const tid = assertTokenTenant(result.token, expectedTenantOf(params.tenant, options.expectedTenantId), base)
  const expiresAt = result.expiresOnTimestamp
  let refreshAt = refreshAheadOf(requestedAt, expiresAt, options.refreshAheadMs)
  if (result.refreshAfterTimestamp !== undefined && result.refreshAfterTimestamp < refreshAt) refreshAt = result.refreshAfterTimestamp
  return accessTokenOf(params, { token: result.token, tenantId: tid, expiresAt, refreshAt })
}
