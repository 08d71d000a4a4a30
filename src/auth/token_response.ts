import { hintForAadsts, THROTTLED_HINT } from './hints.js'
import { assertTokenTenant, isGuid } from './token_claims.js'
import { M365dArgumentError } from '../lib/errors.js'
import { TokenError, TokenResponseInvalidError, TokenThrottledError, type TokenErrorFields } from './errors.js'
import { resourceOf, type TokenRequestParams } from './token_request.js'

/** An app-only access token with absolute times (epoch ms). */
export interface AccessToken {
  token: string
  tokenType: 'Bearer'
  /** Absolute expiry, computed when the response is processed and counted from when the request was sent. */
  expiresAt: number
  /** When a cache should start refreshing it (ahead of expiry). */
  refreshAt: number
  /** `ext_expires_in` as an absolute time, when the server sent a non-zero one (informational). */
  extExpiresAt?: number
  /** The resource as asked (no `/.default`). */
  resource: string
  /** The token's `tid` (lower-case GUID), checked against the tenant asked for. */
  tenantId: string
  clientId: string
  endpointVersion: 1 | 2
}

/** Default refresh-ahead margin, as MSAL's `tokenRenewalOffsetSeconds` (entra-app-only.md §8.4). */
export const DEFAULT_REFRESH_AHEAD_MS = 5 * 60_000
/** Default and maximum wait after a 429 (MSAL throttling: 60 s default, 3600 s cap, entra-app-only.md §8.2). */
export const DEFAULT_RETRY_AFTER_MS = 60_000
export const MAX_RETRY_AFTER_MS = 3_600_000

/**
 * Turns a token endpoint response into an {@link AccessToken} or a typed error. Stateless.
 *
 * - `expires_in` / `ext_expires_in` / `refresh_in` may be numbers (v2) or strings (v1) (§1.2).
 * - Expiry is stamped from `requestedAt` (like MSAL's request timestamp): the token cannot have been
 *   issued before we asked, so this errs on the early side whatever the network latency.
 * - `refreshAt` = min(expiry − refreshAheadMs, `refresh_in` if sent); tokens living ≥ 2 h refresh at
 *   half-life like MSAL Python/Node do for long-lived tokens (§8.4); a lifetime shorter than twice the
 *   margin refreshes at half-life so the token is still used for a while.
 * - Errors: JSON identity-platform bodies → `TokenError` (`ERR_TOKEN_SERVER`) with hint; 429 →
 *   `ERR_TOKEN_THROTTLED` (the real body is the text `Too Many Requests`, §8.1); other non-JSON →
 *   `ERR_TOKEN_SERVER` with the status (5xx) or `ERR_TOKEN_RESPONSE_INVALID`.
 * - The token's `tid` must be the tenant asked for (GUID) or `expectedTenantId` (a domain resolved
 *   with `resolveTenantId`); a token without a readable `tid` is refused too (fails closed).
 */
export async function processTokenResponse(
  response: Response,
  ctx: { params: TokenRequestParams; requestedAt: number; refreshAheadMs?: number; expectedTenantId?: string },
): Promise<AccessToken> {
  const { params } = ctx
  const base: TokenErrorFields = { status: response.status, tenant: params.tenant, clientId: params.clientId }
  let text: string
  try {
    text = await response.text()
  } catch (cause) {
    throw new TokenResponseInvalidError(`The token response body could not be read (HTTP ${response.status}).`, base, { cause })
  }
  const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), ctx.requestedAt)
  let body: unknown
  try {
    body = text === '' ? undefined : JSON.parse(text)
  } catch {
    body = undefined
  }
  const obj = body !== null && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : undefined

  if (!response.ok) {
    const fields: TokenErrorFields = { ...base, ...(obj && errorFields(obj)) }
    if (response.status === 429) {
      const waitMs = retryAfterMs ?? DEFAULT_RETRY_AFTER_MS
      throw new TokenThrottledError(`The token endpoint throttled the request (HTTP 429); retry after ${Math.round(waitMs / 1000)} s.`, { ...fields, retryAfterMs: waitMs }, { hint: THROTTLED_HINT })
    }
    if (retryAfterMs !== undefined) fields.retryAfterMs = retryAfterMs
    if (obj && typeof obj.error === 'string') {
      const code = fields.errorCodes?.[0] ?? aadstsCode(fields.errorDescription)
      const hint = code === undefined ? undefined : hintForAadsts(code, { tenant: params.tenant, clientId: params.clientId, authorityHost: params.authorityHost })
      throw new TokenError(firstLine(fields.errorDescription) ?? `${obj.error} (HTTP ${response.status})`, fields, hint === undefined ? {} : { hint })
    }
    if (response.status >= 500) throw new TokenError(`The token endpoint failed with HTTP ${response.status}.`, fields)
    throw new TokenResponseInvalidError(`The token endpoint answered HTTP ${response.status} without an OAuth error body.`, fields)
  }

  if (!obj || typeof obj.access_token !== 'string' || obj.access_token === '')
    throw new TokenResponseInvalidError('The token response has no access_token.', base)
  if (typeof obj.token_type === 'string' && obj.token_type.toLowerCase() !== 'bearer')
    throw new TokenResponseInvalidError(`Unsupported token_type '${obj.token_type}' (expected Bearer).`, base)
  const expiresIn = seconds(obj.expires_in)
  const expiresOn = seconds(obj.expires_on)
  let expiresAt: number
  if (expiresIn !== undefined) expiresAt = ctx.requestedAt + expiresIn * 1000
  else if (expiresOn !== undefined) expiresAt = expiresOn * 1000
  else throw new TokenResponseInvalidError('The token response has no usable expires_in.', base)
  if (!(expiresAt > ctx.requestedAt)) throw new TokenResponseInvalidError('The token response says the token is already expired.', base)

  const lifetime = expiresAt - ctx.requestedAt
  let refreshAt = refreshAheadOf(ctx.requestedAt, expiresAt, ctx.refreshAheadMs)
  if (lifetime >= 7_200_000) refreshAt = Math.min(refreshAt, ctx.requestedAt + lifetime / 2)
  const refreshIn = seconds(obj.refresh_in)
  if (refreshIn !== undefined && refreshIn > 0) refreshAt = Math.min(refreshAt, ctx.requestedAt + refreshIn * 1000)

  const tid = assertTokenTenant(obj.access_token, expectedTenantOf(params.tenant, ctx.expectedTenantId), base)

  const token = accessTokenOf(params, { token: obj.access_token, tenantId: tid, expiresAt, refreshAt })
  const ext = seconds(obj.ext_expires_in)
  if (ext !== undefined && ext > 0) token.extExpiresAt = ctx.requestedAt + ext * 1000
  return token
}

