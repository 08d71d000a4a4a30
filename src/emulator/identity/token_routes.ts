import { randomUUID } from 'node:crypto'
import type { EmulatorContext } from '../context.js'
import type { Router } from '../router.js'
import { isGuid } from '../state/directory.js'
import type { AppRegistration, ResourceApp, Tenant } from '../state/types.js'
import { authenticateClient, parseBasicAuth } from './client_auth.js'
import { readTokenForm, type TokenForm } from './form.js'
import { mintAccessToken, type MintedToken } from './mint.js'
import { oauthErrorResponse } from './oauth_error.js'
import { tokenErrors, TokenRequestError } from './token_errors.js'
import { throttledResponse } from './token_throttle.js'

/**
 * Token endpoints: v1 `POST /{tenant}/oauth2/token` (`resource=`) and v2
 * `POST /{tenant}/oauth2/v2.0/token` (`scope=<resource>/.default`), client credentials grant
 * only (entra-app-only.md §1, §9). Route group `token` (faults, request log).
 */
export function registerTokenRoutes(router: Router<EmulatorContext>): void {
  const opts = { caseInsensitive: true, group: 'token' }
  router.onError('token', (e, req, url, ctx) => (e instanceof TokenRequestError ? errorResponse(ctx, url, e.correlationId ?? correlationOf(req, url), e) : undefined))
  router.add('POST', '/:tenant/oauth2/token', (req, url, p, ctx) => handleToken(req, url, p.tenant!, 1, ctx), opts)
  router.add('POST', '/:tenant/oauth2/v2.0/token', (req, url, p, ctx) => handleToken(req, url, p.tenant!, 2, ctx), opts)
  // Any other method is answered with the AADSTS900561 error body, not a bare 405.
  const notPost = (req: Request, url: URL, _p: Record<string, string>, ctx: EmulatorContext) =>
    errorResponse(ctx, url, correlationOf(req, url), tokenErrors.getNotAllowed(req.method))
  const others = ['GET', 'PUT', 'PATCH', 'DELETE']
  router.add(others, '/:tenant/oauth2/token', notPost, opts)
  router.add(others, '/:tenant/oauth2/v2.0/token', notPost, opts)
}

type EndpointVersion = 1 | 2

const OIDC_SCOPES = new Set(['openid', 'profile', 'offline_access'])
/** The consumers tenant GUID is an alias of `/consumers` (entra-app-only.md §5.1). */
const TENANTLESS = new Set(['common', 'consumers', '9188040d-6c67-4c5b-b112-36a304b66dad'])

async function handleToken(request: Request, url: URL, tenantSegment: string, endpoint: EndpointVersion, ctx: EmulatorContext): Promise<Response> {
  const form = await readTokenForm(request)
  const correlationId = form.values.get('client-request-id') ?? correlationOf(request, url)
  const body = await issue(ctx, request, url, form, tenantSegment, endpoint).catch((e: unknown) => {
    // The error body echoes the correlation id, which may have come in the form (read only here).
    if (e instanceof TokenRequestError) e.correlationId = correlationId
    throw e
  })
  if (body instanceof Response) return body
  const json = JSON.stringify(body)
  const headers: Record<string, string> = {
    'cache-control': 'no-store, no-cache',
    pragma: 'no-cache',
    expires: '-1',
    'content-type': 'application/json; charset=utf-8',
    // As the real service sends; also spares node:http the chunked encoding.
    'content-length': String(Buffer.byteLength(json)),
    'x-ms-request-id': randomUUID(),
  }
  if (request.headers.get('return-client-request-id')?.toLowerCase() === 'true' && correlationId) headers['client-request-id'] = correlationId
  return new Response(json, { status: 200, headers })
}

/**
 * Validation in the order of entra-app-only.md §9 ("Validation order"); returns the success body,
 * or the 429 response when the client is over its rate limit.
 */
async function issue(ctx: EmulatorContext, request: Request, url: URL, form: TokenForm, tenantSegment: string, endpoint: EndpointVersion): Promise<object | Response> {
  // 1. Request parameters.
  const grantType = form.values.get('grant_type')
  if (!grantType) throw tokenErrors.missingParameter('grant_type')
  if (grantType !== 'client_credentials') throw tokenErrors.unsupportedGrantType(grantType)
  if (endpoint === 2 && form.values.has('resource')) throw tokenErrors.resourceOnV2()
  const basic = parseBasicAuth(request.headers.get('authorization'))
  const clientId = (form.values.get('client_id') || basic?.clientId || '').trim()
  if (!clientId) throw tokenErrors.missingParameter('client_id')
  const target = endpoint === 2 ? form.values.get('scope')?.trim() : form.values.get('resource')?.trim()
  if (!target) throw tokenErrors.missingParameter(endpoint === 2 ? 'scope' : 'resource')

  // 2. Tenant, then the client in that tenant.
  const app = ctx.directory.app(clientId)
  const tenant = resolveTenant(ctx, tenantSegment, app, clientId)
  if (!app || (app.signInAudience === 'AzureADMyOrg' && app.homeTenantId !== tenant.id)) throw tokenErrors.appNotFound(clientId, tenantSegment)
  const sp = ctx.directory.servicePrincipal(tenant.id, app.appId)
  if (!sp) throw tokenErrors.appNotFound(clientId, tenantSegment)
  if (!app.enabled) throw tokenErrors.appDisabled(app.appId, app.displayName)

  // 3. Client credential.
  const authMethod = await authenticateClient(ctx, { form, basicSecret: basic?.secret, app, tenant, tenantSegment, origin: url.origin })

  // 4. Resource.
  const { resource, requested } = endpoint === 2 ? resourceFromScope(ctx, target) : resourceFromParameter(ctx, target, tenantSegment)

  // 5. Rate limit, then issue.
  const retryAfter = ctx.tokenThrottle.take(ctx.config.tokenRateLimit, app.appId, ctx.clock.now())
  if (retryAfter !== undefined) return throttledResponse(retryAfter)
  const minted = mintAccessToken(ctx, {
    tenantId: tenant.id,
    clientAppId: app.appId,
    servicePrincipalId: sp.objectId,
    resource,
    requestedAudience: requested,
    authMethod,
    roles: ctx.directory.rolesFor(tenant.id, app.appId, resource.appId),
    origin: url.origin,
  })
  return endpoint === 2 ? v2Body(minted) : v1Body(minted, target)
}

