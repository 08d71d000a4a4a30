import { randomUUID } from 'node:crypto'
import type { Clock } from '../../lib/clock.js'
import type { Directory } from '../state/directory.js'
import type { AppRegistration, Tenant } from '../state/types.js'
import type { ConsentFailure } from './consent_request.js'

/**
 * The HTML of the admin-consent flow: the "Permissions requested" page and the AADSTS error page.
 * Plain HTML forms with inline CSS: works without JavaScript, native buttons and labelled inputs for
 * keyboard and screen-reader users. Accept comes first in the form so that Enter in the tenant
 * field (implicit submission uses the first submit button) accepts rather than cancels; CSS shows
 * it on the right, where Entra puts it. Every interpolated value goes through {@link escapeHtml}.
 */

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!)
}

/** No framing (clickjacking), no scripts, forms may only post back here. */
const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store, no-cache',
  pragma: 'no-cache',
  'x-frame-options': 'DENY',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'referrer-policy': 'no-referrer',
}

const CSS = `
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 "Segoe UI",system-ui,-apple-system,sans-serif;background:#f2f2f2;color:#1b1b1b}
main{max-width:560px;margin:40px auto;background:#fff;padding:32px 40px;box-shadow:0 2px 6px rgba(0,0,0,.2)}
.brand{font-size:13px;color:#605e5c;margin:0 0 16px}
h1{font-size:24px;font-weight:600;margin:0 0 8px}
h2{font-size:15px;font-weight:600;margin:20px 0 6px}
.app{display:flex;gap:12px;align-items:center;margin:12px 0}
.tile{width:40px;height:40px;border-radius:4px;background:#0067b8;color:#fff;display:flex;align-items:center;justify-content:center;font-weight:600}
.muted{color:#605e5c;font-size:13px}
ul{list-style:none;padding:0;margin:0}
li{padding:6px 0;border-bottom:1px solid #edebe9}
code{font:12px/1.4 Consolas,monospace;background:#f3f2f1;padding:1px 4px;border-radius:2px}
label{display:block;font-weight:600;margin:20px 0 4px}
input[type=text]{width:100%;padding:6px 8px;font:inherit;border:1px solid #8a8886}
.error{background:#fde7e9;border-left:4px solid #a80000;padding:8px 12px;margin:16px 0}
.actions{display:flex;flex-direction:row-reverse;justify-content:flex-start;gap:8px;margin-top:24px}
button{font:inherit;min-width:108px;padding:6px 16px;border:1px solid #8a8886;background:#fff;cursor:pointer}
button.primary{background:#0067b8;border-color:#0067b8;color:#fff}
button:focus-visible,input:focus-visible{outline:2px solid #1b1b1b;outline-offset:2px}
dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;font-size:13px}
dt{color:#605e5c}dd{margin:0;word-break:break-all}
`

