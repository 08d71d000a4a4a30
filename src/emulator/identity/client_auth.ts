import { createPublicKey, type KeyObject } from 'node:crypto'
import { compactVerify, decodeJwt, decodeProtectedHeader, type JWTPayload, type ProtectedHeaderParameters } from 'jose'
import type { EmulatorContext } from '../context.js'
import type { AppRegistration, StoredCertificate, Tenant } from '../state/types.js'
import type { TokenForm } from './form.js'
import { dotnetTime, tokenErrors } from './token_errors.js'

/**
 * Client authentication at the token endpoint (entra-app-only.md §2): a client secret in the form
 * (`client_secret_post`) or in HTTP Basic (`client_secret_basic`, RFC 6749 §2.3.1), or a signed
 * JWT client assertion (`private_key_jwt`) checked against the app's registered certificates.
 * Returns the `appidacr`/`azpacr` value: "1" secret, "2" certificate.
 */
export const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'

export interface ClientAuthInput {
  form: TokenForm
  /** Secret from `Authorization: Basic`, already decoded. */
  basicSecret?: string | undefined
  app: AppRegistration
  tenant: Tenant
  /** The `{tenant}` path segment as sent (accepted in the assertion `aud` besides GUID and domains). */
  tenantSegment: string
  /** `scheme://host` of the request: the assertion `aud` must name this host (§2.2). */
  origin: string
}

export async function authenticateClient(ctx: EmulatorContext, input: ClientAuthInput): Promise<'1' | '2'> {
  const { form, app } = input
  const assertion = form.values.get('client_assertion')
  const secret = form.values.get('client_secret')
  if (secret !== undefined && secret !== '') return checkSecret(ctx, app, secretCandidates(secret, form.raw.get('client_secret')))
  if (assertion !== undefined && assertion !== '') {
    await checkAssertion(ctx, input, assertion)
    return '2'
  }
  if (input.basicSecret !== undefined && input.basicSecret !== '') return checkSecret(ctx, app, [input.basicSecret])
  throw tokenErrors.noCredential()
}

/** Parses `Authorization: Basic base64(urlencode(id):urlencode(secret))` (RFC 6749 §2.3.1). */
export function parseBasicAuth(header: string | null): { clientId: string; secret: string } | undefined {
  const m = header ? /^basic\s+(\S+)\s*$/i.exec(header) : null
  if (!m) return undefined
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8')
  const colon = decoded.indexOf(':')
  if (colon < 0) return undefined
  return { clientId: formDecode(decoded.slice(0, colon)), secret: formDecode(decoded.slice(colon + 1)) }
}

function formDecode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '))
  } catch {
    return s
  }
}

/**
 * The decoded value, plus the value with a raw `+` kept: the v1 doc's own sample sends
 * `client_secret=qkDw…+s=` unencoded (entra-app-only.md §1.2), which form decoding turns into a space.
 */
function secretCandidates(decoded: string, raw: string | undefined): string[] {
  const out = [decoded]
  if (raw?.includes('+')) {
    try {
      out.push(decodeURIComponent(raw))
    } catch {
      out.push(raw)
    }
  }
  return out
}

function checkSecret(ctx: EmulatorContext, app: AppRegistration, candidates: string[]): '1' {
  let expired = false
  for (const value of candidates) {
    const result = ctx.directory.verifySecret(app.appId, value, ctx.clock.now())
    if (result === 'ok') return '1'
    if (result === 'expired') expired = true
  }
  throw expired ? tokenErrors.expiredSecret(app.appId) : tokenErrors.badSecret(app.appId)
}

/** Leeway for a client clock running slightly ahead (`nbf` in the future); none on `exp`. */
const NBF_LEEWAY_SECONDS = 300

/**
 * RS256 with `x5t` (SHA-1) and PS256 with `x5t#S256` are what MSAL sends (entra-app-only.md §2.2);
 * the signature is checked by `jose` (RFC 7515), any other `alg` (or `none`) fails it.
 */
const ASSERTION_ALGORITHMS = ['RS256', 'PS256']

