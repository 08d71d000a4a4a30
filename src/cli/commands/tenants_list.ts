import { formatLag, tenantSummaries } from '../../sync/index.js'
import { defineCommand } from '../command.js'
import { expectPositionals } from '../parse.js'
import { openSyncStore, storageOptions } from './sync_options.js'

export default defineCommand({
  name: 'list',
  summary: 'List the tenants with health, last sync and lag',
  options: { ...storageOptions },
  examples: ['m365d tenants list', 'm365d tenants list --json'],
  async run(ctx) {
    expectPositionals(ctx.positionals, 0, ctx.commandPath)
    const { db } = await openSyncStore(ctx, ctx.values)
    try {
      const tenants = await tenantSummaries(db)
      if (ctx.json) return void ctx.printJson({ tenants })
      if (!tenants.length) return void ctx.print('no tenants yet: m365d tenants add <TENANT-ID|DOMAIN> (or m365d tenants onboard)')
      const rows = tenants.map((t) => [
        t.tenantId,
        t.name ?? t.domain ?? '',
        t.enabled ? t.health : 'disabled',
        t.lastSync ? t.lastSync.replace(/\.\d+Z$/, 'Z') : 'never',
        formatLag(t.lagSeconds),
        String(t.incidents),
        String(t.alerts),
      ])
      const header = ['TENANT', 'NAME', 'HEALTH', 'LAST SYNC', 'LAG', 'INCIDENTS', 'ALERTS']
      const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
      for (const r of [header, ...rows]) ctx.print(r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd())
      for (const t of tenants) if (t.problem?.hint) ctx.print(`${t.tenantId}: ${t.problem.message ?? t.problem.code ?? ''}\n  fix: ${t.problem.hint}`)
    } finally {
      await db.close()
    }
  },
})
