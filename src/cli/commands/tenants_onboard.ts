import { adminConsentLink } from '../../auth/consent_link.js'
import { CONSENT_CALLBACK_PATH } from '../../sync/index.js'
import { DEFAULT_CONSENT_REDIRECT } from '../../sync/engine/surface.js'
import { defineCommand } from '../command.js'
import { resolveTenantId } from '../../auth/tenant_discovery.js'
import { loadConfig, validateTenant } from '../config.js'
import { CliError } from '../errors.js'
import { expectPositionals } from '../parse.js'
import { openRegistry } from '../registry_access.js'
import { storageFlags, parseDuration, storageOptions } from './sync_options.js'

export default defineCommand({
  name: 'onboard',
  summary: "Print an admin-consent link for a new customer; the daemon records the tenant when the admin comes back",
  description: `
Records a one-time state (default expiry 24h) and prints the admin-consent link. The customer's
admin opens it and grants the app's permissions; Entra redirects to --redirect-uri with
admin_consent=True&tenant=<GUID>&state=…, which 'm365d sync' serves on its ops port at
${CONSENT_CALLBACK_PATH} and turns into a new tenant. The link is bound to --tenant (a GUID, or a
domain resolved to its GUID now): a consent from any other organization is refused. --any-tenant
issues a link any organization may redeem (when you do not know the customer's tenant yet).
Before adding the tenant the daemon proves the consent by getting a token for it; a tenant you
removed is never added back by a link (only 'tenants add' does). Unknown, used or expired states
are rejected; a declined consent (error=access_denied) is reported. The redirect URI must be
registered on the app.`,
  options: {
    ...storageOptions,
    'redirect-uri': { type: 'string', valueName: 'URI', description: `Registered redirect URI (default ${DEFAULT_CONSENT_REDIRECT}, the ops server of m365d sync; registered on the emulator's well-known app)` },
    v2: { type: 'boolean', description: 'Use the v2 admin-consent endpoint (/organizations/v2.0/adminconsent with a /.default scope)' },
    tenant: { type: 'string', valueName: 'GUID|DOMAIN', description: "The customer's tenant: the link is bound to it (required unless --any-tenant)" },
    'any-tenant': { type: 'boolean', description: 'Issue a link any organization may redeem (common / organizations)' },
    expires: { type: 'string', valueName: 'DURATION', description: 'How long the link stays valid (default 24h)' },
    'client-id': { type: 'string', valueName: 'GUID', description: 'Application (client) id (M365D_CLIENT_ID)' },
    cloud: { type: 'string', valueName: 'NAME', description: 'commercial | gcc | gcc-high | dod (M365D_CLOUD)' },
    'authority-host': { type: 'string', valueName: 'URL', description: 'Identity platform host (M365D_AUTHORITY_HOST)' },
    config: { type: 'string', valueName: 'FILE', description: 'JSON config file (M365D_CONFIG)' },
  },
  examples: ['m365d tenants onboard --tenant contoso.onmicrosoft.com', 'm365d tenants onboard --tenant 72f988bf-86f1-41af-91ab-2d7cd011db47 --redirect-uri https://partner.example/consent/callback', 'm365d tenants onboard --any-tenant --v2 --json'],
  async run(ctx) {
    expectPositionals(ctx.positionals, 0, ctx.commandPath)
    const v = ctx.values
    const config = await loadConfig(ctx, { 'client-id': v['client-id'], cloud: v.cloud, 'authority-host': v['authority-host'], ...storageFlags(v) }, { tenant: false, credential: false })
    if (config.clientId === undefined) throw new CliError('ERR_CONFIG_MISSING_CLIENT_ID', `${ctx.commandPath} needs the application (client) id`, { hint: 'pass --client-id GUID or set M365D_CLIENT_ID' })
    const redirectUri = v['redirect-uri'] ?? DEFAULT_CONSENT_REDIRECT
    if (!URL.canParse(redirectUri)) throw new CliError('ERR_CLI_INVALID_URL', `redirect URI '${redirectUri.slice(0, 60)}' is not an absolute URL`, { hint: 'use the exact URI registered on the app' })
    const ttlMs = v.expires !== undefined ? parseDuration(v.expires, 'expires') : undefined
    if (v.tenant !== undefined && v['any-tenant']) throw new CliError('ERR_CLI_INVALID_OPTION', '--tenant and --any-tenant are exclusive', { hint: 'bind the link to the customer with --tenant, or use --any-tenant' })
    if (v.tenant === undefined && !v['any-tenant']) {
      throw new CliError('ERR_CLI_MISSING_ARGUMENT', `${ctx.commandPath} needs the customer's tenant: the link is bound to it`, {
        hint: 'pass --tenant contoso.onmicrosoft.com (or its tenant id); --any-tenant issues a link any organization may redeem',
      })
    }
    if (v.tenant !== undefined) validateTenant(v.tenant, 'flag')
    // Resolve now: the callback compares the tenant id Entra sends back with this one.
    const intendedTenant = v.tenant !== undefined ? await resolveTenantId(v.tenant, { authorityHost: config.authorityHost }) : undefined
    const registry = await openRegistry(ctx, v, { config })
    try {
      const { state, expiresAt: expires } = await registry.call('onboard', { ...(ttlMs !== undefined && { ttlMs }), ...(intendedTenant !== undefined && { intendedTenant }) })
      const expiresAt = new Date(expires)
      const { url } = adminConsentLink({
        clientId: config.clientId,
        redirectUri,
        state,
        authorityHost: config.authorityHost,
        ...(intendedTenant !== undefined && { tenant: intendedTenant }),
        ...(v.v2 && { v2: true }),
      })
      if (ctx.json) return void ctx.printJson({ url, state, expiresAt: expiresAt.toISOString(), redirectUri, tenantId: intendedTenant ?? null })
      ctx.print(url)
      ctx.io.stderr.write(
        `Send this link to the customer's Global Administrator (valid until ${expiresAt.toISOString()}).\n` +
          `'m365d sync' must be running with its ops server reachable at ${new URL(redirectUri).origin} to receive the answer.\n`,
      )
    } finally {
      await registry.close()
    }
  },
})
