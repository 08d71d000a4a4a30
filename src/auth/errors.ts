import { M365dError, redact } from '../lib/errors.js'

/**
 * Errors of the token client. Every class keeps the identity platform's own fields (entra-app-only.md
 * §3.1: `error`, `error_codes`, `trace_id`, `correlation_id`, `timestamp`, `error_uri`) so a support
 * ticket can quote them, and never holds the secret, the client assertion or a token: messages are
 * built from the server's description (AADSTS line only) and ids, passed through `redact()`.
 */

export interface TokenErrorFields {
  /** HTTP status of the token response (absent for network failures). */
  status?: number
  /** OAuth `error`, e.g. `invalid_client`. */
  error?: string
  /** Full `error_description` as sent (includes the Trace ID / Correlation ID / Timestamp lines). */
  errorDescription?: string
  /** AADSTS numbers from `error_codes`, e.g. `[7000215]`. */
  errorCodes?: number[]
  traceId?: string
  correlationId?: string
  timestamp?: string
  errorUri?: string
  tenant?: string
  clientId?: string
  /** How long the server asked us to wait (429 / 503 `Retry-After`), in ms. */
  retryAfterMs?: number
}

/** A token request the identity platform answered with an error (`ERR_TOKEN_SERVER`), and the base of all token errors. */
export class TokenError extends M365dError {
  readonly status: number | undefined
  readonly error: string | undefined
  readonly errorDescription: string | undefined
  readonly errorCodes: number[]
  readonly traceId: string | undefined
  readonly correlationId: string | undefined
  readonly timestamp: string | undefined
  readonly errorUri: string | undefined
  readonly tenant: string | undefined
  readonly clientId: string | undefined
  readonly retryAfterMs: number | undefined

  constructor(message: string, fields: TokenErrorFields = {}, options: { code?: string; hint?: string; cause?: unknown } = {}) {
    super(options.code ?? 'ERR_TOKEN_SERVER', redact(message), options)
    this.status = fields.status
    this.error = fields.error
    this.errorDescription = fields.errorDescription === undefined ? undefined : redact(fields.errorDescription)
    this.errorCodes = fields.errorCodes ?? []
    this.traceId = fields.traceId
    this.correlationId = fields.correlationId
    this.timestamp = fields.timestamp
    this.errorUri = fields.errorUri
    this.tenant = fields.tenant
    this.clientId = fields.clientId
    this.retryAfterMs = fields.retryAfterMs
  }
}

/** HTTP 429 from the token endpoint (`ERR_TOKEN_THROTTLED`); `retryAfterMs` is always set (default 60 s, entra-app-only.md §8). */
export class TokenThrottledError extends TokenError {
  declare readonly retryAfterMs: number
  constructor(message: string, fields: TokenErrorFields & { retryAfterMs: number }, options: { hint?: string; cause?: unknown } = {}) {
    super(message, fields, { ...options, code: 'ERR_TOKEN_THROTTLED' })
  }
}

/** The token endpoint could not be reached or the connection broke (`ERR_TOKEN_NETWORK`). */
export class TokenNetworkError extends TokenError {
  constructor(message: string, fields: TokenErrorFields, options: { hint?: string; cause?: unknown } = {}) {
    super(message, fields, { ...options, code: 'ERR_TOKEN_NETWORK' })
  }
}

/** A 2xx (or error) body that is not what the protocol promises (`ERR_TOKEN_RESPONSE_INVALID`). */
export class TokenResponseInvalidError extends TokenError {
  constructor(message: string, fields: TokenErrorFields, options: { hint?: string; cause?: unknown } = {}) {
    super(message, fields, { ...options, code: 'ERR_TOKEN_RESPONSE_INVALID' })
  }
}

/**
 * The token's `tid` is not the tenant we asked for (`ERR_TOKEN_TENANT_MISMATCH`). Never served:
 * MSAL.NET #5743 returned another tenant's token under concurrency (peers.md §2.2). The check fails
 * closed (issue 10 §5): a token whose tenant cannot be read — not a JWT, no `tid`, a `tid` that is
 * not a non-empty string — is a mismatch too, with `actualTenantId` undefined.
 */
export class TokenTenantMismatchError extends TokenError {
  readonly expectedTenantId: string
  readonly actualTenantId: string | undefined
  constructor(fields: TokenErrorFields & { expectedTenantId: string; actualTenantId: string | undefined }) {
    super(
      fields.actualTenantId === undefined
        ? `The token endpoint returned a token without a readable tenant (no string 'tid' claim) when tenant '${fields.expectedTenantId}' was asked for; it was discarded.`
        : `The token endpoint returned a token for tenant '${fields.actualTenantId}' when tenant '${fields.expectedTenantId}' was asked for; it was discarded.`,
      fields,
      { code: 'ERR_TOKEN_TENANT_MISMATCH', hint: 'Check the authority host and any proxy in front of the token endpoint: a token for one tenant must never be used for another.' },
    )
    this.expectedTenantId = fields.expectedTenantId
    this.actualTenantId = fields.actualTenantId
  }
}

/**
 * A tenant given as a domain could not be resolved to its tenant id through OpenID discovery
 * (`/{domain}/v2.0/.well-known/openid-configuration`), so no token is requested for it:
 * `ERR_TENANT_UNKNOWN` (the authority does not know the domain, AADSTS90002) or
 * `ERR_TENANT_RESOLVE_INVALID` (the document names no tenant id). A network failure is
 * `ERR_TOKEN_NETWORK` and a 5xx `ERR_TOKEN_SERVER`, which the provider retries like token requests.
 */
export class TenantResolveError extends TokenError {
  constructor(code: 'ERR_TENANT_UNKNOWN' | 'ERR_TENANT_RESOLVE_INVALID', message: string, fields: TokenErrorFields, options: { hint?: string; cause?: unknown } = {}) {
    super(message, fields, { ...options, code })
  }
}

/** A TokenCredential (e.g. from @azure/identity) failed (`ERR_TOKEN_CREDENTIAL`); its error is in `cause`. */
export class TokenCredentialError extends TokenError {
  constructor(message: string, fields: TokenErrorFields, options: { hint?: string; cause?: unknown } = {}) {
    super(message, fields, { ...options, code: 'ERR_TOKEN_CREDENTIAL' })
  }
}

/** A certificate or key that cannot be used (`ERR_CREDENTIAL_INVALID`) or read (`ERR_CREDENTIAL_UNREADABLE`). */
export class CredentialError extends M365dError {
  readonly path: string | undefined
  constructor(code: 'ERR_CREDENTIAL_INVALID' | 'ERR_CREDENTIAL_UNREADABLE', message: string, options: { path?: string; hint?: string; cause?: unknown } = {}) {
    super(code, message, options)
    this.path = options.path
  }
}

/** The provider was closed (`ERR_TOKEN_PROVIDER_CLOSED`). */
export class TokenProviderClosedError extends M365dError {
  constructor() {
    super('ERR_TOKEN_PROVIDER_CLOSED', 'The token provider was closed.')
  }
}
