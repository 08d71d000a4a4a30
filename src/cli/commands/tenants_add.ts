import { resolveTenantId } from '../../auth/tenant_discovery.js'
import { defineCommand } from '../command.js'
import { loadConfig, validateTenant } from '../config.js'
import { CliError } from '../errors.js'
import { expectPositionals } from '../parse.js'
import { openRegistry } from '../registry_access.js'
import { storageFlags, storageOptions } from './sync_options.js'

export default defineCommand({
  name: 'add',
  summary: 'Add a customer tenant (GUID or domain) to the sync set',
  usage: '<TENANT-ID|DOMAIN>',
  description: `
A domain is resolved to the tenant id through the authority's OpenID discovery document
(/{domain}/v2.0/.well-known/openid-configuration). Adding a tenant again re-enables it.

--api pins the tenant to one API whatever the daemon's default: legacy (say, while its admin has
not granted the Graph permissions yet; it stops on 1 Feb 2027), graph, or default to follow the
daemon again. Without a pin, a tenant consented for the legacy roles only is synced on legacy and
reported as needs_graph_consent until its Graph consent, then switched by the daemon itself.`,
  options: {
    ...storageOptions,
    name: { type: 'string', valueName: 'TEXT', description: 'Display name' },
    api: { type: 'string', valueName: 'graph|legacy|default', description: 'Pin the tenant to one API (default: follow the daemon, Graph)' },
    cloud: { type: 'string', valueName: 'NAME', description: 'commercial | gcc | gcc-high | dod (M365D_CLOUD)' },
    'authority-host': { type: 'string', valueName: 'URL', description: 'Identity platform host, e.g. the emulator URL (M365D_AUTHORITY_HOST)' },
    config: { type: 'string', valueName: 'FILE', description: 'JSON config file (M365D_CONFIG)' },
  },
  examples: ['m365d tenants add 72f988bf-86f1-41af-91ab-2d7cd011db47 --name Contoso', 'm365d tenants add fabrikam.onmicrosoft.com'],
  async run(ctx) {
    expectPositionals(ctx.positionals, 1, ctx.commandPath)
    const input = ctx.positionals[0]
    if (input === undefined) throw new CliError('ERR_CLI_MISSING_ARGUMENT', `${ctx.commandPath} needs a tenant id or domain`, { hint: 'e.g. m365d tenants add contoso.onmicrosoft.com' })
    validateTenant(input, 'flag', { shownAs: 'the TENANT argument' })
    const v = ctx.values
    if (v.api !== undefined && !['graph', 'legacy', 'default'].includes(v.api))
      throw new CliError('ERR_CLI_INVALID_OPTION', `unknown --api '${v.api.slice(0, 20)}'`, { hint: 'use --api graph, --api legacy or --api default' })
    const config = await loadConfig(ctx, { cloud: v.cloud, 'authority-host': v['authority-host'], ...storageFlags(v) }, { tenant: false, credential: false })
    // Resolve before opening the store: a typo must not leave anything behind.
    const tenantId = await resolveTenantId(input, { authorityHost: config.authorityHost })
    const domain = tenantId === input.toLowerCase() ? null : input.toLowerCase()
    const registry = await openRegistry(ctx, v, { config })
    try {
      const row = await registry.call('add', { tenantId, displayName: v.name ?? null, domain, ...(v.api !== undefined && { api: v.api as 'graph' | 'legacy' | 'default' }) })
      const api = row.api
      if (ctx.json) return void ctx.printJson({ tenantId: row.tenant_id, name: row.display_name, domain: row.domain, enabled: row.enabled, api })
      ctx.print(`added ${row.tenant_id}${row.domain ? ` (${row.domain})` : ''}${row.display_name ? ` "${row.display_name}"` : ''}${api ? `, pinned to the ${api} API` : ''}`)
      if (api === 'legacy') ctx.feedback.notice('the legacy API stops working on 1 Feb 2027: once the tenant has the Graph permissions, unpin it with --api default')
      ctx.print(`next: m365d tenants check ${row.tenant_id}`)
    } finally {
      await registry.close()
    }
  },
})
