import { strict as assert } from 'node:assert'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { createEmulator, serve, WELL_KNOWN, type Emulator, type RunningEmulator } from '../../src/emulator/index.js'
import { openPglite } from '../../src/sync/db/database.js'
import { collectLogs, emulatorEnv, exited } from '../sync/process/_rig.js'
import { runCli, startCli, tempDir } from './_cli.js'

describe('m365d sync', () => {
  let emulator: Emulator
  let server: RunningEmulator
  let env: Record<string, string>
  const dataDir = join(tempDir('m365d-sync-'), 'data')

  before(async () => {
    emulator = await createEmulator({ defender: { incidentsPerTenant: 25 } })
    emulator.defender.limits.enabled = false
    server = await serve(emulator)
    env = emulatorEnv(server.url, { M365D_DATA_DIR: dataDir })
    for (const t of [WELL_KNOWN.contosoTenantId, WELL_KNOWN.tailspinTenantId, WELL_KNOWN.woodgroveTenantId]) assert.equal((await runCli(['tenants', 'add', t], { env })).code, 0)
  })
  after(() => server.close())

  test('--once syncs the healthy tenants and reports the others with their fix (exit 1)', async () => {
    const r = await runCli(['sync', '--once', '--json'], { env })
    assert.equal(r.code, 1, r.stderr)
    const out = JSON.parse(r.stdout) as { ok: boolean; tenants: { tenantId: string; ok: boolean; incidents: number; error?: { code: string; health: string; hint?: string } }[] }
    const of = (id: string) => out.tenants.find((t) => t.tenantId === id)!
    assert.equal(of(WELL_KNOWN.contosoTenantId).ok, true)
    assert.equal(of(WELL_KNOWN.contosoTenantId).incidents, emulator.defender.visible(WELL_KNOWN.contosoTenantId).filter((i) => i.lastUpdateTime >= Date.now() - 30 * 86_400_000).length)
    assert.equal(of(WELL_KNOWN.tailspinTenantId).error!.health, 'missing_roles')
    assert.equal(of(WELL_KNOWN.woodgroveTenantId).error!.health, 'not_consented')
    assert.ok(of(WELL_KNOWN.woodgroveTenantId).error!.hint)
    // stderr is JSON lines only, and never carries the secret or a token.
    for (const line of r.stderr.trim().split('\n')) assert.doesNotThrow(() => JSON.parse(line), line)
    assert.ok(!r.stderr.includes(WELL_KNOWN.clientSecret))
    assert.ok(!/eyJ[\w-]{10,}\.[\w-]{10,}\./.test(r.stderr + r.stdout))
  })

  test('runs until SIGTERM, serves /healthz and /metrics, then releases its leases and exits 0', async () => {
    const child = startCli(['sync', '--ops-port', '0', '--interval', '1s', '--worker-id', 'cli-test'], { env })
    const logs = collectLogs(child)
    const ops = String((await logs.wait((l) => l.msg === 'ops.listening', 60_000)).url)
    // Contoso was synced by --once above; its next pass is not due yet, but its lease is held.
    await logs.wait((l) => l.event === 'lease.acquired' && l.tenant === WELL_KNOWN.contosoTenantId, 60_000)
    assert.equal((await fetch(`${ops}/healthz`)).status, 200)
    const metrics = await (await fetch(`${ops}/metrics`)).text()
    assert.match(metrics, /^# TYPE \S+ (counter|gauge|histogram)$/m)
    assert.ok(metrics.includes(WELL_KNOWN.contosoTenantId))
    child.kill('SIGTERM')
    assert.equal((await exited(child)).code, 0)
    assert.ok(logs.lines.some((l) => l.event === 'lease.released' && l.tenant === WELL_KNOWN.contosoTenantId))
    const db = await openPglite(dataDir)
    try {
      const { rows } = await db.query<{ n: string }>(`SELECT count(*) AS n FROM m365d_leases WHERE worker_id IS NOT NULL`)
      assert.equal(Number(rows[0]!.n), 0)
    } finally {
      await db.close()
    }
  })

  test('a second process on the same PGlite data dir is refused with a clear error', async () => {
    const child = startCli(['sync', '--ops-port', '0', '--interval', '1h'], { env })
    const logs = collectLogs(child)
    try {
      await logs.wait((l) => l.event === 'worker.started', 60_000)
      const r = await runCli(['sync', '--once', '--json'], { env })
      assert.equal(r.code, 2)
      assert.equal(JSON.parse(r.stdout).error.code, 'ERR_DB_OPEN')
    } finally {
      child.kill('SIGTERM')
      await exited(child)
    }
  })
})
