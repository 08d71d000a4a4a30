import type { Clock } from '../lib/clock.js'
import { checkAppOnly, checkAudience, checkClient, checkIssuer, checkTenant } from './claims_checks.js'
import { decodeJwt, normalizeToken, type DecodedJwt } from './decode.js'
import { JwtFormatError } from './errors.js'
import { inspectDecoded, type TokenInspection } from './inspect.js'
import { checkLifetime } from './lifetime.js'
import { checkRoles } from './roles.js'
import type { KeyCache } from './key_cache.js'
import { printable } from './printable.js'
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

/**
 * `valid` is true only for a token that is genuine AND fit for the call: its signature was verified
 * against the tenant's published keys and every other check passed. Without signature checking a
 * forged token can carry any claims, so the report never calls it valid: `verdict` is then
 * `'signature-not-checked'` when the claims pass (issue 10 §6).
 */
export interface ValidationReport {
  /** The signature was verified and every check passed. Never true when the signature was not checked. */
  valid: boolean
  /** Every check other than the signature passed (skipped ones count as passed). */
  claimsValid: boolean
  /** A signature check ran (`verifySignature`); see the `signature` check for its outcome. */
  signatureChecked: boolean
  /** `valid`; `invalid` (a check failed, the signature included); `signature-not-checked` (claims pass, signature not checked). */
  verdict: 'valid' | 'invalid' | 'signature-not-checked'
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
  /** Discovery documents and key sets to reuse (default: one process-wide cache per `fetch`). */
  keyCache?: KeyCache
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
    return { valid: false, claimsValid: false, signatureChecked: false, verdict: 'invalid', checks: [format, ...rest], missingRoles: [...(options.requiredRoles ?? [])], inspection: emptyInspection() }
  }
  const { header, payload } = decoded
  const inspection = inspectDecoded(header, payload, now)

  let signature: ValidationCheck = {
    id: 'signature',
    ok: true,
    skipped: true,
    message: 'signature not checked: the claims below prove nothing about who issued the token; enable verifySignature (CLI: --verify-signature) to check it against the tenant\'s published keys',
  }
  let discoveredIssuer: string | undefined
  if (options.verifySignature) {
    const result = await checkSignature(normalizeToken(token), header, payload, {
      ...(options.authorityHost !== undefined && { authorityHost: options.authorityHost }),
      ...(options.fetch !== undefined && { fetch: options.fetch }),
      ...(options.keyCache !== undefined && { keyCache: options.keyCache }),
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
  // Messages quote claims and header fields of an unverified token: escape control characters at the source.
  for (const c of checks) {
    c.message = printable(c.message, 2000)
    if (c.fix !== undefined) c.fix = printable(c.fix, 2000)
  }
  const signatureChecked = options.verifySignature === true
  const claimsValid = checks.every((c) => c.id === 'signature' || c.ok)
  const valid = signatureChecked && signature.ok && claimsValid
  const verdict = valid ? 'valid' : claimsValid && !signatureChecked ? 'signature-not-checked' : 'invalid'
  return { valid, claimsValid, signatureChecked, verdict, checks, missingRoles: roles.missingRoles, inspection }
}

// "Claims used for access token validation are always present" (ATCR via entra-app-only.md §4.3).
const REQUIRED_CLAIMS = ['aud', 'iss', 'exp', 'tid', 'ver']
// Header parameters that point at a key (RFC 7515 §4.1.2–§4.1.6): the classic key-injection vectors.
const KEY_POINTERS = ['jku', 'jwk', 'x5u', 'x5c']

function checkFormat(header: Record<string, unknown>, payload: Record<string, unknown>): ValidationCheck {
  if (header.alg === 'none') return { id: 'format', ok: false, message: 'the token is unsigned (alg "none"); the Microsoft identity platform never issues those' }
  if (typeof header.alg === 'string' && header.alg.toLowerCase() === 'none') return { id: 'format', ok: false, message: `the token is unsigned (alg ${printable(header.alg, 10)}); the Microsoft identity platform never issues those` }
  if (header.alg !== 'RS256') return { id: 'format', ok: false, message: `alg is ${printable(header.alg, 40)}; Microsoft identity platform access tokens are RS256` }
  if (header.typ !== undefined && header.typ !== 'JWT') return { id: 'format', ok: false, message: `typ is ${printable(header.typ, 40)}; access tokens have typ "JWT"` }
  // Keys come only from the tenant's published set; a token pointing elsewhere for its key is not from Entra.
  const foreignKey = KEY_POINTERS.filter((h) => h in header)
  if (foreignKey.length) return { id: 'format', ok: false, message: `the header names its own key source (${foreignKey.join(', ')}); Microsoft identity platform tokens never do, and m365d never follows it` }
  if ('crit' in header) return { id: 'format', ok: false, message: 'the header has a "crit" parameter; Microsoft identity platform access tokens carry none' }
  const missing = REQUIRED_CLAIMS.filter((c) => !Object.hasOwn(payload, c))
  if (missing.length) {
    return {
      id: 'format',
      ok: false,
      message: `not a Microsoft identity platform access token: missing ${missing.join(', ')}`,
      fix: 'Pass the access_token from the token response (not an id_token or a token from another issuer).',
    }
  }
  if (header.kid !== undefined && typeof header.kid !== 'string') return { id: 'format', ok: false, message: `kid is ${printable(header.kid, 40)}, not a string` }
  const kid = typeof header.kid === 'string' ? `, kid ${printable(header.kid, 64)}` : ''
  return { id: 'format', ok: true, message: `JWT, RS256, v${String(payload.ver)} access token${kid}` }
}

function emptyInspection(): TokenInspection {
  return { header: {}, claims: [], appOnly: false, roles: [], scopes: [], expired: false }
}
