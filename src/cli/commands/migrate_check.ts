import { migrateCheck, type TenantMigrationReport } from '../../sync/index.js'
import { openApp, storageFrom } from '../app_settings.js'
import type { CliConfig } from '../config.js'
import { defineCommand } from '../command.js'
import { validateTenant } from '../config.js'
import { CliError, ExitCode } from '../errors.js'
import { expectPositionals } from '../parse.js'
import { openRegistry } from '../registry_access.js'
import { appOptions, parseCount, parseDuration, storageOptions } from './sync_options.js'

export default defineCommand({
  name: 'check',
  summary: 'Per tenant: Graph roles granted, and the same window listed on both APIs — counts, ids on one side only, fields that differ',
  description: `
For each tenant: reads the roles of its Graph token (SecurityIncident.Read.All, SecurityAlert.Read.All,
ThreatHunting.Read.All) and lists the incidents updated in the window (--since, default 30d, up to
the moment the check starts) on the legacy API and on Graph ($expand=alerts), then compares them after
mapping each API's names and spellings (status Active/active, determination Clean/notMalicious, tags
/customTags, alert ids…): counts, ids present on one side only, and fields that differ. An incident
changed while the check runs is read again on both sides and reported as changed, not as a mismatch.

Tenants: --tenant A[,B…], or --all-tenants (every enabled tenant in the sync registry, see
'm365d tenants'); with neither, the registry's tenants, else M365D_TENANT_ID.

Exit codes: 0 every tenant is ready for Graph and consistent; 1 at least one is not
(needs_graph_consent, inconsistent, or its check failed — each with its fix); 2 bad command line or
configuration.`,
  options: {
    ...storageOptions,
    ...appOptions,
    'all-tenants': { type: 'boolean', description: 'Every enabled tenant in the sync registry' },
    since: { type: 'string', valueName: 'DURATION', description: 'Window: incidents updated in the last DURATION (default 30d)' },
    concurrency: { type: 'string', valueName: 'N', description: 'Tenants checked at once (default 4)' },
    'redirect-uri': { type: 'string', valueName: 'URI', description: 'Registered redirect URI for the Graph consent link (default http://localhost:9464/consent/callback)' },
  },
  examples: ['m365d migrate check --all-tenants', 'm365d migrate check --tenant contoso.onmicrosoft.com,fabrikam.onmicrosoft.com --since 7d', 'm365d migrate check --all-tenants --json > parity.json'],
  async run(ctx) {
    expectPositionals(ctx.positionals, 0, ctx.commandPath)
    const v = ctx.values
    if (v.tenant !== undefined && v['all-tenants']) throw new CliError('ERR_CLI_INVALID_OPTION', '--tenant and --all-tenants are exclusive', { hint: 'name tenants with --tenant a,b or take the whole registry with --all-tenants' })
    const sinceMs = parseDuration(v.since ?? '30d', 'since')
    const concurrency = v.concurrency !== undefined ? parseCount(v.concurrency, 'concurrency') : 4
    const named = v.tenant?.split(',').map((t) => t.trim()).filter(Boolean)
    for (const t of named ?? []) validateTenant(t, 'flag')
    // The tenant flag names the tenants to check here; the app itself is multi-tenant.
    const app = await openApp(ctx, { ...v, tenant: undefined }, { tenantOptional: true })
    let tenants: string[]
    try {
      tenants = named ?? (await registryTenants(ctx, app.config, v['all-tenants'] === true)) ?? (app.tenant ? [app.tenant] : [])
    } catch (e) {
      app.close()
      throw e
    }
    if (!tenants.length) {
      app.close()
      throw new CliError('ERR_CLI_NO_TENANTS', 'no tenants to check', { hint: v['all-tenants'] ? 'add tenants: m365d tenants add <TENANT-ID|DOMAIN>' : 'pass --tenant GUID|DOMAIN, --all-tenants, or set M365D_TENANT_ID' })
    }
    const since = new Date(Date.now() - sinceMs)
    const reports: TenantMigrationReport[] = []
    const region = !ctx.json && tenants.length > 1 ? ctx.feedback.region() : undefined
    try {
      const queue = [...tenants]
      const worker = async () => {
        for (let t = queue.shift(); t !== undefined; t = queue.shift()) {
          reports.push(
            await migrateCheck({
              tokenProvider: app.tokens,
              tenantId: t,
              since,
              clientId: app.clientId,
              authorityHost: app.cloud.authorityHost,
              defenderApi: app.cloud.defenderApi,
              graphApi: app.cloud.graphApi,
              defenderResource: app.cloud.defenderResource,
              graphResource: app.cloud.graphResource,
              rateLimiter: app.rateLimiter,
              ...(v['redirect-uri'] !== undefined && { consentRedirectUri: v['redirect-uri'] }),
              ...(ctx.io.signal && { signal: ctx.io.signal }),
            }),
          )
          region?.set([`checked ${reports.length}/${tenants.length} tenants…`])
        }
      }
      await Promise.all(Array.from({ length: Math.min(concurrency, tenants.length) }, worker))
    } finally {
      region?.clear()
      app.close()
    }
    const order = new Map(tenants.map((t, i) => [t.toLowerCase(), i]))
    reports.sort((a, b) => (order.get(a.tenantId.toLowerCase()) ?? 0) - (order.get(b.tenantId.toLowerCase()) ?? 0))
    const failing = reports.filter((r) => !r.ok).length
    if (ctx.json) ctx.printJson({ ok: failing === 0, since: since.toISOString(), tenants: reports })
    else {
      for (const r of reports) print(ctx, r)
      ctx.print(`\n${reports.length - failing} of ${reports.length} tenants ready for Graph and consistent`)
    }
    return failing ? ExitCode.checkFailed : ExitCode.ok
  },
})

