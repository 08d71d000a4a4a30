/** m365d/auth — app-only (client credentials) tokens for Microsoft 365 Defender and Graph. */
export { clouds, resolveCloud } from './clouds.js'
export type { Cloud, CloudName } from './clouds.js'
export { certificateCredential, certificateCredentialFromFiles, parseCertificateCredential } from './credentials.js'
export type { ClientCredential, ParsedCertificate, TokenCredentialLike } from './credentials.js'
export { createClientAssertion, CLIENT_ASSERTION_LIFETIME_S } from './client_assertion.js'
export { buildTokenRequest, clientCredentialsRequest, resourceOf, scopeOf, tokenEndpoint } from './token_request.js'
export type { TokenRequestParams } from './token_request.js'
export { DEFAULT_REFRESH_AHEAD_MS, DEFAULT_RETRY_AFTER_MS, MAX_RETRY_AFTER_MS, expectedTenantOf, parseRetryAfter, processTokenResponse } from './token_response.js'
export type { AccessToken } from './token_response.js'
export { acquireToken } from './acquire_token.js'
export { resolveTenantId } from './tenant_discovery.js'
export type { ResolveTenantOptions } from './tenant_discovery.js'
export type { AcquireOptions } from './acquire_token.js'
export { TokenProvider } from './token_provider.js'
export type { GetTokenRequest, TokenProviderOptions } from './token_provider.js'
export { toTokenCredential } from './token_credential.js'
export {
  CredentialError,
  TokenCredentialError,
  TenantResolveError,
  TokenError,
  TokenNetworkError,
  TokenProviderClosedError,
  TokenResponseInvalidError,
  TokenTenantMismatchError,
  TokenThrottledError,
} from './errors.js'
export type { TokenErrorFields } from './errors.js'
export { hintForAadsts } from './hints.js'
export { adminConsentLink, graphConsentLink, legacyConsentLink } from './consent_link.js'
export { assertTokenTenant, decodeTokenClaims, tenantIdOf } from './token_claims.js'
