import type { Queryable } from '../db/database.js'
import { consentResultPage } from './consent_page.js'
import { completeConsentRequest, type ConsentOutcome } from './consent_requests.js'

/** The path `tenants onboard` puts in the redirect URI by default. */
export const CONSENT_CALLBACK_PATH = '/consent/callback'

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

export interface ConsentCallbackOptions {
  db: Queryable
  /** Proves the consent before the tenant is added: get an app-only token for it (throws when it cannot). */
  verify?: (tenantId: string) => Promise<void>
  onOutcome?: (outcome: ConsentOutcome) => void
}

/**
 * The admin-consent redirect target (entra-app-only.md §6.2/§6.3): Entra sends the admin back with
 * `?admin_consent=True&tenant=<GUID>&state=…` on success, or `?error=access_denied&error_description=…&state=…`
 * (plus `tenant` when known) when the admin declined. Only a state we issued, unexpired, unused and
 * bound to that tenant is accepted (see completeConsentRequest); a redirect without any state — the
 * plain consent link every hint prints — gets a neutral "consent received" page and adds nothing.
 */
export function consentCallbackHandler(o: ConsentCallbackOptions): (request: Request) => Promise<Response> {
  return async (request) => {
    const q = new URL(request.url).searchParams
    const state = q.get('state')
    const tenant = q.get('tenant') ?? undefined
    const tenantId = tenant && GUID.test(tenant) ? tenant.toLowerCase() : undefined
    const error = q.get('error') ?? undefined
    const granted = q.get('admin_consent')?.toLowerCase() === 'true'
    let outcome: ConsentOutcome
    if (!state) {
      if (error !== undefined) outcome = { outcome: 'declined', error, ...(tenantId && { tenantId }) }
      else outcome = granted ? { outcome: 'received', ...(tenantId && { tenantId }) } : { outcome: 'rejected', reason: 'missing_state' }
    } else if (error !== undefined) {
      const description = q.get('error_description') ?? undefined
      outcome = await completeConsentRequest(o.db, { state, granted: false, error, ...(description && { description }), ...(tenantId && { tenantId }) })
    } else if (granted && tenantId) {
      outcome = await completeConsentRequest(o.db, { state, granted: true, tenantId, ...(o.verify && { verify: o.verify }) })
    } else outcome = { outcome: 'rejected', reason: 'invalid' }
    o.onOutcome?.(outcome)
    return consentResultPage(outcome)
  }
}