/** Enabled tenants of the sync registry: always with --all-tenants; without it only when the store exists and has some. */
async function registryTenants(ctx: Parameters<typeof openRegistry>[0], config: CliConfig, required: boolean): Promise<string[] | undefined> {
  const selection = storageFrom(config)
  if (!required && 'dataDir' in selection && !(await exists(selection.dataDir))) return undefined
  const registry = await openRegistry(ctx, {}, { config })
  try {
    const ids = (await registry.call('all', {})).filter((t) => t.enabled).map((t) => t.tenant_id)
    return ids.length || required ? ids : undefined
  } finally {
    await registry.close()
  }
}

async function exists(path: string | undefined): Promise<boolean> {
  if (!path) return false
  const { stat } = await import('node:fs/promises')
  return stat(path).then(() => true, () => false)
}

function print(ctx: { print(text: string): void }, r: TenantMigrationReport): void {
  const list = (ids: string[]) => (ids.length ? `${ids.slice(0, 10).join(', ')}${ids.length > 10 ? ` … (${ids.length})` : ''}` : '-')
  ctx.print(`\n${r.ok ? '✓' : '✗'} ${r.tenantId}  ${r.status}   window ${r.window.since.slice(0, 16)}Z → ${r.window.until.slice(0, 16)}Z`)
  if (r.readiness) ctx.print(`  Graph roles:     ${r.readiness.ready ? 'granted' : `missing ${r.readiness.missingGraphRoles.join(', ')}`}${r.readiness.ready && r.readiness.missingGraphRoles.length ? ` (not granted: ${r.readiness.missingGraphRoles.join(', ')})` : ''}`)
  const side = (s: TenantMigrationReport['legacy']) => (s.listed ? `${s.incidents} incidents, ${s.alerts} alerts` : s.error ? `not listed (${s.error.code})` : 'not listed')
  ctx.print(`  legacy API:      ${side(r.legacy)}`)
  ctx.print(`  Graph:           ${side(r.graph)}`)
  if (r.legacy.listed && r.graph.listed) {
    ctx.print(`  only on legacy:  ${list(r.onlyLegacy)}`)
    ctx.print(`  only on Graph:   ${list(r.onlyGraph)}`)
    ctx.print(`  differences:     ${r.differences.length ? '' : '-'}`)
    for (const d of r.differences.slice(0, 20)) ctx.print(`    incident ${d.id} ${d.field}: legacy ${JSON.stringify(d.legacy)} ≠ Graph ${JSON.stringify(d.graph)}`)
    if (r.differences.length > 20) ctx.print(`    … ${r.differences.length - 20} more (--json for all)`)
    if (r.changedDuringCheck.length) ctx.print(`  changed while checking (not counted): ${list(r.changedDuringCheck)}`)
    if (!r.alertsCompared) ctx.print('  alert ids:       not compared (Graph could not $expand=alerts)')
  }
  for (const p of r.problems) {
    ctx.print(`  problem: ${p.message}`)
    ctx.print(`  fix:     ${p.fix}`)
  }
}
