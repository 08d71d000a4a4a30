import { compactVerify, createRemoteJWKSet, customFetch, errors } from 'jose'
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
 * Never throws: every failure becomes a failed check with the likely cause.
 */
export async function checkSignature(
  token: string,
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
  options: { authorityHost?: string; fetch?: typeof fetch },
): Promise<SignatureResult> {
  const fail = (message: string, fix?: string): SignatureResult => ({ check: { id: 'signature', ok: false, message, ...(fix !== undefined && { fix }) } })
  const fetchImpl = options.fetch ?? globalThis.fetch
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
  if (header.alg !== 'RS256') return fail(`alg is ${JSON.stringify(header.alg)}; the Microsoft identity platform signs access tokens with RS256`)
  const kid = header.kid
  if (typeof kid !== 'string' || kid === '') return fail('the header has no "kid", so no published key can be chosen')
  const tid = payload.tid
  if (!isGuid(tid)) return fail('the token has no GUID "tid", so the tenant\'s keys cannot be discovered')

  // "validating a v1.0 token … read the metadata document from the v1.0 endpoint", v2 likewise (§5.1).
  const v2 = payload.ver === '2.0'
  const discoveryUrl = `${host}/${tid}${v2 ? '/v2.0' : ''}/.well-known/openid-configuration`
  let metadata: Record<string, unknown>
  try {
    const res = await fetchImpl(discoveryUrl, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(10_000) })
    if (res.status !== 200) {
      const detail = await errorDetail(res)
      return fail(
        `discovery ${discoveryUrl} answered HTTP ${res.status}${detail}`,
        res.status === 400 || res.status === 404
          ? 'Check that tid names an existing tenant and that authorityHost is the cloud that issued the token (e.g. https://login.microsoftonline.us for US Gov).'
          : undefined,
      )
    }
    metadata = (await res.json()) as Record<string, unknown>
  } catch (e) {
    return fail(`could not load discovery ${discoveryUrl}: ${describe(e)}`, isTlsTrustError(e) ? TLS_TRUST_HINT : 'Check network access to the authority host, or pass authorityHost.')
  }
  const jwksUri = metadata.jwks_uri
  if (typeof jwksUri !== 'string') return fail(`discovery ${discoveryUrl} has no jwks_uri`)
  const discoveredIssuer = typeof metadata.issuer === 'string' ? metadata.issuer.replace('{tenantid}', tid) : undefined
  const withIssuer = (r: SignatureResult): SignatureResult => (discoveredIssuer === undefined ? r : { ...r, discoveredIssuer })

  let jwks: ReturnType<typeof createRemoteJWKSet>
  try {
    jwks = createRemoteJWKSet(new URL(jwksUri), { [customFetch]: (url, init) => fetchImpl(url, init) })
    await compactVerify(token, jwks, { algorithms: ['RS256'] })
  } catch (e) {
    if (e instanceof errors.JWKSNoMatchingKey) {
      return withIssuer(
        fail(
          `no key with kid ${kid} is published at ${jwksUri}: the key was rolled over and removed, or another authority issued the token`,
          'Request a new token; if this persists, check authorityHost and that the token comes from this tenant.',
        ),
      )
    }
    if (e instanceof errors.JWSSignatureVerificationFailed) {
      return withIssuer(fail(`the signature does not match published key ${kid}: the token was altered or not issued by ${host}`, 'Use the access_token exactly as the token endpoint returned it.'))
    }
    return withIssuer(fail(`could not verify with keys from ${jwksUri}: ${describe(e)}`))
  }

  // "Keys that have a templated issuer … only be used when the iss claim … matches this value
  // after substituting the tid claim" (ATOK via entra-app-only.md §5.4). v1 keys have no issuer.
  const jwk = jwks.jwks()?.keys.find((k) => k.kid === kid) as Record<string, unknown> | undefined
  if (typeof jwk?.issuer === 'string') {
    const keyIssuer = jwk.issuer.replace('{tenantid}', tid)
    if (keyIssuer !== payload.iss) {
      return withIssuer(fail(`key ${kid} may only sign tokens from ${keyIssuer}, but iss is ${String(payload.iss)}`, 'The token was signed with a key reserved for another issuer; reject it.'))
    }
  }
  const keyNote = typeof jwk?.issuer === 'string' ? ', key issuer rule satisfied' : ''
  return withIssuer({ check: { id: 'signature', ok: true, message: `RS256 signature verified with key ${kid} from ${jwksUri}${keyNote}` } })
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

async function errorDetail(res: Response): Promise<string> {
  try {
    const body = (await res.json()) as { error?: unknown; error_codes?: unknown }
    const codes = Array.isArray(body.error_codes) ? ` AADSTS${body.error_codes.join(',')}` : ''
    return typeof body.error === 'string' ? ` (${body.error}${codes})` : ''
  } catch {
    return ''
  }
}

function describe(e: unknown): string {
  if (e instanceof Error) {
    const cause = e.cause instanceof Error ? `: ${e.cause.message}` : ''
    return `${e.message}${cause}`
  }
  return String(e)
}
