import type { EmulatorContext } from '../context.js'
import type { Router } from '../router.js'
import { DirectoryError } from '../state/directory.js'
import { consentErrorPage, consentPage } from './consent_page.js'
import { appNotFound, isFailure, parseConsentRequest, tenantNotFound, usableIn, type ConsentFlow, type ConsentRequest } from './consent_request.js'
import { oauthErrorBody } from './oauth_error.js'

/**
 * Admin consent (entra-app-only.md §6): legacy `/{tenant}/oauth2/authorize?prompt=consent|admin_consent`,
 * `/{tenant}/adminconsent` and v2 `/{tenant}/v2.0/adminconsent`. GET shows the consent page; its form
 * posts to `/common/Consent/Set`. Accept → `Directory.consent` (service principal + every application
 * permission the app asks for) and a 302 to the redirect URI; Cancel → a 302 with the error Entra sends.
 */
export function registerConsentRoutes(router: Router<EmulatorContext>): void {
  const show = (flow: ConsentFlow) => (req: Request, url: URL, p: Record<string, string>, ctx: EmulatorContext) => {
    const parsed = parseConsentRequest(flow, p.tenant!, url, ctx)
    if (isFailure(parsed)) return consentErrorPage(parsed, ctx.clock, req.headers.get('client-request-id'))
    return renderConsent(ctx, parsed)
  }
  const opts = { group: 'consent', caseInsensitive: true }
  router.add('GET', '/:tenant/oauth2/authorize', show('authorize'), opts)
  router.add('GET', '/:tenant/adminconsent', show('adminconsent'), opts)
  router.add('GET', '/:tenant/v2.0/adminconsent', show('v2'), opts)
  router.add('POST', '/common/Consent/Set', submit, opts)
}

function renderConsent(ctx: EmulatorContext, request: ConsentRequest, problem?: string, tenantInput?: string, status = 200): Response {
  return consentPage(
    {
      directory: ctx.directory,
      app: ctx.directory.app(request.appId)!,
      tenant: request.tenantId ? ctx.directory.tenants.get(request.tenantId) : undefined,
      flowToken: ctx.consentFlows.issue(request, ctx.clock.now()),
      scope: request.scope,
      ...(problem !== undefined && { problem }),
      ...(tenantInput !== undefined && { tenantInput }),
    },
    status,
  )
}

async function submit(req: Request, url: URL, _p: Record<string, string>, ctx: EmulatorContext): Promise<Response> {
  const correlation = req.headers.get('client-request-id')
  // Browsers send Origin on form posts: a post from another site is refused outright, and so is
  // the opaque `null` origin (sandboxed frames, data: pages), which our own page never sends.
  const origin = req.headers.get('origin')
  if ((origin !== null && origin !== url.origin) || req.headers.get('sec-fetch-site') === 'cross-site')
    return consentErrorPage({ code: 90100, message: 'flowToken parameter is empty or not valid. The consent form was submitted from another site.' }, ctx.clock, correlation, 403)
  const form = new URLSearchParams(await req.text())
  const request = ctx.consentFlows.redeem(form.get('flowToken') ?? '', ctx.clock.now())
  if (!request) return consentErrorPage({ code: 90100, message: 'flowToken parameter is empty or not valid. The consent page was already used or is older than 15 minutes; open the consent link again.' }, ctx.clock, correlation)
  const app = ctx.directory.app(request.appId)
  if (!app) return consentErrorPage(appNotFound(request.appId, request.tenantId ?? 'common'), ctx.clock, correlation)

  if (form.get('action') !== 'accept') return redirect(cancelUrl(request, url, ctx))

  let tenantId = request.tenantId
  if (!tenantId) {
    const typed = (form.get('tenant') ?? '').trim()
    if (!typed) return renderConsent(ctx, request, 'Enter the tenant ID or a verified domain of the organization you administer.', typed, 400)
    const tenant = ctx.directory.resolveTenant(typed)
    if (!tenant) return renderConsent(ctx, request, `AADSTS90002: ${tenantNotFound(typed).message}`, typed, 400)
    if (!usableIn(app, tenant)) return consentErrorPage(appNotFound(app.appId, tenant.displayName), ctx.clock, correlation)
    tenantId = tenant.id
  }
  try {
    ctx.directory.consent(tenantId, app.appId)
  } catch (e) {
    if (e instanceof DirectoryError) return consentErrorPage(appNotFound(app.appId, tenantId), ctx.clock, correlation)
    throw e
  }
  return redirect(successUrl(request, tenantId))
}

/** Parameter order as in the documented redirects (§6.2, §6.3). */
function successUrl(request: ConsentRequest, tenantId: string): URL {
  const target = new URL(request.redirectUri)
  const add = (k: string, v: string | undefined) => v !== undefined && target.searchParams.append(k, v)
  if (request.flow === 'adminconsent') {
    add('tenant', tenantId)
    add('state', request.state)
    add('admin_consent', 'True')
  } else {
    add('admin_consent', 'True')
    add('tenant', tenantId)
    add('scope', request.scope)
    add('state', request.state)
  }
  return target
}

/**
 * What Entra sends when the administrator cancels: `error=access_denied` with AADSTS65004 "User
 * declined to consent to access the app." plus the Trace/Correlation/Timestamp suffix, `error_uri`,
 * and on the v2 endpoint `admin_consent=True` but no `tenant` (recorded in MicrosoftDocs/azure-docs
 * issue #114009; the v2 doc's error example also keeps `admin_consent=True`, §6.3).
 */
function cancelUrl(request: ConsentRequest, url: URL, ctx: EmulatorContext): URL {
  const body = oauthErrorBody({ status: 400, error: 'access_denied', code: 65004, message: 'User declined to consent to access the app.', origin: url.origin, clock: ctx.clock })
  const target = new URL(request.redirectUri)
  target.searchParams.append('error', body.error)
  target.searchParams.append('error_description', body.error_description)
  target.searchParams.append('error_uri', body.error_uri)
  if (request.flow === 'v2') target.searchParams.append('admin_consent', 'True')
  if (request.state !== undefined) target.searchParams.append('state', request.state)
  return target
}

function redirect(location: URL): Response {
  return new Response(null, { status: 302, headers: { location: location.href, 'cache-control': 'no-store, no-cache', pragma: 'no-cache' } })
}
