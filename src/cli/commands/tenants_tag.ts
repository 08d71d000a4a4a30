import { TAG } from '../../sync/index.js'
import { defineCommand } from '../command.js'
import { CliError } from '../errors.js'
import { openRegistry } from '../registry_access.js'
import { storageOptions } from './sync_options.js'
import { tenantArgument, tenantLabel, tenantNotFound } from './tenant_ref.js'

export default defineCommand({
  name: 'tag',
  summary: 'Add tags (groups) to a tenant, or remove them with --remove',
  usage: '<TENANT-ID|DOMAIN> [TAG…]',
  description: `
Tags group tenants for the console's filters, 'hunt --all-tenants --tag T' and
'incidents list --all-tenants --tag T'. Tags are 1-64 letters, digits, '-', '_', '.' or ':' (stored
in lower case); a leading '+' is accepted. Without tags or --remove it prints the tenant's tags.`,
  options: {
    ...storageOptions,
    remove: { type: 'string', multiple: true, valueName: 'TAG', description: 'Remove this tag (repeatable)' },
  },
  examples: ['m365d tenants tag contoso.onmicrosoft.com gold eu', 'm365d tenants tag contoso.onmicrosoft.com --remove eu'],
  async run(ctx) {
    const [tenantArg, ...changes] = ctx.positionals
    const tagOf = (c: string) => {
      const tag = c.replace(/^\+/, '').toLowerCase()
      if (!TAG.test(tag)) throw new CliError('ERR_CLI_INVALID_OPTION', `'${c.slice(0, 70)}' is not a tag`, { hint: "1-64 letters, digits, '-', '_', '.' or ':' — e.g. gold" })
      return tag
    }
    const add = changes.map(tagOf)
    const remove = (ctx.values.remove ?? []).map(tagOf)
    const input = tenantArgument(tenantArg, ctx.commandPath)
    const registry = await openRegistry(ctx, ctx.values)
    try {
      const row = await registry.call('tag', { tenant: input, add, remove })
      if (!row) throw tenantNotFound(input)
      if (ctx.json) return void ctx.printJson({ tenantId: row.tenant_id, name: row.display_name, tags: row.tags })
      ctx.print(`${tenantLabel(row)}: ${row.tags.length ? row.tags.join(', ') : 'no tags'}`)
    } finally {
      await registry.close()
    }
  },
})
