import { constants, randomUUID, sign } from 'node:crypto'
import type { Clock } from '../lib/clock.js'
import { parseCertificateCredential, type ClientCredential } from './credentials.js'

/** Lifetime of our client assertions: "keep it short - 5-10 minutes" (entra-app-only.md §2.2), as MSAL (600 s). */
export const CLIENT_ASSERTION_LIFETIME_S = 600

/**
 * Signs a fresh client assertion (RFC 7523 private_key_jwt) for one token request, per
 * entra-app-only.md §2.2: `aud` = the token endpoint URL, `iss` = `sub` = client id, a new `jti`,
 * `nbf` = `iat` = now, `exp` = now + 10 min. Header `{alg: PS256, typ: JWT, x5t#S256}` by default
 * (certificate-credentials.md 2025), or `{alg: RS256, typ: JWT, x5t}` — the SHA-1 form the 2025 docs
 * PR #1301 reports as the one that works everywhere. A new assertion per request means a slow
 * network or a cached token never leads to an expired assertion (AADSTS700024).
 */
export function createClientAssertion(o: {
  clientId: string
  audience: string
  credential: Extract<ClientCredential, { kind: 'certificate' }>
  clock: Clock
}): string {
  const cert = parseCertificateCredential(o.credential)
  const alg = o.credential.algorithm ?? 'PS256'
  const header: Record<string, unknown> = { alg, typ: 'JWT' }
  if (alg === 'PS256') header['x5t#S256'] = cert.x5tS256
  else header.x5t = cert.x5t
  if (o.credential.sendX5c) header.x5c = cert.x5c
  const now = Math.floor(o.clock.now() / 1000)
  const payload = { aud: o.audience, exp: now + CLIENT_ASSERTION_LIFETIME_S, iss: o.clientId, jti: randomUUID(), nbf: now, iat: now, sub: o.clientId }
  const input = `${b64(header)}.${b64(payload)}`
  const signature =
    alg === 'PS256'
      ? sign('sha256', Buffer.from(input), { key: cert.privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST })
      : sign('sha256', Buffer.from(input), cert.privateKey)
  return `${input}.${signature.toString('base64url')}`
}

function b64(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url')
}
