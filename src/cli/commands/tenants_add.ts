import { resolveTenantId } from '../../auth/tenant_discovery.js'
import { upsertTenant } from '../../sync/index.js'
import { defineCommand } from '../command.js'
import { loadConfig, validateTenant } from '../config.js'
import { CliError } from '../errors.js'
import { expectPositionals } from '../parse.js'
import { openSyncStore, storageOptions } from './sync_options.js'

export default defineCommand({
  name: 'add',
  summary: 'Add a customer tenant (GUID or domain) to the sync set',
  usage: '<TENANT-ID|DOMAIN>',
  description: `
A domain is resolved to the tenant id through the authority's OpenID discovery document
(/{domain}/v2.0/.well-known/openid-configuration). Adding a tenant again re-enables it.`,
  options: {
    ...storageOptions,
    name: { type: 'string', valueName: 'TEXT', description: 'Display name' },
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
    const config = await loadConfig(ctx, { cloud: v.cloud, 'authority-host': v['authority-host'], config: v.config }, { tenant: false, credential: false })
    // Resolve before opening the store: a typo must not leave anything behind.
    const tenantId = await resolveTenantId(input, { authorityHost: config.authorityHost })
    const domain = tenantId === input.toLowerCase() ? null : input.toLowerCase()
    const { db } = await openSyncStore(ctx, v)
    try {
      const row = await upsertTenant(db, { tenantId, displayName: v.name ?? null, domain })
      if (ctx.json) return void ctx.printJson({ tenantId: row.tenant_id, name: row.display_name, domain: row.domain, enabled: row.enabled })
      ctx.print(`added ${row.tenant_id}${row.domain ? ` (${row.domain})` : ''}${row.display_name ? ` "${row.display_name}"` : ''}`)
      ctx.print(`next: m365d tenants check ${row.tenant_id}`)
    } finally {
      await db.close()
    }
  },
})