/** When to refresh: `ahead` before expiry, or half-way through a token shorter than twice that. */
export function refreshAheadOf(requestedAt: number, expiresAt: number, ahead: number = DEFAULT_REFRESH_AHEAD_MS): number {
  const lifetime = expiresAt - requestedAt
  return lifetime >= 2 * ahead ? expiresAt - ahead : requestedAt + lifetime / 2
}

/** The cached token for `params`, whichever path (token endpoint or TokenCredential) produced it. */
export function accessTokenOf(params: TokenRequestParams, t: { token: string; tenantId: string; expiresAt: number; refreshAt: number }): AccessToken {
  return {
    token: t.token,
    tokenType: 'Bearer',
    expiresAt: t.expiresAt,
    refreshAt: t.refreshAt,
    resource: resourceOf(params.resource),
    tenantId: t.tenantId,
    clientId: params.clientId,
    endpointVersion: params.endpointVersion ?? 2,
  }
}

/** `Retry-After` as ms from `now`: delta-seconds or an HTTP date (RFC 9110 §10.2.3), capped at 3600 s. */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (value === null || value.trim() === '') return undefined
  const v = value.trim()
  let ms: number
  if (/^\d+$/.test(v)) ms = Number(v) * 1000
  else {
    const date = Date.parse(v)
    if (Number.isNaN(date)) return undefined
    ms = Math.max(0, date - now)
  }
  return Math.min(ms, MAX_RETRY_AFTER_MS)
}

function seconds(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined
  if (typeof value === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(value)) return Number(value)
  return undefined
}

function errorFields(obj: Record<string, unknown>): TokenErrorFields {
  const out: TokenErrorFields = {}
  if (typeof obj.error === 'string') out.error = obj.error
  if (typeof obj.error_description === 'string') out.errorDescription = obj.error_description
  // The wire has numbers; MSAL's type says strings — accept both (entra-app-only.md §3.1).
  if (Array.isArray(obj.error_codes)) out.errorCodes = obj.error_codes.map(Number).filter((n) => Number.isInteger(n))
  if (typeof obj.trace_id === 'string') out.traceId = obj.trace_id
  if (typeof obj.correlation_id === 'string') out.correlationId = obj.correlation_id
  if (typeof obj.timestamp === 'string') out.timestamp = obj.timestamp
  if (typeof obj.error_uri === 'string') out.errorUri = obj.error_uri
  return out
}

/** The AADSTS line, without the `Trace ID / Correlation ID / Timestamp` suffix (§3.1). */
function firstLine(description: string | undefined): string | undefined {
  if (!description) return undefined
  const cut = description.search(/\r?\nTrace ID:/)
  return (cut >= 0 ? description.slice(0, cut) : description).trim()
}

function aadstsCode(description: string | undefined): number | undefined {
  const m = description?.match(/AADSTS(\d+)/)
  return m ? Number(m[1]) : undefined
}

/**
 * The tenant id a token must carry: `expectedTenantId` (a domain resolved earlier), else the tenant
 * itself when it is a GUID. A domain without a resolved id cannot be checked, and an unchecked
 * token is never handed out: resolve it first with `resolveTenantId` (acquireToken does).
 */
export function expectedTenantOf(tenant: string, expectedTenantId: string | undefined): string {
  if (expectedTenantId !== undefined) return expectedTenantId
  if (isGuid(tenant)) return tenant
  throw new M365dArgumentError(`The tenant '${tenant}' is a domain: pass its tenant id as expectedTenantId so the token's tid can be checked.`, {
    hint: 'Resolve the domain first with resolveTenantId(), or use acquireToken() / TokenProvider, which do.',
  })
}
