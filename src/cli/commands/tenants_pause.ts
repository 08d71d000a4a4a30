import { defineCommand, type Command } from '../command.js'
import { expectPositionals } from '../parse.js'
import { openRegistry } from '../registry_access.js'
import { storageOptions } from './sync_options.js'
import { tenantArgument, tenantLabel, tenantNotFound } from './tenant_ref.js'

/** `tenants pause` and `tenants resume`: the same operation with the flag the other way round. */
function pauseCommand(paused: boolean): Command {
  return defineCommand({
    name: paused ? 'pause' : 'resume',
    summary: paused ? 'Stop syncing a tenant for now; it stays in the registry with its data' : 'Sync a paused tenant again (due at once, backoff reset)',
    usage: '<TENANT-ID|DOMAIN>',
    description: paused
      ? `\nA paused tenant keeps its data, health and tags; the daemon stops leasing it within a tick and\n'hunt --all-tenants' / 'incidents list --all-tenants' skip it. 'tenants resume' undoes it.`
      : `\nThe tenant becomes due at once with its failure backoff cleared, so a running daemon syncs it within seconds.`,
    options: { ...storageOptions },
    examples: [`m365d tenants ${paused ? 'pause' : 'resume'} contoso.onmicrosoft.com`],
    async run(ctx) {
      expectPositionals(ctx.positionals, 1, ctx.commandPath)
      const input = tenantArgument(ctx.positionals[0], ctx.commandPath)
      const registry = await openRegistry(ctx, ctx.values)
      try {
        const row = await registry.call('pause', { tenant: input, paused })
        if (!row) throw tenantNotFound(input)
        if (ctx.json) return void ctx.printJson({ tenantId: row.tenant_id, name: row.display_name, domain: row.domain, enabled: row.enabled, pausedAt: row.paused_at ? new Date(row.paused_at).toISOString() : null })
        ctx.print(`${paused ? 'paused' : 'resumed'} ${tenantLabel(row)}`)
      } finally {
        await registry.close()
      }
    },
  })
}

export const tenantsPause = pauseCommand(true)
export const tenantsResume = pauseCommand(false)
