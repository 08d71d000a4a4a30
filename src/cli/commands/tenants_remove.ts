import { defineCommand } from '../command.js'
import { expectPositionals } from '../parse.js'
import { openRegistry } from '../registry_access.js'
import { storageOptions } from './sync_options.js'
import { tenantArgument, tenantLabel, tenantNotFound } from './tenant_ref.js'

export default defineCommand({
  name: 'remove',
  summary: 'Stop syncing a tenant (--purge also deletes its synced data)',
  usage: '<TENANT-ID|DOMAIN>',
  description: `
Accepts what 'tenants add' accepts: the tenant id or the domain it was added with. A removed tenant
is never added back by an onboarding link issued before (only 'tenants add' brings it back).`,
  options: {
    ...storageOptions,
    purge: { type: 'boolean', description: "Also delete the tenant's incidents, alerts, history and sync state" },
  },
  examples: ['m365d tenants remove contoso.onmicrosoft.com', 'm365d tenants remove 72f988bf-86f1-41af-91ab-2d7cd011db47', 'm365d tenants remove 72f988bf-86f1-41af-91ab-2d7cd011db47 --purge'],
  async run(ctx) {
    expectPositionals(ctx.positionals, 1, ctx.commandPath)
    const input = tenantArgument(ctx.positionals[0], ctx.commandPath)
    const registry = await openRegistry(ctx, ctx.values)
    try {
      const result = await registry.call('remove', { tenant: input, purge: ctx.values.purge === true })
      if (!result) throw tenantNotFound(input)
      const { tenant, removed } = result
      if (ctx.json) return void ctx.printJson({ tenantId: tenant.tenant_id, name: tenant.display_name, domain: tenant.domain, removed, purged: ctx.values.purge === true })
      ctx.print(`removed ${tenantLabel(tenant)}${ctx.values.purge ? ' and deleted its synced data' : ' (its synced data stays; --purge deletes it)'}`)
    } finally {
      await registry.close()
    }
  },
})
