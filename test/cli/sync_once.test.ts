import { strict as assert } from 'node:assert'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { createEmulator, serve, WELL_KNOWN, type RunningEmulator } from '../../src/emulator/index.js'
import { openStore } from '../../src/sync/index.js'
import { emulatorEnv } from '../sync/process/_rig.js'
import { runCli, tempDir } from './_cli.js'

/** Issue 11 §2: `sync --once` right after a worker died. */
describe('m365d sync --once with leases another worker holds', () => {
  let server: RunningEmulator
  let env: Record<string, string>
  const dataDir = join(tempDir('m365d-once-'), 'data')

  before(async () => {
    const emulator = await createEmulator({ defender: { incidentsPerTenant: 10 } })
    emulator.defender.limits.enabled = false
    server = await serve(emulator)
    env = emulatorEnv(server.url, { M365D_DATA_DIR: dataDir })
    for (const t of [WELL_KNOWN.contosoTenantId, 'fabrikam.onmicrosoft.com']) assert.equal((await runCli(['tenants', 'add', t], { env })).code, 0)
  })
  after(() => server.close())

  /** A worker that died a moment ago: its lease on Fabrikam runs for `seconds` more. */
  const deadWorkerHolds = async (seconds: number) => {
    const { db } = await openStore({ dataDir })
    try {
      await db.query(`INSERT INTO m365d_workers (worker_id, hostname, pid) VALUES ('dead:1:abc', 'dead', 1) ON CONFLICT DO NOTHING`)
      await db.query(`UPDATE m365d_leases SET worker_id = 'dead:1:abc', acquired_at = now() - interval '5 minutes', expires_at = now() + make_interval(secs => $2) WHERE tenant_id = $1`, [WELL_KNOWN.fabrikamTenantId, seconds])
    } finally {
      await db.close()
    }
  }

  test('names the held tenant, its worker, since and until, and exits 1', async () => {
    await deadWorkerHolds(120)
    const r = await runCli(['sync', '--once', '--json'], { env })
    assert.equal(r.code, 1, r.stderr)
    const out = JSON.parse(r.stdout) as { ok: boolean; tenants: { tenantId: string; name: string | null; ok: boolean; error?: { code: string; message: string } }[]; held: { tenantId: string; worker: string; since: string; until: string }[] }
    assert.equal(out.ok, false)
    assert.equal(out.tenants.find((t) => t.tenantId === WELL_KNOWN.contosoTenantId)!.ok, true)
    const fab = out.tenants.find((t) => t.tenantId === WELL_KNOWN.fabrikamTenantId)!
    assert.equal(fab.error!.code, 'ERR_SYNC_TENANT_HELD')
    assert.match(fab.error!.message, /dead:1:abc/)
    assert.equal(out.held[0]!.worker, 'dead:1:abc')
    assert.ok(Date.parse(out.held[0]!.until) > Date.now() + 60_000)
    assert.ok(Date.parse(out.held[0]!.since) < Date.now() - 4 * 60_000)
    const human = await runCli(['sync', '--once'], { env })
    assert.equal(human.code, 1)
    // Which tenant (id and name), by which worker, since and until when.
    assert.match(human.stdout, new RegExp(`^HELD ${WELL_KNOWN.fabrikamTenantId} \\(fabrikam\\.onmicrosoft\\.com\\)  ERR_SYNC_TENANT_HELD: held by worker dead:1:abc since \\S+Z until \\S+Z`, 'm'))
    assert.match(human.stdout, /^ {5}fix: .*--lease-wait/m)
    assert.equal(out.tenants.find((t) => t.tenantId === WELL_KNOWN.fabrikamTenantId)!.name, 'fabrikam.onmicrosoft.com')
    assert.match(human.stdout, /1 of 2 tenants synced, 1 not synced/)
  })

  test('--lease-wait waits for the dead worker\'s lease to run out, then syncs the tenant (exit 0)', async () => {
    await deadWorkerHolds(20)
    const r = await runCli(['sync', '--once', '--lease-wait', '60s', '--json'], { env })
    assert.equal(r.code, 0, r.stderr)
    const out = JSON.parse(r.stdout) as { ok: boolean; tenants: { tenantId: string; ok: boolean }[]; held: unknown[] }
    assert.equal(out.ok, true)
    assert.deepEqual(out.tenants.map((t) => [t.tenantId, t.ok]).sort(), [[WELL_KNOWN.contosoTenantId, true], [WELL_KNOWN.fabrikamTenantId, true]].sort())
    assert.deepEqual(out.held, [])
    // (On a slow machine the lease may run out before the first pass: then nothing needs waiting for.)
    if (!/waiting \d+s for 1 tenant lease held by other workers/.test(r.stderr)) assert.match(r.stderr, /pass finished/)
  })
})
