import type { SigningKey } from '../state/keys.js'
import { TENANT_TEMPLATE, v2Issuer, type AuthorityTenant } from './discovery_documents.js'

/**
 * JSON Web Key Sets (entra-app-only.md §5.4). Keys come from `KeyStore.published()`: the active
 * signing key plus every key retired within the grace period, so tokens signed just before a
 * rotation keep validating (§5.5 "There's always more than one valid key available").
 */
export interface Jwk {
  kty: 'RSA'
  use: 'sig'
  /** = `x5t`: base64url SHA-1 of the DER certificate. */
  kid: string
  x5t: string
  n: string
  e: string
  /** One standard-base64 DER certificate. */
  x5c: [string]
  /** v2 only: the issuer tokens signed by this key carry (templated for common/organizations). */
  issuer?: string
}

function toJwk(key: SigningKey): Jwk {
  const { n, e } = key.publicKey.export({ format: 'jwk' })
  return { kty: 'RSA', use: 'sig', kid: key.kid, x5t: key.kid, n: n!, e: e!, x5c: [key.x5c] }
}

/** v1 `GET /{tenant|common}/discovery/keys`: no `issuer` member. */
export function v1Jwks(keys: SigningKey[]): { keys: Jwk[] } {
  return { keys: keys.map(toJwk) }
}

/**
 * v2 `GET /{tenant|common|organizations}/discovery/v2.0/keys`: each key names its issuer, concrete
 * for a tenant and `{tenantid}`-templated for the multi-tenant aliases ("Validation of the signing
 * key issuer", §5.4).
 */
export function v2Jwks(keys: SigningKey[], origin: string, t: AuthorityTenant): { keys: Jwk[] } {
  const issuer = v2Issuer(origin, t.kind === 'tenant' ? t.id : TENANT_TEMPLATE)
  return { keys: keys.map((k) => ({ ...toJwk(k), issuer })) }
}
