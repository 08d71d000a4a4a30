import { TokenTenantMismatchError, type TokenErrorFields } from './errors.js'

/**
 * Reads claims from an access token WITHOUT verifying it. The client treats tokens for Microsoft
 * APIs as opaque for authorization (they "might not always be a JWT that can be decoded", peers.md
 * §2.4); we only look at `tid` to make sure a token is for the tenant we asked for. Not a JWT →
 * `undefined`.
 */
export function decodeTokenClaims(token: string): Record<string, unknown> | undefined {
  const first = token.indexOf('.')
  const second = first < 0 ? -1 : token.indexOf('.', first + 1)
  if (second < 0) return undefined
  try {
    const payload: unknown = JSON.parse(Buffer.from(token.slice(first + 1, second), 'base64url').toString('utf8'))
    return payload !== null && typeof payload === 'object' && !Array.isArray(payload) ? (payload as Record<string, unknown>) : undefined
  } catch {
    return undefined
  }
}

/** The token's own `tid` when it is a non-empty string; `undefined` for anything else (not a JWT, absent, number, object, ""). */
export function tenantIdOf(token: string): string | undefined {
  const claims = decodeTokenClaims(token)
  const tid = claims !== undefined && Object.hasOwn(claims, 'tid') ? claims.tid : undefined
  return typeof tid === 'string' && tid !== '' ? tid : undefined
}

/**
 * The tenant guard, failing closed (issue 10 §5): the token's `tid` must be the tenant id asked
 * for. A token whose tenant cannot be read is a mismatch, never "the tenant asked for": Entra's
 * app-only tokens always carry `tid` (entra-app-only.md §4.3), so one without it did not come from
 * the tenant's authority as expected. Returns the token's tid (lower case GUID) or throws
 * `ERR_TOKEN_TENANT_MISMATCH`.
 */
export function assertTokenTenant(token: string, expectedTenantId: string, fields: TokenErrorFields): string {
  const tid = tenantIdOf(token)
  if (tid === undefined || tid.toLowerCase() !== expectedTenantId.toLowerCase())
    throw new TokenTenantMismatchError({ ...fields, expectedTenantId, actualTenantId: tid })
  return tid.toLowerCase()
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

export function isGuid(value: string): boolean {
  return GUID.test(value)
}
