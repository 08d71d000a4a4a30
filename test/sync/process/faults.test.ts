import { strict as assert } from 'node:assert'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { createEmulator, serve, WELL_KNOWN, type Emulator, type RunningEmulator } from '../../../src/emulator/index.js'
import { openPglite } from '../../../src/sync/db/database.js'
import { runCli, startCli, tempDir } from '../../cli/_cli.js'
import { collectLogs, emulatorEnv, exited } from './_rig.js'

/**
 * Issue 4 §7 faults against one `m365d sync` process while the emulator's live mode changes data:
 * 429 storms with Retry-After, 500/503 runs, Graph list failures (the $expand page), a
 * token-endpoint outage longer than a token's life, consent revoked mid-run and a signing-key
 * rotation that invalidates the tokens in hand. The daemon keeps running (healthz 200), stops
 * cleanly, and after a final `--once` the database matches the emulator.
 */
const TENANTS = [WELL_KNOWN.contosoTenantId, WELL_KNOWN.fabrikamTenantId, WELL_KNOWN.homeTenantId]
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe('faults: m365d sync keeps going and ends consistent', () => {
  let emulator: Emulator
  let server: RunningEmulator
  const dataDir = join(tempDir('m365d-faults-'), 'data')
  let env: Record<string, string>

  before(async () => {
    emulator = await createEmulator({ defender: { incidentsPerTenant: 30 } })
    emulator.defender.limits.enabled = false
    // Tokens live 20 s, so the outage below outlasts every token the daemon holds.
    emulator.config.tokenLifetimeSeconds = 20
    server = await serve(emulator)
    env = emulatorEnv(server.url, { M365D_DATA_DIR: dataDir })
    for (const t of TENANTS) assert.equal((await runCli(['tenants', 'add', t], { env })).code, 0)
  })
  after(async () => {
    emulator.defender.setLive(false)
    await server.close()
  })

  test('429 storm, 500/503 runs, Graph list failures, token outage, consent revoked, key rotation', { timeout: 180_000 }, async () => {
    const child = startCli(['sync', '--surface', 'graph', '--alerts', '--interval', '1s', '--page-size', '10', '--backfill', '400d', '--no-rate-limits', '--ops-port', '0', '--verbose'], { env })
    const logs = collectLogs(child)
    const finishedSince = (t0: number, tenant?: string) =>
      logs.wait((l) => l.event === 'pass.finished' && Date.parse(l.time) >= t0 && (!tenant || l.tenant === tenant), 60_000)
    try {
      const ops = String((await logs.wait((l) => l.msg === 'ops.listening', 60_000)).url)
      await finishedSince(0)
      emulator.defender.setLive(true, 100)

      // 429 storm with Retry-After, then runs of 503 and 500: retried inside the pass.
      let t0 = Date.now()
      emulator.faults.add({ target: 'graph', count: 8, status: 429, retryAfter: 1 })
      emulator.faults.add({ target: 'graph', count: 4, status: 503 })
      emulator.faults.add({ target: 'graph', count: 4, status: 500 })
      for (let i = 0; emulator.faults.list().length && i < 300; i++) await sleep(100)
      assert.equal(emulator.faults.list().length, 0, 'the faults were consumed')
      t0 = Date.now()
      await finishedSince(t0)

      // The incidents list ($expand=alerts) failing repeatedly: the pass falls back or backs off, never stalls.
      t0 = Date.now()
      emulator.faults.add({ target: 'graph', count: 12, status: 500, pathPattern: '/security/incidents$' })
      await sleep(3000)

      // Consent revoked mid-run: that tenant is marked with the fix, the others continue.
      emulator.directory.revokeConsent(WELL_KNOWN.fabrikamTenantId, WELL_KNOWN.clientId)
      t0 = Date.now()
      const revoked = await logs.wait((l) => l.event === 'pass.failed' && l.tenant === WELL_KNOWN.fabrikamTenantId && l.health === 'not_consented', 60_000)
      assert.ok(String(revoked.hint ?? '').length > 0, 'a fix is logged')
      await finishedSince(t0, WELL_KNOWN.contosoTenantId)
      emulator.directory.consent(WELL_KNOWN.fabrikamTenantId, WELL_KNOWN.clientId)

      // Signing key rotated with the previous key dropped: every token in hand is now rejected (401).
      await emulator.keys.rotate({ dropPrevious: true })
      t0 = Date.now()
      await finishedSince(t0, WELL_KNOWN.homeTenantId)

      // Token endpoint down for longer than a token lives (20 s).
      emulator.faults.add({ target: 'token', count: 1_000_000, status: 503 })
      await sleep(25_000)
      const health = await fetch(`${ops}/healthz`)
      assert.equal(health.status, 200, 'the daemon is alive during the outage')
      emulator.faults.clear()
      assert.equal(child.exitCode, null)
    } finally {
      emulator.defender.setLive(false)
      child.kill('SIGTERM')
    }
    assert.equal((await exited(child)).code, 0, logs.raw().slice(-2000))
    const failures = logs.lines.filter((l) => l.event === 'pass.failed').map((l) => l.health)
    assert.ok(failures.includes('not_consented'))

    const final = await runCli(['sync', '--once', '--json', '--surface', 'graph', '--alerts', '--no-rate-limits', '--backfill', '400d'], { env })
    assert.equal(final.code, 0, final.stdout + final.stderr.slice(-2000))
    const db = await openPglite(dataDir)
    try {
      for (const tenant of TENANTS) {
        const want = emulator.defender.visible(tenant)
        const { rows } = await db.query<{ incident_id: string; last_update_time: Date }>(`SELECT incident_id, last_update_time FROM m365d_incidents WHERE tenant_id = $1 AND source = 'graph'`, [tenant])
        const got = new Map(rows.map((r) => [r.incident_id, new Date(r.last_update_time).getTime()]))
        assert.deepEqual([...got.keys()].sort(), want.map((i) => String(i.incidentId)).sort(), `incidents of ${tenant}`)
        for (const i of want) assert.equal(got.get(String(i.incidentId)), i.lastUpdateTime, `lastUpdateTime of ${i.incidentId}`)
      }
    } finally {
      await db.close()
    }
  })
})
