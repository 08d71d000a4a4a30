import { resolveTenantId } from '../../auth/tenant_discovery.js'
import { checkTenant, findTenant, listTenants, type TenantCheck } from '../../sync/index.js'
import { tenantLabel } from './tenant_ref.js'
import { openAppWithStore } from '../app_settings.js'
import { defineCommand } from '../command.js'
import { CliError, ExitCode } from '../errors.js'
import { appOptions, storageOptions } from './sync_options.js'

export default defineCommand({
  name: 'check',
  summary: 'Per tenant: consent, roles granted vs needed, API reachable, last sync — with the fix for each problem',
  usage: '[TENANT…]',
  description: `
For each tenant (default: every tenant in the sync set) gets a token and makes one minimal API call
(list incidents, $top=1). Exit 0 when every tenant is ready, 1 when one is not.`,
  options: {
    ...storageOptions,
    ...appOptions,
    surface: { type: 'string', valueName: 'legacy|graph', description: 'Incidents surface the daemon reads (default legacy)' },
    alerts: { type: 'boolean', description: 'Also check Graph alerts_v2 (SecurityAlert.Read.All)' },
  },
  examples: ['m365d tenants check', 'm365d tenants check 72f988bf-86f1-41af-91ab-2d7cd011db47 --json'],
  async run(ctx) {
    const v = ctx.values
    const surface = v.surface ?? 'legacy'
    if (surface !== 'legacy' && surface !== 'graph') throw new CliError('ERR_CLI_INVALID_OPTION', `unknown --surface '${surface.slice(0, 20)}'`, { hint: 'use legacy or graph' })
    const { app, store } = await openAppWithStore(ctx, v)
    const { db } = store
    const checks: NamedCheck[] = []
    try {
      const registry = await listTenants(db)
      const known = registry.map((t) => t.tenant_id)
      // Named as 'tenants add' accepts them: id or domain; a tenant not (yet) in the registry is checked too.
      const ids: string[] = []
      for (const input of ctx.positionals) ids.push((await findTenant(db, input))?.tenant_id ?? (await resolveTenantId(input, { authorityHost: app.cloud.authorityHost })))
      if (!ctx.positionals.length) ids.push(...known)
      if (!ids.length) throw new CliError('ERR_CLI_NO_TENANTS', 'no tenants to check', { hint: 'add one: m365d tenants add <TENANT-ID|DOMAIN>' })
      for (const tenantId of ids) {
        const row = registry.find((t) => t.tenant_id === tenantId)
        const check = await checkTenant({
          tokenProvider: app.tokens,
          clientId: app.clientId,
          authorityHost: app.cloud.authorityHost,
          tenantId,
          surface,
          alerts: v.alerts === true,
          defenderApi: app.cloud.defenderApi,
          graphApi: app.cloud.graphApi,
          defenderResource: app.cloud.defenderResource,
          graphResource: app.cloud.graphResource,
          ...(known.includes(tenantId) && { db }),
        })
        const named = { ...check, name: row?.display_name ?? null, domain: row?.domain ?? null }
        checks.push(named)
        if (!ctx.json) print(ctx, named)
      }
    } finally {
      app.close()
      await db.close()
    }
    const failing = checks.filter((c) => !c.ok).length
    if (ctx.json)
      ctx.printJson(
        { ok: failing === 0, tenants: checks },
        {
          rows: (d) => d.tenants,
          columns: [
            { key: 'tenantId' },
            { key: 'name', get: (c: NamedCheck) => c.name ?? c.domain ?? '' },
            { key: 'ok' },
            { key: 'consent' },
            { key: 'apiReachable' },
            { key: 'rolesGranted', get: (c: TenantCheck) => c.rolesGranted.join(' ') },
            { key: 'problems', get: (c: TenantCheck) => c.problems.map((p) => p.message).join('; ') },
          ],
        },
      )
    else ctx.print(`\n${checks.length - failing} of ${checks.length} tenants ready`)
    return failing ? ExitCode.checkFailed : ExitCode.ok
  },
})

type NamedCheck = TenantCheck & { name: string | null; domain: string | null }

function print(ctx: { print(text: string): void }, c: NamedCheck): void {
  const yesNo = (b: boolean | undefined) => (b === undefined ? 'unknown' : b ? 'yes' : 'no')
  ctx.print(`\n${c.ok ? '✓' : '✗'} ${tenantLabel({ display_name: c.name, domain: c.domain, tenant_id: c.tenantId })}`)
  ctx.print(`  consent:       ${yesNo(c.consent)}`)
  ctx.print(`  roles needed:  ${c.rolesNeeded.join(', ')}`)
  ctx.print(`  roles granted: ${c.rolesGranted.join(', ') || '-'}`)
  ctx.print(`  API reachable: ${yesNo(c.consent ? c.apiReachable : undefined)}`)
  if (c.lastSync !== undefined) ctx.print(`  last sync:     ${c.lastSync ?? 'never'}`)
  for (const p of c.problems) {
    ctx.print(`  problem: ${p.message}`)
    ctx.print(`  fix:     ${p.fix}`)
  }
}
