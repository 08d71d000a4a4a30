import type { Queryable } from '../db/database.js'
import { completeConsentRequest, type ConsentOutcome } from './consent_requests.js'

/** The path `tenants onboard` puts in the redirect URI by default. */
export const CONSENT_CALLBACK_PATH = '/consent/callback'

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/**
 * The admin-consent redirect target (entra-app-only.md §6.2/§6.3): Entra sends the admin back with
 * `?admin_consent=True&tenant=<GUID>&state=…` on success, or `?error=access_denied&error_description=…&state=…`
 * (plus `tenant` when known) when the admin declined. Only a state we issued, unexpired and unused,
 * is accepted; the answer is a small HTML page for the admin's browser.
 */
export function consentCallbackHandler(o: { db: Queryable; onOutcome?: (outcome: ConsentOutcome) => void }): (request: Request) => Promise<Response> {
  return async (request) => {
    const q = new URL(request.url).searchParams
    const state = q.get('state')
    const tenant = q.get('tenant') ?? undefined
    const error = q.get('error') ?? undefined
    let outcome: ConsentOutcome
    if (!state) outcome = { outcome: 'rejected', reason: 'missing_state' }
    else if (error !== undefined) {
      const description = q.get('error_description') ?? undefined
      outcome = await completeConsentRequest(o.db, { state, granted: false, error, ...(description && { description }), ...(tenant && GUID.test(tenant) && { tenantId: tenant }) })
    } else if (q.get('admin_consent')?.toLowerCase() === 'true' && tenant && GUID.test(tenant)) {
      outcome = await completeConsentRequest(o.db, { state, granted: true, tenantId: tenant })
    } else outcome = { outcome: 'rejected', reason: 'invalid' }
    o.onOutcome?.(outcome)
    return page(outcome)
  }
}

function page(o: ConsentOutcome): Response {
  const [status, title, text] =
    o.outcome === 'granted'
      ? [200, 'Consent recorded', `Tenant ${o.tenantId} was added; the sync daemon will start reading its incidents shortly. You can close this page.`]
      : o.outcome === 'declined'
        ? [200, 'Consent declined', `The administrator declined consent (${o.error}${o.description ? `: ${o.description}` : ''}). Nothing was added; ask the partner for a new link to try again.`]
        : [
            400,
            'Consent link not accepted',
            {
              unknown_state: 'This consent response does not match a link issued by this partner (unknown state).',
              expired: 'This consent link has expired.',
              used: 'This consent link was already used.',
              missing_state: 'The consent response carries no state.',
              invalid: 'The consent response is incomplete (admin_consent=True with a tenant id expected).',
            }[o.reason] + ' Ask the partner for a new link (m365d tenants onboard).',
          ]
  const html = `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title></head><body><h1>${title}</h1><p>${escapeHtml(text)}</p></body></html>\n`
  return new Response(html, { status, headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' } })
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}
