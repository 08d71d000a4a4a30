import { randomBytes } from 'node:crypto'

const DEFAULT_AUTHORITY = 'https://login.microsoftonline.com'

function host(authorityHost: string | undefined): string {
  return (authorityHost ?? DEFAULT_AUTHORITY).replace(/\/+$/, '')
}

/**
 * The partner consent link of the Defender docs (entra-app-only.md §6.1, defender-api.md §1.3):
 * `https://login.microsoftonline.com/common/oauth2/authorize?prompt=consent&client_id=…&response_type=code&sso_reload=true`.
 * A customer's admin opens it, signs in to their tenant and grants the app's permissions; that
 * creates the service principal whose absence makes tokens fail with AADSTS700016. With `tenant`,
 * the same link on that tenant's authority (`/{tenant}/oauth2/authorize`), so the admin signs in to
 * the right directory instead of whichever one their browser session picks.
 */
export function legacyConsentLink(o: { clientId: string; tenant?: string; authorityHost?: string; redirectUri?: string }): string {
  const q = new URLSearchParams({ prompt: 'consent', client_id: o.clientId, response_type: 'code', sso_reload: 'true' })
  if (o.redirectUri !== undefined) q.set('redirect_uri', o.redirectUri)
  return `${host(o.authorityHost)}/${encodeURIComponent(o.tenant ?? 'common')}/oauth2/authorize?${q}`
}

/**
 * The admin-consent ("app provisioning") endpoint. Default: the one the client-credentials doc uses,
 * `GET /{tenant}/adminconsent?client_id&state&redirect_uri` with tenant `common` when unknown
 * (entra-app-only.md §6.2). With `v2: true`: `GET /{tenant}/v2.0/adminconsent?…&scope=` with tenant
 * `organizations` ("Do not use 'common'") and a `/.default` scope, which "request[s] consent for all
 * scopes found in the required permissions (both user and app)" (§6.3) — so the Graph `/.default`
 * default covers the Defender roles too. `state` is random when not given and is returned so the
 * caller can check it on the redirect.
 */
export function adminConsentLink(o: {
  clientId: string
  tenant?: string
  redirectUri: string
  state?: string
  scope?: string
  authorityHost?: string
  v2?: boolean
}): { url: string; state: string } {
  const state = o.state ?? randomBytes(16).toString('base64url')
  const tenant = encodeURIComponent(o.tenant ?? (o.v2 ? 'organizations' : 'common'))
  const q = new URLSearchParams({ client_id: o.clientId })
  if (o.v2) q.set('scope', o.scope ?? 'https://graph.microsoft.com/.default')
  q.set('redirect_uri', o.redirectUri)
  q.set('state', state)
  const path = o.v2 ? `${tenant}/v2.0/adminconsent` : `${tenant}/adminconsent`
  return { url: `${host(o.authorityHost)}/${path}?${q}`, state }
}

/**
 * The link a customer's admin opens to grant the app its Microsoft Graph permissions
 * (SecurityIncident.Read.All, SecurityAlert.Read.All, ThreatHunting.Read.All, …): the v2
 * admin-consent endpoint on the customer's own tenant with the static Graph scope,
 * `https://graph.microsoft.com/.default` ("request consent for all scopes found in the required
 * permissions", entra-app-only.md §6.3). Tenants consented for the legacy Defender API only need
 * it before the legacy API stops on 1 Feb 2027 (MC1220762). `redirectUri` must be registered on the
 * app; `graphResource` is the cloud's Graph (default the commercial one).
 */
export function graphConsentLink(o: { clientId: string; tenant: string; redirectUri: string; authorityHost?: string; state?: string; graphResource?: string }): string {
  const { graphResource, ...rest } = o
  return adminConsentLink({ ...rest, v2: true, scope: `${(graphResource ?? 'https://graph.microsoft.com').replace(/\/+$/, '')}/.default` }).url
}
