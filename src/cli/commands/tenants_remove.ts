import { removeTenant } from '../../sync/index.js'
import { defineCommand } from '../command.js'
import { CliError, ExitCode } from '../errors.js'
import { expectPositionals } from '../parse.js'
import { openSyncStore, storageOptions } from './sync_options.js'

export default defineCommand({
  name: 'remove',
  summary: 'Stop syncing a tenant (--purge also deletes its synced data)',
  usage: '<TENANT-ID>',
  options: {
    ...storageOptions,
    purge: { type: 'boolean', description: "Also delete the tenant's incidents, alerts, history and sync state" },
  },
  examples: ['m365d tenants remove 72f988bf-86f1-41af-91ab-2d7cd011db47', 'm365d tenants remove 72f988bf-86f1-41af-91ab-2d7cd011db47 --purge'],
  async run(ctx) {
    expectPositionals(ctx.positionals, 1, ctx.commandPath)
    const id = ctx.positionals[0]
    if (id === undefined) throw new CliError('ERR_CLI_MISSING_ARGUMENT', `${ctx.commandPath} needs a tenant id`, { hint: 'see m365d tenants list' })
    const { db } = await openSyncStore(ctx, ctx.values)
    try {
      const removed = await removeTenant(db, id, { purge: ctx.values.purge === true })
      if (!removed) {
        throw new CliError('ERR_CLI_TENANT_NOT_FOUND', `tenant ${id.slice(0, 40)} is not in the sync set`, { hint: 'see m365d tenants list', exitCode: ExitCode.checkFailed })
      }
      if (ctx.json) return void ctx.printJson({ tenantId: id.toLowerCase(), removed, purged: ctx.values.purge === true })
      ctx.print(`removed ${id.toLowerCase()}${ctx.values.purge ? ' and deleted its synced data' : ' (its synced data stays; --purge deletes it)'}`)
    } finally {
      await db.close()
    }
  },
})
