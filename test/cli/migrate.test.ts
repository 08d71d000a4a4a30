// Issue 8 §1–§2 through the real executable: Graph by default, one stderr line for legacy use,
// per-tenant readiness in `tenants check`, `migrate check` and its exit codes, a pinned tenant.
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { daysUntilLegacyRetirement } from '../../src/defender/index.js'
import { createEmulator, serve, WELL_KNOWN as W, type Emulator, type RunningEmulator } from '../../src/emulator/index.js'
import { emulatorEnv } from '../sync/process/_rig.js'
import { runCli, tempDir } from './_cli.js'

const LEGACY_ONLY = [{ resource: 'https://api.security.microsoft.com', roles: ['Incident.Read.All', 'AdvancedHunting.Read.All'] }]
const LEGACY_LINE = /warning: the legacy Microsoft 365 Defender API .*stops working on 1 Feb 2027 .*`m365d migrate check`/

describe('Graph first: defaults, the legacy notice, readiness and migrate check', () => {
  let emu: Emulator
  let srv: RunningEmulator
  let env: Record<string, string>
  const dataDir = join(tempDir('m365d-migrate-'), 'data')

  before(async () => {
    emu = await createEmulator({ defender: { incidentsPerTenant: 30 } })
    emu.defender.limits = { ...emu.defender.limits, enabled: false }
    srv = await serve(emu)
    env = emulatorEnv(srv.url, { M365D_DATA_DIR: dataDir, M365D_TENANT_ID: W.contosoTenantId })
    // Tailspin: consented for the legacy Defender API only, like most customer tenants today.
    emu.directory.consent(W.tailspinTenantId, W.clientId, LEGACY_ONLY)
    emu.directory.setRoles(W.tailspinTenantId, W.clientId, 'https://graph.microsoft.com', [])
  })
  after(() => srv.close())

  test('incidents and hunt use Graph by default, with no notice; --api legacy, M365D_API and config "api" use legacy with ONE stderr line', async () => {
    const graph = await runCli(['incidents', 'list', '--top', '3', '-o', 'json'], { env })
    assert.equal(graph.code, 0, graph.stderr)
    assert.ok((JSON.parse(graph.stdout) as { id: unknown; lastUpdateDateTime: unknown }[]).every((i) => typeof i.id === 'string' && typeof i.lastUpdateDateTime === 'string'))
    assert.equal(graph.stderr, '')
    const hunt = await runCli(['hunt', 'AlertInfo | take 1', '-o', 'json'], { env })
    assert.equal(hunt.code, 0, hunt.stderr)
    assert.equal(hunt.stderr, '')
    assert.ok(emu.requests.list().some((r) => r.url.endsWith('/v1.0/security/runHuntingQuery')))

    const configDir = tempDir('m365d-migrate-config-')
    writeFileSync(join(configDir, 'config.json'), JSON.stringify({ api: 'legacy' }))
    for (const [args, extra] of [
      [['incidents', 'list', '--top', '3', '-o', 'json', '--api', 'legacy'], {}],
      [['incidents', 'list', '--top', '3', '-o', 'json'], { M365D_API: 'legacy' }],
      [['incidents', 'list', '--top', '3', '-o', 'json', '--config', join(configDir, 'config.json')], {}],
    ] as const) {
      const r = await runCli([...args], { env: { ...env, ...extra } })
      assert.equal(r.code, 0, r.stderr)
      assert.ok((JSON.parse(r.stdout) as { incidentId: unknown }[]).every((i) => typeof i.incidentId === 'number'), 'legacy documents')
      assert.match(r.stderr, LEGACY_LINE)
      assert.equal(r.stderr.trimEnd().split('\n').length, 1, `exactly one line: ${r.stderr}`)
    }
    const bad = await runCli(['incidents', 'list', '--api', 'beta'], { env })
    assert.equal(bad.code, 2)
    assert.match(bad.stderr, /neither graph nor legacy/)
  })

  test('tenants check: Graph readiness per tenant; a legacy-only tenant is needs_graph_consent with the Graph consent link and the days left', async () => {
    for (const t of [W.contosoTenantId, W.tailspinTenantId, W.woodgroveTenantId]) assert.equal((await runCli(['tenants', 'add', t], { env })).code, 0)
    const r = await runCli(['tenants', 'check', '--json'], { env })
    assert.equal(r.code, 1, r.stderr)
    type Check = { tenantId: string; ok: boolean; status: string; graph?: { ready: boolean; missingGraphRoles: string[]; daysLeft: number; consentLink: string }; problems: { code: string; fix: string }[] }
    const out = JSON.parse(r.stdout) as { tenants: Check[] }
    const of = (id: string) => out.tenants.find((t) => t.tenantId === id)!
    assert.equal(of(W.contosoTenantId).status, 'ready')
    assert.equal(of(W.contosoTenantId).graph?.ready, true)
    const tailspin = of(W.tailspinTenantId)
    assert.equal(tailspin.status, 'needs_graph_consent')
    assert.equal(tailspin.graph?.ready, false)
    assert.deepEqual(tailspin.graph?.missingGraphRoles, ['SecurityIncident.Read.All', 'SecurityAlert.Read.All', 'ThreatHunting.Read.All'])
    assert.equal(tailspin.graph?.daysLeft, daysUntilLegacyRetirement())
    const link = new URL(tailspin.graph!.consentLink)
    assert.equal(`${link.origin}${link.pathname}`, `${srv.url}/${W.tailspinTenantId}/v2.0/adminconsent`)
    assert.equal(link.searchParams.get('scope'), 'https://graph.microsoft.com/.default')
    assert.ok(tailspin.problems.some((p) => p.code === 'needs_graph_consent' && p.fix.includes(tailspin.graph!.consentLink)))
    assert.equal(of(W.woodgroveTenantId).status, 'not_consented')
    // The health report says the same.
    const list = JSON.parse((await runCli(['tenants', 'list', '--json'], { env })).stdout) as { tenants: { tenantId: string; health: string; problem: { hint?: string } | null }[] }
    const row = list.tenants.find((t) => t.tenantId === W.tailspinTenantId)!
    assert.equal(row.health, 'needs_graph_consent')
    assert.ok(row.problem?.hint?.includes('/v2.0/adminconsent'))
  })

  test('migrate check: exit 1 naming what is missing; exit 0 once every tenant is ready and consistent', async () => {
    const all = await runCli(['migrate', 'check', '--all-tenants', '--json'], { env })
    assert.equal(all.code, 1, all.stderr)
    type Report = { tenantId: string; status: string; ok: boolean; legacy: { incidents: number }; graph: { incidents: number }; onlyLegacy: string[]; onlyGraph: string[]; differences: unknown[] }
    const reports = (JSON.parse(all.stdout) as { tenants: Report[] }).tenants
    const of = (id: string) => reports.find((t) => t.tenantId === id)!
    assert.equal(of(W.contosoTenantId).status, 'ready')
    assert.ok(of(W.contosoTenantId).legacy.incidents > 0)
    assert.equal(of(W.contosoTenantId).legacy.incidents, of(W.contosoTenantId).graph.incidents)
    assert.equal(of(W.tailspinTenantId).status, 'needs_graph_consent')
    assert.equal(of(W.woodgroveTenantId).status, 'error')

    const one = await runCli(['migrate', 'check', '--tenant', `${W.contosoTenantId},fabrikam.onmicrosoft.com`, '--since', '7d'], { env })
    assert.equal(one.code, 0, one.stderr + one.stdout)
    assert.match(one.stdout, new RegExp(`✓ ${W.contosoTenantId}  ready`))
    assert.match(one.stdout, /only on legacy: {2}-/)
    assert.match(one.stdout, /2 of 2 tenants ready for Graph and consistent/)

    // The customer's admin grants the Graph permissions: the tenant becomes ready.
    emu.directory.consent(W.tailspinTenantId, W.clientId)
    const after = await runCli(['migrate', 'check', '--tenant', W.tailspinTenantId, '--json'], { env })
    assert.equal(after.code, 0, after.stdout)

    const usage = await runCli(['migrate', 'check', '--tenant', W.contosoTenantId, '--all-tenants'], { env })
    assert.equal(usage.code, 2)
    const since = await runCli(['migrate', 'check', '--since', 'a week'], { env })
    assert.equal(since.code, 2)
  })

  test('sync: a tenant pinned to legacy syncs on legacy (one notice line), the others on Graph', async () => {
    const pinned = await runCli(['tenants', 'add', W.fabrikamTenantId, '--api', 'legacy', '--json'], { env })
    assert.equal(pinned.code, 0, pinned.stderr)
    assert.equal(JSON.parse(pinned.stdout).api, 'legacy')
    const r = await runCli(['sync', '--once', '--json', '--backfill', '200d'], { env })
    const out = JSON.parse(r.stdout) as { tenants: { tenantId: string; ok: boolean }[] }
    assert.equal(out.tenants.find((t) => t.tenantId === W.fabrikamTenantId)?.ok, true, r.stderr)
    assert.equal(out.tenants.find((t) => t.tenantId === W.contosoTenantId)?.ok, true, r.stderr)
    // The daemon logs it as one (JSON) log record.
    const notices = r.stderr.split('\n').filter((l) => l.includes('M365D_LEGACY_API'))
    assert.equal(notices.length, 1, r.stderr)
    assert.match(notices[0]!, /1 Feb 2027.*m365d migrate check/)
    const list = JSON.parse((await runCli(['tenants', 'list', '--json'], { env })).stdout) as { tenants: { tenantId: string; surface: string; api: string | null }[] }
    const of = (id: string) => list.tenants.find((t) => t.tenantId === id)!
    assert.deepEqual([of(W.fabrikamTenantId).surface, of(W.fabrikamTenantId).api], ['legacy', 'legacy'])
    assert.deepEqual([of(W.contosoTenantId).surface, of(W.contosoTenantId).api], ['graph', null])
  })
})
