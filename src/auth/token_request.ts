import { randomUUID } from 'node:crypto'
import { systemClock, type Clock } from '../lib/clock.js'
import { publish } from '../lib/diagnostics.js'
import { M365dArgumentError } from '../lib/errors.js'
import { createClientAssertion } from './client_assertion.js'
import type { ClientCredential } from './credentials.js'
import { TokenNetworkError } from './errors.js'
import { isTlsTrustError, TLS_TRUST_HINT } from '../lib/tls_trust.js'

export interface TokenRequestParams {
  /** e.g. `https://login.microsoftonline.com`, or the emulator's URL. */
  authorityHost: string
  /** Tenant GUID or verified domain. Not `common`/`organizations`: client credentials need a tenant. */
  tenant: string
  clientId: string
  credential: ClientCredential
  /** e.g. `https://api.security.microsoft.com` (a trailing `/.default` is accepted and handled). */
  resource: string
  /** 2 (default): `/oauth2/v2.0/token` with `scope=<resource>/.default`; 1: `/oauth2/token` with `resource=`. */
  endpointVersion?: 1 | 2
  fetch?: typeof fetch
  signal?: AbortSignal
  clock?: Clock
  /** Sent as `client-request-id`; the server echoes it as `correlation_id` in errors. Random if absent. */
  correlationId?: string
}

const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'
const DEFAULT_SUFFIX = '/.default'

/** The token endpoint URL for a tenant (entra-app-only.md §1.1 v2, §1.2 v1). */
export function tokenEndpoint(authorityHost: string, tenant: string, endpointVersion: 1 | 2 = 2): string {
  const host = authorityHost.endsWith('/') ? authorityHost.replace(/\/+$/, '') : authorityHost
  return `${host}/${encodeURIComponent(tenant)}/oauth2/${endpointVersion === 1 ? 'token' : 'v2.0/token'}`
}

/** `resource` without a `/.default` suffix (v1 form). */
export function resourceOf(resourceOrScope: string): string {
  return resourceOrScope.endsWith(DEFAULT_SUFFIX) ? resourceOrScope.slice(0, -DEFAULT_SUFFIX.length) : resourceOrScope
}

/**
 * `<resource>/.default` (v2 form). Plain concatenation on purpose: a resource registered with a
 * trailing slash is asked for as `https://x.example//.default`, which is how Entra tells the two apart.
 */
export function scopeOf(resourceOrScope: string): string {
  return resourceOrScope.endsWith(DEFAULT_SUFFIX) ? resourceOrScope : resourceOrScope + DEFAULT_SUFFIX
}

const TENANTLESS = new Set(['common', 'organizations', 'consumers'])

/** Client credentials need one tenant: `common`, `organizations` and `consumers` are refused before any request. */
export function assertSpecificTenant(tenant: string): void {
  if (TENANTLESS.has(tenant.toLowerCase()))
    throw new M365dArgumentError(`Client credentials need a specific tenant, not '${tenant}'.`, {
      hint: 'Pass the tenant GUID or a verified domain (AADSTS9001023 otherwise).',
    })
}

/**
 * Builds the client-credentials POST (form body, credential, `client-request-id`). Stateless; a
 * certificate credential gets a FRESH client assertion each call. Not for `token-credential`
 * credentials, which make their own requests (see `acquireToken`).
 */
export async function buildTokenRequest(params: TokenRequestParams): Promise<Request> {
  assertSpecificTenant(params.tenant)
  const version = params.endpointVersion ?? 2
  const url = tokenEndpoint(params.authorityHost, params.tenant, version)
  const correlationId = params.correlationId ?? randomUUID()
  const form = new URLSearchParams()
  form.set('client_id', params.clientId)
  if (version === 2) form.set('scope', scopeOf(params.resource))
  else form.set('resource', resourceOf(params.resource))
  form.set('grant_type', 'client_credentials')
  const headers = new Headers({
    'content-type': 'application/x-www-form-urlencoded;charset=utf-8',
    accept: 'application/json',
    'client-request-id': correlationId,
    'return-client-request-id': 'true',
  })
  const credential = params.credential
  switch (credential.kind) {
    case 'secret':
      if (credential.basicAuth) {
        // RFC 6749 §2.3.1: form-urlencode id and secret before base64 (V2CC allows Basic).
        headers.set('authorization', `Basic ${Buffer.from(`${encodeURIComponent(params.clientId)}:${encodeURIComponent(credential.secret)}`).toString('base64')}`)
      } else form.set('client_secret', credential.secret)
      break
    case 'certificate':
      form.set('client_assertion_type', ASSERTION_TYPE)
      form.set('client_assertion', createClientAssertion({ clientId: params.clientId, audience: url, credential, clock: params.clock ?? systemClock }))
      break
    case 'assertion':
      form.set('client_assertion_type', ASSERTION_TYPE)
      form.set('client_assertion', await credential.getAssertion({ tenant: params.tenant, audience: url }))
      break
    case 'token-credential':
      throw new M365dArgumentError('A token-credential credential makes its own requests; use acquireToken() or TokenProvider.')
  }
  return new Request(`${url}?client-request-id=${correlationId}`, {
    method: 'POST',
    headers,
    body: form.toString(),
    ...(params.signal && { signal: params.signal }),
  })
}

/**
 * Sends the client-credentials request and returns the raw Response (any status). Publishes
 * `tokenRequest`. A connection failure becomes `ERR_TOKEN_NETWORK`; an abort rethrows the signal's reason.
 */
export async function clientCredentialsRequest(params: TokenRequestParams): Promise<Response> {
  const request = await buildTokenRequest(params)
  publish('tokenRequest', {
    tenant: params.tenant,
    clientId: params.clientId,
    resource: resourceOf(params.resource),
    endpointVersion: params.endpointVersion ?? 2,
    authority: params.authorityHost,
    correlationId: request.headers.get('client-request-id'),
  })
  const doFetch = params.fetch ?? globalThis.fetch
  try {
    return await doFetch(request)
  } catch (cause) {
    if (params.signal?.aborted) throw params.signal.reason
    const detail = networkDetail(cause)
    throw new TokenNetworkError(`Cannot reach the token endpoint ${new URL(request.url).origin}${detail ? ` (${detail})` : ''}.`, {
      tenant: params.tenant,
      clientId: params.clientId,
      correlationId: request.headers.get('client-request-id') ?? undefined,
    }, { hint: isTlsTrustError(cause) ? TLS_TRUST_HINT : 'Check network access / proxy settings to the authority host; the provider retries transient failures.', cause })
  }
}

function networkDetail(e: unknown): string | undefined {
  const cause = (e as { cause?: { code?: unknown; message?: unknown } } | undefined)?.cause
  if (cause && typeof cause.code === 'string') return cause.code
  if (e instanceof Error) return e.message
  return undefined
}
