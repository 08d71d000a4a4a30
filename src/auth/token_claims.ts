/**
 * Reads claims from an access token WITHOUT verifying it. The client treats tokens for Microsoft
 * APIs as opaque for authorization (they "might not always be a JWT that can be decoded", peers.md
 * §2.4); we only look at `tid` to make sure a token is for the tenant we asked for. Not a JWT →
 * `undefined`, and the check is skipped.
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

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

export function isGuid(value: string): boolean {
  return GUID.test(value)
}