function page(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title><style>${CSS}</style></head>
<body><main>
<p class="brand">Microsoft identity platform &middot; m365d emulator</p>
${body}
</main></body></html>`
}

export interface ConsentPageInput {
  directory: Directory
  app: AppRegistration
  /** Undefined when the URL named `common`/`organizations`: the page asks which tenant. */
  tenant: Tenant | undefined
  /** One-time form token. */
  flowToken: string
  /** v2 `scope` parameter, shown as requested. */
  scope?: string | undefined
  /** A problem with the previous submission (e.g. unknown tenant typed in). */
  problem?: string
  /** The tenant the admin typed last time, to refill the field. */
  tenantInput?: string
}

export function consentPage(input: ConsentPageInput, status = 200): Response {
  const { app, directory, tenant } = input
  const home = directory.tenants.get(app.homeTenantId)
  const publisher = home ? `${home.displayName}${home.domains[0] ? ` (${home.domains[0]})` : ''}` : app.homeTenantId
  const groups = app.requiredResourceAccess.map((r) => {
    const resource = directory.resources.get(r.resourceAppId)
    const items = r.roles.map((value) => {
      const role = resource?.appRoles.find((a) => a.value === value)
      return `<li>${escapeHtml(role?.displayName ?? value)} <code>${escapeHtml(value)}</code><br><span class="muted">Application permission &middot; Admin consent required</span></li>`
    })
    const uri = resource?.identifierUris[0] ?? r.resourceAppId
    return `<h2>${escapeHtml(resource?.displayName ?? r.resourceAppId)} <span class="muted">(${escapeHtml(uri)})</span></h2><ul>${items.join('')}</ul>`
  })
  const tenantBlock = tenant
    ? `<p>Consent on behalf of your organization: <strong>${escapeHtml(tenant.displayName)}</strong> <span class="muted">(${escapeHtml(tenant.domains[0] ?? tenant.id)}, ${escapeHtml(tenant.id)})</span></p>`
    : `<label for="tenant">Your organization (tenant ID or verified domain)</label>
<input type="text" id="tenant" name="tenant" required autocomplete="off" spellcheck="false" placeholder="contoso.onmicrosoft.com" value="${escapeHtml(input.tenantInput ?? '')}" aria-describedby="tenant-help">
<p id="tenant-help" class="muted">The customer tenant you administer; consent is granted there.</p>`
  const body = `
<h1>Permissions requested</h1>
<p class="muted">Review for your organization</p>
<div class="app"><div class="tile" aria-hidden="true">${escapeHtml(app.displayName.slice(0, 1).toUpperCase())}</div>
<div><strong>${escapeHtml(app.displayName)}</strong><br><span class="muted">Publisher: unverified &middot; registered in ${escapeHtml(publisher)}</span></div></div>
${input.problem ? `<div class="error" role="alert">${escapeHtml(input.problem)}</div>` : ''}
<form method="post" action="/common/Consent/Set">
<input type="hidden" name="flowToken" value="${escapeHtml(input.flowToken)}">
${tenantBlock}
<p>This app would like to:</p>
${groups.length ? groups.join('\n') : '<p class="muted">This app does not ask for any application permissions.</p>'}
${input.scope ? `<p class="muted">Requested scope: <code>${escapeHtml(input.scope)}</code></p>` : ''}
<p class="muted">Accepting creates the app's service principal in your organization and grants it the application permissions above, for all users. The app can then call these APIs as itself, without a signed-in user.</p>
<div class="actions">
<button type="submit" name="action" value="accept" class="primary">Accept</button>
<button type="submit" name="action" value="cancel" formnovalidate>Cancel</button>
</div>
</form>`
  return new Response(page(`Permissions requested - ${app.displayName}`, body), { status, headers: PAGE_HEADERS })
}

/**
 * The sign-in error page: AADSTS code and message with the request and correlation ids, and NO
 * redirect (the redirect URI is not trusted when these happen). The code is also in
 * `data-error-code` for scripts and tests.
 */
export function consentErrorPage(failure: ConsentFailure, clock: Clock, correlationId?: string | null, status = 400): Response {
  const requestId = randomUUID()
  const correlation = correlationId && /^[0-9a-f-]{36}$/i.test(correlationId) ? correlationId : randomUUID()
  const timestamp = new Date(clock.now()).toISOString().replace(/\.\d+Z$/, 'Z')
  const body = `
<h1>Sorry, but we're having trouble signing you in.</h1>
<p class="error" role="alert" data-error-code="${failure.code}">AADSTS${failure.code}: ${escapeHtml(failure.message)}</p>
<h2>Troubleshooting details</h2>
<dl><dt>Request Id</dt><dd>${requestId}</dd><dt>Correlation Id</dt><dd>${correlation}</dd><dt>Timestamp</dt><dd>${timestamp}</dd></dl>`
  return new Response(page('Sign in to your account', body), { status, headers: { ...PAGE_HEADERS, 'x-ms-request-id': requestId } })
}
