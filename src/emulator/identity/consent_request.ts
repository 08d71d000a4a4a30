import type { Directory } from '../state/directory.js'
import type { AppRegistration, Tenant } from '../state/types.js'

/**
 * Parses and validates an admin-consent request (entra-app-only.md §6) before any page is shown.
 * Problems that make the redirect URI untrustworthy (unknown app, unregistered redirect URI, …)
 * are answered on an error page and never redirected, like Entra's AADSTS pages (§6.3, §10 item 10).
 */

/** Which consent URL was used; it decides the parameters and the shape of the redirect. */
export type ConsentFlow =
  /** Legacy `/{tenant}/oauth2/authorize?prompt=consent|admin_consent&response_type=code` (§6.1). */
  | 'authorize'
  /** `/{tenant}/adminconsent?client_id&redirect_uri&state` (§6.2). */
  | 'adminconsent'
  /** `/{tenant}/v2.0/adminconsent?client_id&redirect_uri&state&scope` (§6.3). */
  | 'v2'

export interface ConsentRequest {
  flow: ConsentFlow
  appId: string
  /** The tenant named in the path, or undefined for `common`/`organizations` (the admin types it). */
  tenantId: string | undefined
  redirectUri: string
  state: string | undefined
  /** v2 only: the requested scopes, echoed on success. */
  scope: string | undefined
}

export interface ConsentFailure {
  code: number
  message: string
}

const MULTI = new Set(['common', 'organizations'])

export function parseConsentRequest(flow: ConsentFlow, tenantSegment: string, url: URL, ctx: { directory: Directory }): ConsentRequest | ConsentFailure {
  const q = url.searchParams
  const missing = (name: string): ConsentFailure => ({ code: 900144, message: `The request body must contain the following parameter: '${name}'.` })

  const clientId = q.get('client_id')
  if (!clientId) return missing('client_id')
  if (flow === 'authorize' && !q.get('response_type')) return missing('response_type')

  let tenant: Tenant | undefined
  if (!MULTI.has(tenantSegment.toLowerCase())) {
    tenant = ctx.directory.resolveTenant(tenantSegment)
    if (!tenant) return tenantNotFound(tenantSegment)
  }

  const app = ctx.directory.app(clientId)
  if (!app || (tenant && !usableIn(app, tenant))) return appNotFound(clientId, tenant?.displayName ?? tenantSegment)
  if (!app.enabled) return { code: 7000112, message: `Application '${app.appId}'(${app.displayName}) is disabled.` }

  const requested = q.get('redirect_uri')
  let redirectUri: string
  if (requested === null) {
    // The legacy consent link carries no redirect_uri: Entra falls back to the app's reply URL.
    if (!app.redirectUris[0]) return { code: 500113, message: 'No reply address is registered for the application.' }
    redirectUri = app.redirectUris[0]
  } else if (app.redirectUris.some((r) => redirectMatches(requested, r, flow === 'adminconsent'))) {
    redirectUri = requested
  } else {
    return {
      code: 50011,
      message: `The redirect URI '${requested}' specified in the request does not match the redirect URIs configured for the application '${app.appId}'. Make sure the redirect URI sent in the request matches one added to your application in the Azure portal. Navigate to https://aka.ms/redirectUriMismatchError to learn more about how to fix this.`,
    }
  }

  let scope: string | undefined
  if (flow === 'v2') {
    scope = q.get('scope') ?? undefined
    if (!scope) return missing('scope')
    const failure = checkScopes(scope, tenant?.displayName ?? tenantSegment, ctx)
    if (failure) return failure
  }
  return { flow, appId: app.appId, tenantId: tenant?.id, redirectUri, state: q.get('state') ?? undefined, scope }
}

export function isFailure(value: ConsentRequest | ConsentFailure): value is ConsentFailure {
  return 'code' in value
}

export function tenantNotFound(segment: string): ConsentFailure {
  return {
    code: 90002,
    message: `Tenant '${segment}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.`,
  }
}

/** AADSTS700016, also what a single-tenant app gets outside its home tenant. */
export function appNotFound(appId: string, directoryName: string): ConsentFailure {
  return {
    code: 700016,
    message: `Application with identifier '${appId}' was not found in the directory '${directoryName}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
  }
}

export function usableIn(app: AppRegistration, tenant: Tenant): boolean {
  return app.signInAudience === 'AzureADMultipleOrgs' || app.homeTenantId === tenant.id
}

/**
 * "It must exactly match one of the redirect URIs that you registered … and it can have additional
 * path segments" (§6.2 for `/adminconsent`; the v2 endpoint requires an exact match, §6.3).
 * Scheme and host compare case-insensitively (URL normalisation), path and query exactly.
 */
function redirectMatches(requested: string, registered: string, allowExtraPath: boolean): boolean {
  let a: URL
  let b: URL
  try {
    a = new URL(requested)
    b = new URL(registered)
  } catch {
    return false
  }
  if (a.href === b.href) return true
  if (!allowExtraPath || a.origin !== b.origin || a.search !== b.search || a.hash !== b.hash) return false
  const base = b.pathname.endsWith('/') ? b.pathname : `${b.pathname}/`
  return a.pathname.startsWith(base)
}

/**
 * App permissions can only be asked for with `{resource}/.default` (§6.3); delegated scopes are
 * accepted and echoed but the emulator only models application permissions.
 */
function checkScopes(scope: string, directoryName: string, ctx: { directory: Directory }): ConsentFailure | undefined {
  for (const s of scope.split(/\s+/).filter(Boolean)) {
    if (['openid', 'profile', 'email', 'offline_access'].includes(s.toLowerCase())) continue
    const cut = s.lastIndexOf('/')
    if (cut <= 0) return { code: 70011, message: `The provided value for the input parameter 'scope' is not valid. The scope ${s} is not valid.` }
    const resource = s.slice(0, cut)
    if (!ctx.directory.resolveResource(resource))
      return {
        code: 500011,
        message: `The resource principal named ${resource} was not found in the tenant named ${directoryName}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.`,
      }
  }
  return undefined
}
