import { adminConsentLink, legacyConsentLink } from '../../auth/consent_link.js'
import { defineCommand } from '../command.js'
import { loadConfig, validateTenant } from '../config.js'
import { CliError } from '../errors.js'

export default defineCommand({
  name: 'consent-link',
  summary: "Print the admin-consent link a customer's admin opens to grant the app's permissions",
  description: `
Without --redirect-uri: the partner link of the Defender docs
  {authority}/common/oauth2/authorize?prompt=consent&client_id=…&response_type=code&sso_reload=true
(with --tenant, {authority}/{tenant}/oauth2/authorize?…, so the admin signs in to that tenant).
With --redirect-uri: the admin-consent endpoint {authority}/{tenant}/adminconsent (tenant default
'common'), or with --v2 {authority}/{tenant}/v2.0/adminconsent with a /.default scope (tenant
default 'organizations'). The admin is sent back to the redirect URI with admin_consent=True,
tenant=<GUID> and your state; check the state.`,
  options: {
    'client-id': { type: 'string', valueName: 'GUID', description: 'Application (client) id (M365D_CLIENT_ID)' },
    tenant: { type: 'string', valueName: 'GUID|DOMAIN', description: "Customer tenant, when known (default common / organizations; NOT M365D_TENANT_ID)" },
    'redirect-uri': { type: 'string', valueName: 'URI', description: 'Registered redirect URI: use the admin-consent endpoint' },
    v2: { type: 'boolean', description: 'Use the v2 admin-consent endpoint (needs --redirect-uri)' },
    state: { type: 'string', valueName: 'S', description: 'State echoed back on the redirect (random when absent)' },
    scope: { type: 'string', valueName: 'SCOPE', description: 'v2 scope (default https://graph.microsoft.com/.default)' },
    cloud: { type: 'string', valueName: 'NAME', description: 'commercial | gcc | gcc-high | dod (M365D_CLOUD)' },
    'authority-host': { type: 'string', valueName: 'URL', description: 'Identity platform host, e.g. the emulator URL (M365D_AUTHORITY_HOST)' },
    config: { type: 'string', valueName: 'FILE', description: 'JSON config file (M365D_CONFIG)' },
  },
  examples: [
    'm365d consent-link --client-id d3f3e4d0-0000-4000-8000-00000000a001',
    'm365d consent-link --tenant contoso.onmicrosoft.com   # the same link on that tenant',
    'm365d consent-link --redirect-uri https://partner.example/consent/callback --tenant contoso.onmicrosoft.com',
    'm365d consent-link --v2 --redirect-uri https://partner.example/consent/callback --json',
  ],
  async run(ctx) {
    const v = ctx.values
    // The configured tenant is the partner's own; the consent link is for a customer, so only --tenant counts.
    const config = await loadConfig(ctx, { 'client-id': v['client-id'], cloud: v.cloud, 'authority-host': v['authority-host'], config: v.config, profile: v.profile }, { tenant: false, credential: false })
    if (config.clientId === undefined) {
      throw new CliError('ERR_CONFIG_MISSING_CLIENT_ID', 'consent-link needs the application (client) id', { hint: 'pass --client-id GUID or set M365D_CLIENT_ID' })
    }
    if (v.tenant !== undefined) validateTenant(v.tenant, 'flag', { allowMultiTenant: true })
    const needsRedirect = v.v2 || v.state !== undefined || v.scope !== undefined
    if (needsRedirect && v['redirect-uri'] === undefined) {
      throw new CliError('ERR_CLI_MISSING_OPTION', '--v2, --state and --scope need --redirect-uri (the admin-consent endpoint)', {
        hint: 'pass --redirect-uri with a redirect URI registered on the app, or drop them for the plain consent link',
      })
    }
    if (v.scope !== undefined && !v.v2) throw new CliError('ERR_CLI_MISSING_OPTION', '--scope needs --v2', { hint: 'the v1 admin-consent endpoint takes no scope' })
    if (v['redirect-uri'] !== undefined && !URL.canParse(v['redirect-uri'])) {
      throw new CliError('ERR_CLI_INVALID_URL', `redirect URI '${v['redirect-uri']}' is not an absolute URL`, { hint: 'use the exact URI registered on the app, e.g. https://partner.example/consent/callback' })
    }
    if (v['redirect-uri'] === undefined) {
      const url = legacyConsentLink({ clientId: config.clientId, authorityHost: config.authorityHost, ...(v.tenant !== undefined && { tenant: v.tenant }) })
      if (ctx.json) return void ctx.printJson({ url, kind: 'legacy' })
      ctx.print(url)
      return
    }
    const { url, state } = adminConsentLink({
      clientId: config.clientId,
      redirectUri: v['redirect-uri'],
      authorityHost: config.authorityHost,
      ...(v.tenant !== undefined && { tenant: v.tenant }),
      ...(v.state !== undefined && { state: v.state }),
      ...(v.scope !== undefined && { scope: v.scope }),
      ...(v.v2 && { v2: true }),
    })
    if (ctx.json) return void ctx.printJson({ url, state, kind: v.v2 ? 'adminconsent-v2' : 'adminconsent' })
    ctx.print(url)
    if (v.state === undefined) ctx.io.stderr.write(`state: ${state}  (check it on the redirect)\n`)
  },
})
