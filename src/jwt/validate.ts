import type { Clock } from '../lib/clock.js'
import { checkAppOnly, checkAudience, checkClient, checkIssuer, checkTenant } from './claims_checks.js'
import { decodeJwt, normalizeToken, type DecodedJwt } from './decode.js'
import { JwtFormatError } from './errors.js'
import { inspectDecoded, type TokenInspection } from './inspect.js'
import { checkLifetime } from './lifetime.js'
import { checkRoles } from './roles.js'
import { checkSignature } from './signature.js'

export { formatReport } from './report.js'

export type ValidationCheckId = 'format' | 'signature' | 'issuer' | 'audience' | 'tenant' | 'lifetime' | 'client' | 'app-only' | 'roles'

/** One step of the report; `fix` is a one-line remedy when the likely cause is known. */
export interface ValidationCheck {
  id: ValidationCheckId
  ok: boolean
  /** Not run (no expectation given, or an earlier failure makes it meaningless); `ok` is then true. */
  skipped?: boolean
  message: string
  fix?: string
}

export interface ValidationReport {
  /** Every check that ran passed. */
  valid: boolean
  /** Always all nine checks, in the order of {@link ValidationCheckId}. */
  checks: ValidationCheck[]
  /** Required roles the token lacks (after ReadWrite-implies-Read). */
  missingRoles: string[]
  inspection: TokenInspection
}

export interface ValidateOptions {
  /** Tenant ID (GUID) expected in `tid`. */
  tenant?: string
  /** Accepted `aud` values, compared literally (trailing slash ignored). */
  audience?: string | string[]
  /** The API, e.g. https://api.security.microsoft.com: its App ID URI with or without `/`, `/.default`, or its appId. */
  resource?: string
  /** Expected `appid`/`azp`. */
  clientId?: string
  requiredRoles?: string[]
  /** Allowance for `nbf`/`exp`, default 300. */
  clockSkewSeconds?: number
  /** Milliseconds since the epoch; default `clock.now()` or `Date.now()`. */
  now?: number
  clock?: Clock
  /** Default false: Microsoft says clients must treat tokens for its APIs as opaque (entra-app-only.md §4.1). */
  verifySignature?: boolean
  /** Where to discover keys, default https://login.microsoftonline.com. Also accepted as an issuer host. */
  authorityHost?: string
  fetch?: typeof fetch
}

const ORDER: ValidationCheckId[] = ['format', 'signature', 'issuer', 'audience', 'tenant', 'lifetime', 'client', 'app-only', 'roles']

/**
 * Checks a token the way a resource server would (entra-app-only.md §5.6), but reports every
 * check with its likely cause and fix instead of stopping at the first failure, so a 401/403 from
 * the Defender API can be explained. Never throws for a bad token; a malformed one fails `format`.
 */
export async function validateToken(token: string, options: ValidateOptions = {}): Promise<ValidationReport> {
  const now = options.now ?? options.clock?.now() ?? Date.now()
  let decoded: DecodedJwt
  try {
    decoded = decodeJwt(token)
  } catch (e) {
    if (!(e instanceof JwtFormatError)) throw e
    const format: ValidationCheck = { id: 'format', ok: false, message: e.message, ...(e.hint !== undefined && { fix: e.hint }) }
    const rest = ORDER.slice(1).map((id): ValidationCheck => ({ id, ok: true, skipped: true, message: 'not checked: the token could not be decoded' }))
    return { valid: false, checks: [format, ...rest], missingRoles: [...(options.requiredRoles ?? [])], inspection: emptyInspection() }
  }
  const { header, payload } = decoded
  const inspection = inspectDecoded(header, payload, now)

  let signature: ValidationCheck = {
    id: 'signature',
    ok: true,
    skipped: true,
    message: 'not verified (tokens for Microsoft APIs are opaque to clients); enable verifySignature (CLI: --verify-signature) to check it against the tenant\'s published keys',
  }
  let discoveredIssuer: string | undefined
  if (options.verifySignature) {
    const result = await checkSignature(normalizeToken(token), header, payload, {
      ...(options.authorityHost !== undefined && { authorityHost: options.authorityHost }),
      ...(options.fetch !== undefined && { fetch: options.fetch }),
    })
    signature = result.check
    discoveredIssuer = result.discoveredIssuer
  }
  const audience = checkAudience(inspection, payload, options)
  const roles = checkRoles(inspection, options.requiredRoles ?? [], audience.ok)
  const checks: ValidationCheck[] = [
    checkFormat(header, payload),
    signature,
    checkIssuer(payload, {
      ...(options.authorityHost !== undefined && { authorityHost: options.authorityHost }),
      ...(discoveredIssuer !== undefined && { discoveredIssuer }),
    }),
    audience,
    checkTenant(payload, options.tenant),
    checkLifetime(payload, now, options.clockSkewSeconds ?? 300),
    checkClient(inspection, options.clientId),
    checkAppOnly(inspection, payload),
    roles.check,
  ]
  return { valid: checks.every((c) => c.ok), checks, missingRoles: roles.missingRoles, inspection }
}

// "Claims used for access token validation are always present" (ATCR via entra-app-only.md §4.3).
const REQUIRED_CLAIMS = ['aud', 'iss', 'exp', 'tid', 'ver']

function checkFormat(header: Record<string, unknown>, payload: Record<string, unknown>): ValidationCheck {
  if (header.alg === 'none') return { id: 'format', ok: false, message: 'the token is unsigned (alg "none"); the Microsoft identity platform never issues those' }
  if (header.alg !== 'RS256') return { id: 'format', ok: false, message: `alg is ${JSON.stringify(header.alg)}; Microsoft identity platform access tokens are RS256` }
  if (header.typ !== undefined && header.typ !== 'JWT') return { id: 'format', ok: false, message: `typ is ${JSON.stringify(header.typ)}; access tokens have typ "JWT"` }
  const missing = REQUIRED_CLAIMS.filter((c) => !(c in payload))
  if (missing.length) {
    return {
      id: 'format',
      ok: false,
      message: `not a Microsoft identity platform access token: missing ${missing.join(', ')}`,
      fix: 'Pass the access_token from the token response (not an id_token or a token from another issuer).',
    }
  }
  const kid = typeof header.kid === 'string' ? `, kid ${header.kid}` : ''
  return { id: 'format', ok: true, message: `JWT, RS256, v${String(payload.ver)} access token${kid}` }
}

function emptyInspection(): TokenInspection {
  return { header: {}, claims: [], appOnly: false, roles: [], scopes: [], expired: false }
}
