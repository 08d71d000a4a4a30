import { resolveTenantId } from '../../auth/tenant_discovery.js'
import { checkTenant, type TenantCheck } from '../../sync/index.js'
import { tenantLabel } from './tenant_ref.js'
import { openApp } from '../app_settings.js'
import { openRegistry } from '../registry_access.js'
import { defineCommand } from '../command.js'
import { CliError, ExitCode } from '../errors.js'
import { appOptions, storageOptions } from './sync_options.js'

export default defineCommand({
  name: 'check',
  summary: 'Per tenant: consent, roles granted vs needed, Graph readiness, API reachable, last sync — with the fix for each problem',
  usage: '[TENANT…]',
  description: `
For each tenant (default: every tenant in the sync set) gets a token and makes one minimal API call
(list incidents, $top=1), and says whether the Microsoft Graph roles are granted: the legacy API
stops working on 1 Feb 2027. A tenant that granted only the legacy roles is needs_graph_consent,
with the consent link that asks for the Graph permissions and the days left (the daemon syncs it on
legacy until then and switches it to Graph by itself on the pass after the consent).
Exit 0 when every tenant is ready, 1 when one is not (needs_graph_consent included).`,
  options: {
    ...storageOptions,
    ...appOptions,
    surface: { type: 'string', valueName: 'graph|legacy', hidden: true, description: 'Same as --api (older name)' },
    'redirect-uri': { type: 'string', valueName: 'URI', description: 'Registered redirect URI for the Graph consent link (default http://localhost:9464/consent/callback)' },
    alerts: { type: 'boolean', description: 'Also check Graph alerts_v2 (SecurityAlert.Read.All)' },
  },
  examples: ['m365d tenants check', 'm365d tenants check 72f988bf-86f1-41af-91ab-2d7cd011db47 --json'],
  async run(ctx) {
    const v = ctx.values
    if (v.surface !== undefined && v.surface !== 'legacy' && v.surface !== 'graph') throw new CliError('ERR_CLI_INVALID_OPTION', `unknown --surface '${v.surface.slice(0, 20)}'`, { hint: 'use --api graph or --api legacy' })
    const app = await openApp(ctx, v, { tenantOptional: true })
    const surface = (v.surface as 'legacy' | 'graph' | undefined) ?? app.config.api
    const checks: NamedCheck[] = []
    let registry
    try {
      registry = await openRegistry(ctx, v, { config: app.config })
      const tenants = await registry.call('all', {})
      const known = tenants.map((t) => t.tenant_id)
      // Named as 'tenants add' accepts them: id or domain; a tenant not (yet) in the registry is checked too.
      const ids: string[] = []
      for (const input of ctx.positionals) ids.push((await registry.call('find', { tenant: input }))?.tenant_id ?? (await resolveTenantId(input, { authorityHost: app.cloud.authorityHost })))
      if (!ctx.positionals.length) ids.push(...known)
      if (!ids.length) throw new CliError('ERR_CLI_NO_TENANTS', 'no tenants to check', { hint: 'add one: m365d tenants add <TENANT-ID|DOMAIN>' })
      for (const tenantId of ids) {
        const row = tenants.find((t) => t.tenant_id === tenantId)
        const probed = await checkTenant({
          tokenProvider: app.tokens,
          clientId: app.clientId,
          authorityHost: app.cloud.authorityHost,
          tenantId,
          // A tenant pinned in the registry is checked on its own API.
          surface: row?.api ?? surface,
          ...(v['redirect-uri'] !== undefined && { consentRedirectUri: v['redirect-uri'] }),
          alerts: v.alerts === true,
          defenderApi: app.cloud.defenderApi,
          graphApi: app.cloud.graphApi,
          defenderResource: app.cloud.defenderResource,
          graphResource: app.cloud.graphResource,
        })
        // A registry tenant's health is recorded in the store (through the daemon when it owns it).
        const check = known.includes(tenantId) ? await registry.call('recordCheck', { check: probed }) : probed
        const named = { ...check, name: row?.display_name ?? null, domain: row?.domain ?? null }
        checks.push(named)
        if (!ctx.json) print(ctx, named)
      }
    } finally {
      app.close()
      await registry?.close()
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
            { key: 'status' },
            { key: 'graphReady', get: (c: TenantCheck) => c.graph?.ready ?? null },
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
  ctx.print(`\n${c.ok ? '✓' : '✗'} ${tenantLabel({ display_name: c.name, domain: c.domain, tenant_id: c.tenantId })}  ${c.status}`)
  ctx.print(`  consent:       ${yesNo(c.consent)}`)
  ctx.print(`  roles needed:  ${c.rolesNeeded.join(', ')}`)
  ctx.print(`  roles granted: ${c.rolesGranted.join(', ') || '-'}`)
  if (c.graph) ctx.print(`  Graph ready:   ${c.graph.ready ? 'yes' : `no (missing ${c.graph.missingGraphRoles.join(', ')}; legacy API stops 1 Feb 2027, ${c.graph.daysLeft} days left)`}`)
  ctx.print(`  API reachable: ${yesNo(c.consent ? c.apiReachable : undefined)}`)
  if (c.lastSync !== undefined) ctx.print(`  last sync:     ${c.lastSync ?? 'never'}`)
  for (const p of c.problems) {
    ctx.print(`  problem: ${p.message}`)
    ctx.print(`  fix:     ${p.fix}`)
  }
}
