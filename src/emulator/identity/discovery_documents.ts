import { randomUUID } from 'node:crypto'
import type { EmulatorContext } from '../context.js'
import { HttpError } from '../http_error.js'
import { oauthErrorResponse } from './oauth_error.js'

/**
 * The OpenID Connect discovery documents (entra-app-only.md §5.1–§5.3), field for field and in the
 * recorded order, with every URL on the origin the request came to so the emulator works on any
 * host and port. Tenant-specific documents always carry the tenant GUID, even when asked by domain:
 * MSAL relies on that to canonicalise a domain authority (§5.2, `Authority.replacePath`).
 */

/** What the `{tenant}` path segment named: a real tenant, or a multi-tenant alias. */
export type AuthorityTenant = { kind: 'tenant'; id: string } | { kind: 'multi'; segment: 'common' | 'organizations' }

/** The placeholder Entra puts in multi-tenant issuers (§5.2 "issuer with the literal `{tenantid}`"). */
export const TENANT_TEMPLATE = '{tenantid}'

/**
 * Resolves a `{tenant}` path segment (GUID, verified domain, `common`, `organizations`); an unknown
 * one answers 400 `invalid_tenant` AADSTS90002, as openid-configuration does (§3.2).
 */
export function resolveAuthorityTenant(segment: string, req: Request, url: URL, ctx: EmulatorContext, allowMulti = true): AuthorityTenant {
  const lower = segment.toLowerCase()
  if (allowMulti && (lower === 'common' || lower === 'organizations')) return { kind: 'multi', segment: lower }
  const tenant = ctx.directory.resolveTenant(segment)
  if (tenant) return { kind: 'tenant', id: tenant.id }
  throw new HttpError(
    oauthErrorResponse(
      {
        status: 400,
        error: 'invalid_tenant',
        code: 90002,
        message: `Tenant '${segment}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.`,
        origin: url.origin,
        correlationId: req.headers.get('client-request-id'),
        clock: ctx.clock,
      },
      CORS_HEADERS,
    ),
  )
}

/** Path segment used in endpoint URLs: the GUID, or the literal `common`/`organizations`. */
function pathTenant(t: AuthorityTenant): string {
  return t.kind === 'tenant' ? t.id : t.segment
}

function issuerTenant(t: AuthorityTenant): string {
  return t.kind === 'tenant' ? t.id : TENANT_TEMPLATE
}

/** v2 issuer: `{origin}/{tid}/v2.0` (the real one is `https://login.microsoftonline.com/{tid}/v2.0`). */
export function v2Issuer(origin: string, tenant: string): string {
  return `${origin}/${tenant}/v2.0`
}

/** v1 issuer is on `sts.windows.net` whatever host issued the token (§4.3, §5.3). */
export function v1Issuer(tenant: string): string {
  return `https://sts.windows.net/${tenant}/`
}

/** `GET /{tenant}/v2.0/.well-known/openid-configuration` (§5.2). */
export function v2Document(origin: string, t: AuthorityTenant, appId?: string | null) {
  const base = `${origin}/${pathTenant(t)}`
  return {
    token_endpoint: `${base}/oauth2/v2.0/token`,
    token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
    jwks_uri: `${base}/discovery/v2.0/keys${appId ? `?appid=${encodeURIComponent(appId)}` : ''}`,
    response_modes_supported: ['query', 'fragment', 'form_post'],
    subject_types_supported: ['pairwise'],
    id_token_signing_alg_values_supported: ['RS256'],
    response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
    scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
    issuer: v2Issuer(origin, issuerTenant(t)),
    request_uri_parameter_supported: false,
    // Userinfo is a Microsoft Graph endpoint in the real document; the emulator does not serve it.
    userinfo_endpoint: 'https://graph.microsoft.com/oidc/userinfo',
    authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
    device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
    http_logout_supported: true,
    frontchannel_logout_supported: true,
    end_session_endpoint: `${base}/oauth2/v2.0/logout`,
    claims_supported: [
      'sub', 'iss', 'cloud_instance_name', 'cloud_instance_host_name', 'cloud_graph_host_name', 'msgraph_host', 'aud', 'exp', 'iat',
      'auth_time', 'acr', 'nonce', 'preferred_username', 'name', 'tid', 'ver', 'at_hash', 'c_hash', 'email',
    ],
    kerberos_endpoint: `${base}/kerberos`,
    tenant_region_scope: t.kind === 'tenant' ? 'WW' : null,
    cloud_instance_name: 'microsoftonline.com',
    cloud_graph_host_name: 'graph.windows.net',
    msgraph_host: 'graph.microsoft.com',
    rbac_url: 'https://pas.windows.net',
  }
}

/**
 * `GET /{tenant}/.well-known/openid-configuration` (§5.3). The real v1 document points `jwks_uri`
 * at `/common/discovery/keys` even for a tenant (v1 keys are not per tenant) unless `?appid=` asks
 * for an app's custom signing keys, which makes it tenant-specific (§5.1).
 */
export function v1Document(origin: string, t: AuthorityTenant, appId?: string | null) {
  const base = `${origin}/${pathTenant(t)}`
  return {
    token_endpoint: `${base}/oauth2/token`,
    token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
    jwks_uri: appId ? `${base}/discovery/keys?appid=${encodeURIComponent(appId)}` : `${origin}/common/discovery/keys`,
    response_modes_supported: ['query', 'fragment', 'form_post'],
    subject_types_supported: ['pairwise'],
    id_token_signing_alg_values_supported: ['RS256'],
    response_types_supported: ['code', 'id_token', 'code id_token', 'token id_token', 'token'],
    scopes_supported: ['openid'],
    issuer: v1Issuer(issuerTenant(t)),
    microsoft_multi_refresh_token: true,
    authorization_endpoint: `${base}/oauth2/authorize`,
    device_authorization_endpoint: `${base}/oauth2/devicecode`,
    http_logout_supported: true,
    frontchannel_logout_supported: true,
    end_session_endpoint: `${base}/oauth2/logout`,
    claims_supported: [
      'sub', 'iss', 'cloud_instance_name', 'cloud_instance_host_name', 'cloud_graph_host_name', 'msgraph_host', 'aud', 'exp', 'iat',
      'auth_time', 'acr', 'amr', 'nonce', 'email', 'given_name', 'family_name', 'nickname',
    ],
    check_session_iframe: `${base}/oauth2/checksession`,
    userinfo_endpoint: `${base}/openid/userinfo`,
    kerberos_endpoint: `${base}/kerberos`,
    tenant_region_scope: t.kind === 'tenant' ? 'WW' : null,
    cloud_instance_name: 'microsoftonline.com',
    cloud_graph_host_name: 'graph.windows.net',
    msgraph_host: 'graph.microsoft.com',
    rbac_url: 'https://pas.windows.net',
  }
}

/** Recorded on the real metadata endpoints (§5.2, §7.1): browsers may read them cross-origin. */
export const CORS_HEADERS: Record<string, string> = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'GET, OPTIONS',
}

/** 200 JSON with the headers the real discovery, JWKS and instance endpoints send (§5.2). */
export function metadataResponse(body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status: 200,
    headers: {
      'content-type': 'application/json; charset=utf-8',
      'cache-control': 'max-age=86400, private',
      ...CORS_HEADERS,
      'x-ms-request-id': randomUUID(),
      'x-ms-ests-server': 'm365d-emulator',
    },
  })
}

/** CORS preflight for the metadata endpoints. */
export function preflightResponse(): Response {
  return new Response(null, { status: 204, headers: { ...CORS_HEADERS, 'access-control-max-age': '86400' } })
}
