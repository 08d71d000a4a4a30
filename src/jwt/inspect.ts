import { describeClaim, renderClaim } from './claims.js'
import { decodeJwt } from './decode.js'

/** One claim as jwt.ms shows it. */
export interface ClaimView {
  name: string
  value: unknown
  description?: string
  /** A readable form: ISO date for iat/nbf/exp, "certificate" for appidacr 2, resource name for aud… */
  rendered?: string
}

/** What a token says about itself, decoded without verification. */
export interface TokenInspection {
  header: Record<string, unknown>
  claims: ClaimView[]
  version?: '1.0' | '2.0'
  /** `idtyp: app`, or no `scp` and no user claims (entra-app-only.md §4.3). */
  appOnly: boolean
  tenantId?: string
  audience?: string
  /** `appid` (v1) or `azp` (v2). */
  clientId?: string
  roles: string[]
  scopes: string[]
  issuedAt?: Date
  notBefore?: Date
  expiresAt?: Date
  /** `exp` is at or before `now` (no clock skew applied). */
  expired: boolean
  /** Seconds from `now` until `exp`; negative once expired. */
  expiresInSeconds?: number
}

// Present only in app+user tokens (ATCR / ATOK-OLD via entra-app-only.md §4.3).
const USER_CLAIMS = ['scp', 'upn', 'unique_name', 'preferred_username', 'name', 'given_name', 'family_name', 'amr']

/**
 * Decodes a token and explains every claim. `now` is milliseconds since the epoch (default
 * `Date.now()`). Throws {@link JwtFormatError} when the token is not a readable JWT.
 */
export function inspectToken(token: string, options: { now?: number } = {}): TokenInspection {
  const { header, payload } = decodeJwt(token)
  return inspectDecoded(header, payload, options.now ?? Date.now())
}

export function inspectDecoded(header: Record<string, unknown>, payload: Record<string, unknown>, now: number): TokenInspection {
  const claims: ClaimView[] = Object.entries(payload).map(([name, value]) => {
    const view: ClaimView = { name, value }
    const description = describeClaim(name)
    if (description !== undefined) view.description = description
    const rendered = renderClaim(name, value)
    if (rendered !== undefined) view.rendered = rendered
    return view
  })

  const roles = stringArray(payload.roles)
  const scopes = typeof payload.scp === 'string' ? payload.scp.split(' ').filter(Boolean) : []
  const idtyp = payload.idtyp
  const appOnly = idtyp === 'app' || (idtyp !== 'user' && !USER_CLAIMS.some((c) => c in payload))

  const inspection: TokenInspection = { header, claims, appOnly, roles, scopes, expired: false }
  const version = detectVersion(payload)
  if (version) inspection.version = version
  if (typeof payload.tid === 'string') inspection.tenantId = payload.tid
  const aud = Array.isArray(payload.aud) ? payload.aud[0] : payload.aud
  if (typeof aud === 'string') inspection.audience = aud
  const client = payload.appid ?? payload.azp
  if (typeof client === 'string') inspection.clientId = client
  const iat = date(payload.iat)
  const nbf = date(payload.nbf)
  const exp = date(payload.exp)
  if (iat) inspection.issuedAt = iat
  if (nbf) inspection.notBefore = nbf
  if (exp) {
    inspection.expiresAt = exp
    inspection.expiresInSeconds = Math.floor((exp.getTime() - now) / 1000)
    inspection.expired = exp.getTime() <= now
  }
  return inspection
}

/** `ver` when it is one of the two formats, else the issuer's shape (v2 issuers end in /v2.0). */
function detectVersion(payload: Record<string, unknown>): '1.0' | '2.0' | undefined {
  if (payload.ver === '1.0' || payload.ver === '2.0') return payload.ver
  if (typeof payload.iss !== 'string') return undefined
  if (/\/v2\.0\/?$/.test(payload.iss)) return '2.0'
  if (/^https:\/\/sts\./.test(payload.iss)) return '1.0'
  return undefined
}

function stringArray(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []
}

function date(seconds: unknown): Date | undefined {
  return typeof seconds === 'number' && Number.isFinite(seconds) ? new Date(seconds * 1000) : undefined
}