function resolveTenant(ctx: EmulatorContext, segment: string, app: AppRegistration | undefined, clientId: string): Tenant {
  const lower = segment.toLowerCase()
  // client_credentials over /common or /consumers: AADSTS9001023 (entra-app-only.md §3.3).
  if (TENANTLESS.has(lower)) throw tokenErrors.tenantlessEndpoint()
  if (lower === 'organizations') {
    // /organizations is accepted and the service picks the app's home tenant ("AAD will try to
    // guess the correct TenantId", AzureAD/microsoft-authentication-library-for-js #5805).
    const home = app && ctx.directory.tenants.get(app.homeTenantId)
    if (!home) throw tokenErrors.appNotFound(clientId, segment)
    return home
  }
  if (isGuid(lower)) {
    if (/^[0-]+$/.test(lower)) throw tokenErrors.emptyTenantGuid(segment)
  } else if (!isDnsName(lower)) {
    throw tokenErrors.malformedTenant(segment)
  }
  const tenant = ctx.directory.resolveTenant(lower)
  if (!tenant) throw tokenErrors.tenantNotFound(segment)
  return tenant
}

/** A host name with at least two labels, like a verified domain (`contoso.onmicrosoft.com`). */
function isDnsName(s: string): boolean {
  if (s.length > 253) return false
  const labels = s.split('.')
  return labels.length >= 2 && labels.every((l) => /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/.test(l)) && /[a-z]/.test(labels[labels.length - 1]!)
}

/**
 * v2 `scope`: exactly one `<resource>/.default`; `openid profile offline_access` beside it are
 * ignored, as older MSAL sent them and the service answered 200 (entra-app-only.md §1.4).
 */
function resourceFromScope(ctx: EmulatorContext, scope: string): { resource: ResourceApp; requested: string } {
  const scopes = scope.split(/\s+/).filter((s) => s !== '' && !OIDC_SCOPES.has(s.toLowerCase()))
  if (scopes.length === 0) throw tokenErrors.scopeWithoutDefault(scope)
  const plain = scopes.find((s) => !s.toLowerCase().endsWith('/.default'))
  if (plain !== undefined) throw tokenErrors.scopeWithoutDefault(plain)
  if (scopes.length > 1) throw tokenErrors.invalidScope(scopes.join(' '))
  const requested = scopes[0]!.slice(0, -'/.default'.length)
  const resource = requested ? ctx.directory.resolveResource(requested) : undefined
  if (!resource) throw tokenErrors.invalidScope(scopes[0]!)
  return { resource, requested }
}

function resourceFromParameter(ctx: EmulatorContext, value: string, tenantSegment: string): { resource: ResourceApp; requested: string } {
  const resource = ctx.directory.resolveResource(value)
  if (!resource) throw tokenErrors.resourceNotFound(value, tenantSegment)
  return { resource, requested: value }
}

/** v1 reply: numbers as JSON strings, field order of the real sample (entra-app-only.md §1.2). */
function v1Body(t: MintedToken, resource: string) {
  return {
    token_type: 'Bearer',
    expires_in: String(t.expiresIn),
    ext_expires_in: String(t.expiresIn),
    expires_on: String(t.expiresOn),
    not_before: String(t.notBefore),
    resource,
    access_token: t.accessToken,
  }
}

/** v2 reply: numbers, no resource/expires_on/not_before (entra-app-only.md §1.1). */
function v2Body(t: MintedToken) {
  return { token_type: 'Bearer', expires_in: t.expiresIn, ext_expires_in: t.expiresIn, access_token: t.accessToken }
}

function correlationOf(request: Request, url: URL): string | undefined {
  return url.searchParams.get('client-request-id') ?? request.headers.get('client-request-id') ?? undefined
}

function errorResponse(ctx: EmulatorContext, url: URL, correlationId: string | undefined, e: TokenRequestError): Response {
  return oauthErrorResponse({ ...e.spec, origin: url.origin, correlationId: correlationId ?? null, clock: ctx.clock })
}
