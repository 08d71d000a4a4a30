import { systemClock, type Clock } from '../lib/clock.js'
import { publish } from '../lib/diagnostics.js'
import { isTlsTrustError, TLS_TRUST_HINT } from '../lib/tls_trust.js'
import { TenantResolveError, TokenError, TokenNetworkError, type TokenErrorFields } from './errors.js'
import { hintForAadsts } from './hints.js'
import { isGuid } from './token_claims.js'
import { assertSpecificTenant } from './token_request.js'

export interface ResolveTenantOptions {
  /** e.g. `https://login.microsoftonline.com`, or the emulator's URL. */
  authorityHost: string
  fetch?: typeof fetch
  signal?: AbortSignal
  clock?: Clock
}

/**
 * The tenant id (lower-case GUID) of a tenant named by GUID or verified domain. A GUID is returned
 * as is, without a request; a domain is resolved through the authority's OpenID discovery document
 * `{authority}/{domain}/v2.0/.well-known/openid-configuration`, whose `issuer` (and endpoints) carry
 * the tenant GUID even when asked by domain — MSAL relies on the same fact to canonicalise a domain
 * authority (entra-app-only.md §5.2, `Authority.replacePath`).
 *
 * The token guard compares every token's `tid` with this id, so a domain is resolved BEFORE its
 * first token: the first token can no longer teach the guard a wrong tenant (issue 10 §5).
 *
 * Errors: `ERR_TENANT_UNKNOWN` (400/404, AADSTS90002: no such tenant in this cloud),
 * `ERR_TENANT_RESOLVE_INVALID` (no tenant GUID in the document, or issuer and token endpoint
 * disagree), `ERR_TOKEN_NETWORK` (unreachable), `ERR_TOKEN_SERVER` (5xx); `ERR_INVALID_ARGUMENT`
 * for `common`/`organizations`/`consumers`. Publishes `m365d:token:tenant-discovery`.
 */
export async function resolveTenantId(tenant: string, options: ResolveTenantOptions): Promise<string> {
  assertSpecificTenant(tenant)
  if (isGuid(tenant)) return tenant.toLowerCase()
  const clock = options.clock ?? systemClock
  const startedAt = clock.now()
  const authority = options.authorityHost.replace(/\/+$/, '')
  const url = `${authority}/${encodeURIComponent(tenant)}/v2.0/.well-known/openid-configuration`
  const base: TokenErrorFields = { tenant }
  try {
    const tenantId = await discover(url, tenant, base, options)
    publish('tenantDiscovery', { authority, tenant, tenantId, durationMs: clock.now() - startedAt })
    return tenantId
  } catch (error) {
    publish('tenantDiscovery', { authority, tenant, durationMs: clock.now() - startedAt, error: error instanceof TokenError ? error.toJSON() : { name: (error as Error)?.name } })
    throw error
  }
}

async function discover(url: string, tenant: string, base: TokenErrorFields, options: ResolveTenantOptions): Promise<string> {
  const origin = new URL(url).origin
  let response: Response
  try {
    response = await (options.fetch ?? globalThis.fetch)(url, { headers: { accept: 'application/json' }, ...(options.signal && { signal: options.signal }) })
  } catch (cause) {
    if (options.signal?.aborted) throw options.signal.reason
    throw new TokenNetworkError(`Cannot reach ${origin} to resolve the tenant '${tenant}' to its tenant id.`, base, {
      hint: isTlsTrustError(cause) ? TLS_TRUST_HINT : 'Check network access to the authority host, or configure the tenant id (GUID) instead of the domain.',
      cause,
    })
  }
  let body: Record<string, unknown> | undefined
  try {
    const parsed: unknown = JSON.parse(await response.text())
    body = parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined
  } catch {
    body = undefined
  }
  const fields: TokenErrorFields = {
    ...base,
    status: response.status,
    ...(typeof body?.error === 'string' && { error: body.error }),
    ...(Array.isArray(body?.error_codes) && { errorCodes: body.error_codes.map(Number).filter((n) => Number.isInteger(n)) }),
    ...(typeof body?.trace_id === 'string' && { traceId: body.trace_id }),
    ...(typeof body?.correlation_id === 'string' && { correlationId: body.correlation_id }),
  }
  if (response.status >= 500) throw new TokenError(`The discovery document for '${tenant}' failed with HTTP ${response.status}.`, fields)
  if (response.status === 400 || response.status === 404) {
    throw new TenantResolveError('ERR_TENANT_UNKNOWN', `The authority ${origin} does not know the tenant '${tenant}' (HTTP ${response.status}${fields.errorCodes?.length ? `, AADSTS${fields.errorCodes[0]}` : ''}).`, fields, {
      hint: hintForAadsts(90002, { tenant }),
    })
  }
  if (!response.ok || body === undefined)
    throw new TenantResolveError('ERR_TENANT_RESOLVE_INVALID', `The discovery document for '${tenant}' could not be read (HTTP ${response.status}).`, fields, { hint: INVALID_HINT })
  // issuer: https://login.microsoftonline.com/{tid}/v2.0; token_endpoint: https://login.microsoftonline.com/{tid}/oauth2/v2.0/token.
  const fromIssuer = firstSegmentGuid(body.issuer)
  const fromEndpoint = firstSegmentGuid(body.token_endpoint)
  if (fromIssuer === undefined || (fromEndpoint !== undefined && fromEndpoint !== fromIssuer))
    throw new TenantResolveError('ERR_TENANT_RESOLVE_INVALID', `The discovery document for '${tenant}' names no single tenant id.`, fields, { hint: INVALID_HINT })
  return fromIssuer
}

const INVALID_HINT = 'Configure the tenant id (GUID) instead of the domain, and check the authority host (a proxy may answer in its place).'

function firstSegmentGuid(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined
  let path: string
  try {
    path = new URL(value).pathname
  } catch {
    return undefined
  }
  const segment = path.split('/').find((s) => s !== '')
  return segment !== undefined && isGuid(segment) ? segment.toLowerCase() : undefined
}
