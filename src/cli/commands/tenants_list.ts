import { formatLag } from '../../sync/index.js'
import { defineCommand } from '../command.js'
import type { Column } from '../output/table.js'
import { expectPositionals } from '../parse.js'
import { openRegistry } from '../registry_access.js'
import { storageOptions } from './sync_options.js'

export default defineCommand({
  name: 'list',
  summary: 'List the tenants with health, last sync and lag',
  options: { ...storageOptions },
  examples: ['m365d tenants list', 'm365d tenants list --json'],
  async run(ctx) {
    expectPositionals(ctx.positionals, 0, ctx.commandPath)
    const registry = await openRegistry(ctx, ctx.values)
    try {
      const tenants = await registry.call('summaries', {})
      type T = (typeof tenants)[number]
      const columns: Column<T>[] = [
        { key: 'tenantId', header: 'TENANT', keep: true },
        { key: 'name', header: 'NAME', get: (t) => t.name ?? t.domain ?? '', flex: true },
        { key: 'health', header: 'HEALTH', get: (t) => (t.enabled ? t.health : 'disabled') },
        { key: 'surface', header: 'API', get: (t) => `${t.surface ?? '-'}${t.api ? ' (pinned)' : ''}` },
        { key: 'lastSync', header: 'LAST SYNC', get: (t) => t.lastSync ?? 'never', time: true },
        { key: 'lag', header: 'LAG', get: (t) => formatLag(t.lagSeconds) },
        { key: 'incidents', header: 'INCIDENTS', right: true },
        { key: 'alerts', header: 'ALERTS', right: true },
      ]
      ctx.printJson({ tenants }, { rows: (d) => d.tenants, columns, empty: 'no tenants yet: m365d tenants add <TENANT-ID|DOMAIN> (or m365d tenants onboard)' })
      // Fixes are for people: on stderr, so the table on stdout stays rows only.
      if (!ctx.json) for (const t of tenants) if (t.problem?.hint) ctx.feedback.notice(`${t.tenantId}: ${t.problem.message ?? t.problem.code ?? ''}\n  fix: ${t.problem.hint}`)
    } finally {
      await registry.close()
    }
  },
})
