import { compactVerify, errors } from 'jose'
import { defaultKeyCache, describe, DiscoveryLoadError, type KeyCache } from './key_cache.js'
import { printable } from './printable.js'
import type { ValidationCheck } from './validate.js'
import { isGuid } from './resources.js'
import { isTlsTrustError, TLS_TRUST_HINT } from '../lib/tls_trust.js'

export const DEFAULT_AUTHORITY_HOST = 'https://login.microsoftonline.com'

export interface SignatureResult {
  check: ValidationCheck
  /** The discovery document's `issuer`, `{tenantid}` already replaced, for the issuer check. */
  discoveredIssuer?: string
}

/**
 * Verifies the RS256 signature against the tenant's published keys, the way a resource server
 * does (entra-app-only.md §5.6 step 1): the discovery document matching the token version (§5.1),
 * its `jwks_uri`, the key named by `kid`, and for v2 keys the key's own `issuer` rule (§5.4).
 * Documents and keys come from a {@link KeyCache} (per `jwks_uri`, cooldown on an unknown `kid`,
 * single flight). The key is chosen only by `kid` from the tenant's published set: `jku`, `x5u`,
 * `jwk` and `x5c` headers are never followed. Never throws: every failure becomes a failed check.
 */
export async function checkSignature(
  token: string,
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
  options: { authorityHost?: string; fetch?: typeof fetch; keyCache?: KeyCache },
): Promise<SignatureResult> {
  const fail = (message: string, fix?: string): SignatureResult => ({ check: { id: 'signature', ok: false, message, ...(fix !== undefined && { fix }) } })
  const host = authorityOrigin(options.authorityHost) ?? DEFAULT_AUTHORITY_HOST

  if ('nonce' in header) {
    // Graph tokens carry a `nonce` header; their signature only verifies inside Graph
    // (peers.md §2.4: justinlettau/azure-ad-verify-token#5, msal-js#815). Still a failure: a
    // forged token could add a nonce to dodge the check.
    return fail(
      'the header carries a "nonce": only Microsoft Graph can verify this token (expected for genuine Graph tokens)',
      'Do not verify tokens for Microsoft-owned APIs; they are opaque to clients. Run without signature verification.',
    )
  }
  if (header.alg !== 'RS256') return fail(`alg is ${printable(header.alg, 40)}; the Microsoft identity platform signs access tokens with RS256`)
  const kid = header.kid
  if (typeof kid !== 'string' || kid === '') return fail('the header has no "kid", so no published key can be chosen')
  const tid = payload.tid
  if (!isGuid(tid)) return fail('the token has no GUID "tid", so the tenant\'s keys cannot be discovered')

  // "validating a v1.0 token … read the metadata document from the v1.0 endpoint", v2 likewise (§5.1).
  const v2 = payload.ver === '2.0'
  const discoveryUrl = `${host}/${tid}${v2 ? '/v2.0' : ''}/.well-known/openid-configuration`
  const cache = options.keyCache ?? defaultKeyCache(options.fetch)
  let metadata: Record<string, unknown>
  try {
    metadata = await cache.discovery(discoveryUrl)
  } catch (e) {
    if (e instanceof DiscoveryLoadError && e.status !== undefined) {
      return fail(
        `discovery ${discoveryUrl} answered HTTP ${e.status}${e.detail}`,
        e.status === 400 || e.status === 404
          ? 'Check that tid names an existing tenant and that authorityHost is the cloud that issued the token (e.g. https://login.microsoftonline.us for US Gov).'
          : undefined,
      )
    }
    const cause = e instanceof DiscoveryLoadError ? e.cause : e
    return fail(`could not load discovery ${discoveryUrl}: ${describe(cause)}`, isTlsTrustError(cause) ? TLS_TRUST_HINT : 'Check network access to the authority host, or pass authorityHost.')
  }
  const jwksUri = metadata.jwks_uri
  if (typeof jwksUri !== 'string' || !URL.canParse(jwksUri)) return fail(`discovery ${discoveryUrl} has no jwks_uri`)
  const discoveredIssuer = typeof metadata.issuer === 'string' ? metadata.issuer.replace('{tenantid}', tid) : undefined
  const withIssuer = (r: SignatureResult): SignatureResult => (discoveredIssuer === undefined ? r : { ...r, discoveredIssuer })

  const jwks = cache.keySet(jwksUri)
  const shownKid = printable(kid, 64)
  try {
    await compactVerify(token, jwks, { algorithms: ['RS256'] })
  } catch (e) {
    if (e instanceof errors.JWKSNoMatchingKey) {
      return withIssuer(
        fail(
          `no key with kid ${shownKid} is published at ${jwksUri}: the key was rolled over and removed, or another authority issued the token`,
          'Request a new token; if this persists, check authorityHost and that the token comes from this tenant.',
        ),
      )
    }
    if (e instanceof errors.JWSSignatureVerificationFailed) {
      return withIssuer(fail(`the signature does not match published key ${shownKid}: the token was altered or not issued by ${host}`, 'Use the access_token exactly as the token endpoint returned it.'))
    }
    return withIssuer(fail(`could not verify with keys from ${jwksUri}: ${printable(describe(e), 200)}`))
  }

  // "Keys that have a templated issuer … only be used when the iss claim … matches this value
  // after substituting the tid claim" (ATOK via entra-app-only.md §5.4). v1 keys have no issuer.
  const jwk = jwks.jwks()?.keys.find((k) => k.kid === kid) as Record<string, unknown> | undefined
  if (typeof jwk?.issuer === 'string') {
    const keyIssuer = jwk.issuer.replace('{tenantid}', tid)
    if (keyIssuer !== payload.iss) {
      return withIssuer(fail(`key ${shownKid} may only sign tokens from ${keyIssuer}, but iss is ${printable(payload.iss)}`, 'The token was signed with a key reserved for another issuer; reject it.'))
    }
  }
  const keyNote = typeof jwk?.issuer === 'string' ? ', key issuer rule satisfied' : ''
  return withIssuer({ check: { id: 'signature', ok: true, message: `RS256 signature verified with key ${shownKid} from ${jwksUri}${keyNote}` } })
}

/**
 * The origin of an authority host as users write it: `login.microsoftonline.us`, a full URL, or an
 * MSAL-style authority with a tenant path (`https://login.microsoftonline.com/contoso`).
 */
export function authorityOrigin(value: string | undefined): string | undefined {
  if (value === undefined || value.trim() === '') return undefined
  const text = value.trim()
  try {
    return new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `https://${text}`).origin
  } catch {
    return undefined
  }
}