async function checkAssertion(ctx: EmulatorContext, input: ClientAuthInput, assertion: string): Promise<void> {
  const { form, app } = input
  if (form.values.get('client_assertion_type') !== JWT_BEARER) throw tokenErrors.badAssertionType()
  if (assertion.split('.').length !== 3) throw tokenErrors.malformedAssertion()
  let header: ProtectedHeaderParameters
  let claims: JWTPayload
  try {
    header = decodeProtectedHeader(assertion)
    claims = decodeJwt(assertion)
  } catch {
    throw tokenErrors.malformedAssertion()
  }

  if (typeof claims.iss !== 'string' || claims.iss.toLowerCase() !== app.appId) throw tokenErrors.assertionAppIdMismatch()
  if (claims.sub !== claims.iss) throw tokenErrors.subjectMismatch()

  const x5t = typeof header.x5t === 'string' ? header.x5t : undefined
  const x5tS256 = typeof header['x5t#S256'] === 'string' ? header['x5t#S256'] : undefined
  const thumbprint = b64urlToHex(x5t ?? x5tS256 ?? '')
  const cert = ctx.directory.findCertificate(app.appId, { ...(x5t && { x5t }), ...(x5tS256 && { 'x5t#S256': x5tS256 }) })
  if (!cert) throw tokenErrors.keyNotFound(thumbprint, app.appId)
  const start = dotnetTime(cert.startsAt)
  const end = dotnetTime(cert.expiresAt)
  const signed = await compactVerify(assertion, publicKey(cert), { algorithms: ASSERTION_ALGORITHMS }).then(
    () => true,
    () => false,
  )
  if (!signed) throw tokenErrors.badSignature(thumbprint, start, end)
  const now = ctx.clock.now()
  if (now >= cert.expiresAt || now < cert.startsAt) throw tokenErrors.expiredKey(thumbprint, start, end)

  checkAudience(input, claims.aud)

  const nbf = typeof claims.nbf === 'number' ? claims.nbf : 0
  const exp = typeof claims.exp === 'number' ? claims.exp : 0
  if (now < (nbf - NBF_LEEWAY_SECONDS) * 1000 || now >= exp * 1000) throw tokenErrors.assertionTimeRange(dotnetTime(now), dotnetTime(nbf * 1000), dotnetTime(exp * 1000))
  if (typeof claims.jti !== 'string' || claims.jti === '') throw tokenErrors.missingJti()
}

/**
 * `aud` must be this host's token endpoint for this tenant: v1 or v2 path, tenant as GUID, a
 * verified domain or the segment used; case and a trailing slash ignored. ESTS rejects an `aud`
 * on another host alias than the one asked (AzureAD/microsoft-authentication-library-for-dotnet #3352).
 */
function checkAudience(input: ClientAuthInput, aud: unknown): void {
  const values = Array.isArray(aud) ? aud : [aud]
  if (values.length > 1) throw tokenErrors.tooManyAudiences(values.length)
  const value = values[0]
  if (typeof value !== 'string') throw tokenErrors.badAudience()
  const norm = (s: string) => s.trim().replace(/\/+$/, '').toLowerCase()
  const origin = norm(input.origin)
  const segments = new Set([input.tenant.id, ...input.tenant.domains, input.tenantSegment.toLowerCase()])
  const accepted = new Set<string>()
  for (const seg of segments) {
    accepted.add(`${origin}/${seg}/oauth2/token`)
    accepted.add(`${origin}/${seg}/oauth2/v2.0/token`)
  }
  if (!accepted.has(norm(value))) throw tokenErrors.badAudience()
}

const keyCache = new WeakMap<StoredCertificate, KeyObject>()

function publicKey(cert: StoredCertificate): KeyObject {
  let key = keyCache.get(cert)
  if (!key) {
    key = createPublicKey(cert.publicKeyPem)
    keyCache.set(cert, key)
  }
  return key
}

function b64urlToHex(value: string): string {
  return Buffer.from(value.replace(/-/g, '+').replace(/_/g, '/').replace(/=+$/, ''), 'base64').toString('hex').toUpperCase()
}
