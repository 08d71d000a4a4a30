import { strict as assert } from 'node:assert'
import { test } from 'node:test'
import { WELL_KNOWN } from '../../src/emulator/index.js'
import { runCli } from './_cli.js'

// Generous timeouts: creating the embedded database took 68 s on the shared 2-core machine at load 33.
test('m365d start --duration: token reports, then a live sync with every tenant in its expected state', { timeout: 300_000 }, async () => {
  const r = await runCli(['start', '--duration', '8s', '--interval', '1s', '--json'], { timeoutMs: 240_000 })
  assert.equal(r.code, 0, r.stderr)
  const out = JSON.parse(r.stdout) as {
    emulator: string
    tokenChecks: { requiredRoles: string[]; tenants: { name: string; ok: boolean }[] }
    tenants: { tenantId: string; health: string; incidents: number; alerts: number; lastSync: string | null; problem: { hint?: string } | null }[]
  }
  // The demo's token validation reports come first.
  assert.deepEqual(out.tokenChecks.tenants.map((t) => [t.name, t.ok]), [['home', true], ['contoso', true], ['fabrikam', true], ['tailspin', false], ['woodgrove', false]])
  const of = (id: string) => out.tenants.find((t) => t.tenantId === id)!
  for (const id of [WELL_KNOWN.contosoTenantId, WELL_KNOWN.fabrikamTenantId]) {
    assert.equal(of(id).health, 'ok')
    assert.ok(of(id).incidents > 0 && of(id).alerts > 0)
    assert.ok(of(id).lastSync)
  }
  assert.equal(of(WELL_KNOWN.tailspinTenantId).health, 'missing_roles')
  assert.equal(of(WELL_KNOWN.woodgroveTenantId).health, 'not_consented')
  assert.ok(of(WELL_KNOWN.woodgroveTenantId).problem?.hint?.includes('consent'))
  // Graph first: Graph token checks, and no legacy use anywhere (it would warn once, M365D_LEGACY_API).
  assert.deepEqual(out.tokenChecks.requiredRoles, ['SecurityIncident.Read.All', 'SecurityAlert.Read.All', 'ThreatHunting.Read.All'])
  assert.doesNotMatch(r.stderr, /M365D_LEGACY_API|DeprecationWarning|api\.security\.microsoft\.com/)
})

test('m365d start without a terminal prints plain periodic summaries and stops cleanly', { timeout: 300_000 }, async () => {
  const r = await runCli(['start', '--duration', '6s', '--refresh', '2s', '--skip-demo'], { timeoutMs: 240_000 })
  assert.equal(r.code, 0, r.stderr)
  assert.ok(!r.stdout.includes('\x1b['), 'no terminal escapes on a pipe')
  assert.match(r.stdout, /── live summary after \d+s ──/)
  assert.match(r.stdout, /── final summary after \d+s ──\nTENANT +HEALTH +INCIDENTS +ALERTS +LAG +LAST SYNC\n/)
  assert.match(r.stdout, /Woodgrove Bank +not_consented/)
  assert.match(r.stdout, /stopped cleanly after \d+s of syncing/)
  // A new temporary store each run: the step says so, and how to keep one (not "first run only").
  assert.match(r.stderr, /Creating a temporary embedded database \(~20 s; --data-dir keeps one between runs\)/)
  // No configuration: a temporary store, no settings line, nothing ignored (npm start on a fresh clone).
  assert.match(r.stdout, /store PGlite .*m365d-start-\S+ \(temporary\)/)
  assert.doesNotMatch(r.stdout, /^settings:/m)
  assert.doesNotMatch(r.stderr, /ignores/)
  assert.doesNotMatch(r.stdout + r.stderr, /M365D_LEGACY_API|DeprecationWarning|api\.security\.microsoft\.com/)
})
