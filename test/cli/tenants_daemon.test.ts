import { strict as assert } from 'node:assert'
import { existsSync, statSync } from 'node:fs'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { createEmulator, serve, WELL_KNOWN, type Emulator, type RunningEmulator } from '../../src/emulator/index.js'
import { postgresDatabase } from '../sync/_databases.js'
import { collectLogs, emulatorEnv, exited, type LogLine } from '../sync/process/_rig.js'
import { runCli, startCli, tempDir } from './_cli.js'

/**
 * Issue 9 §1: with the embedded store, which one process owns, the CLI's tenant commands keep
 * working while the daemon runs, by talking to the running daemon's local API — and the daemon
 * acts on what they change.
 */
describe('m365d tenants while m365d sync owns the embedded store', { timeout: 300_000 }, () => {
  let emulator: Emulator
  let server: RunningEmulator
  let env: Record<string, string>
  const dataDir = join(tempDir('m365d-tenants-daemon-'), 'data')
  const discovery = join(dataDir, 'm365d-api.json')
  const contoso = WELL_KNOWN.contosoTenantId
  const fabrikam = WELL_KNOWN.fabrikamTenantId

  before(async () => {
    emulator = await createEmulator({ defender: { incidentsPerTenant: 15 } })
    emulator.defender.limits.enabled = false
    server = await serve(emulator)
    env = emulatorEnv(server.url, { M365D_DATA_DIR: dataDir })
    const r = await runCli(['tenants', 'add', contoso, '--name', 'Contoso'], { env })
    assert.equal(r.code, 0, r.stderr)
  })
  after(() => server.close())

  test('add, list, pause, resume, tag and remove go through the daemon, which acts on them', async () => {
    const child = startCli(['sync', '--ops-port', '0', '--interval', '1s', '--log-format', 'json'], { env })
    const logs = collectLogs(child)
    const after = (from: number, pred: (l: LogLine) => boolean) => logs.wait((l) => logs.lines.indexOf(l) >= from && pred(l), 90_000)
    try {
      await logs.wait((l) => l.msg === 'local_api.published', 90_000)
      await logs.wait((l) => l.event === 'pass.finished' && l.tenant === contoso, 90_000)
      // The discovery file: private, naming this daemon.
      assert.equal(statSync(discovery).mode & 0o777, 0o600)
      const published = JSON.parse(await readFile(discovery, 'utf8')) as { pid: number; url: string; credential: string; store: string }
      assert.equal(published.pid, child.pid)
      assert.equal(published.store, 'embedded')

      // A new consented tenant is added through the daemon (--verbose says so) and synced by it.
      let mark = logs.lines.length
      const add = await runCli(['tenants', 'add', fabrikam, '--name', 'Fabrikam', '--verbose'], { env })
      assert.equal(add.code, 0, add.stderr)
      assert.match(add.stdout, new RegExp(`^added ${fabrikam} "Fabrikam"`))
      assert.match(add.stderr, new RegExp(`verbose local-api m365d pid=${child.pid}`))
      await after(mark, (l) => l.event === 'pass.finished' && l.tenant === fabrikam)

      const list = await runCli(['tenants', 'list', '--json'], { env })
      assert.equal(list.code, 0, list.stderr)
      const tenants = (JSON.parse(list.stdout) as { tenants: { tenantId: string; health: string; incidents: number }[] }).tenants
      assert.deepEqual(tenants.map((t) => t.tenantId).sort(), [contoso, fabrikam].sort())
      assert.ok(tenants.find((t) => t.tenantId === fabrikam)!.incidents > 0, 'fabrikam synced')

      // Paused: the daemon skips it while the other keeps syncing (passes are logged when they finish).
      const pause = await runCli(['tenants', 'pause', contoso], { env })
      assert.equal(pause.code, 0, pause.stderr)
      assert.match(pause.stdout, /^paused Contoso/)
      mark = logs.lines.length
      await after(mark, (l) => l.event === 'pass.finished' && l.tenant === fabrikam)
      const second = logs.lines.length
      await after(second, (l) => l.event === 'pass.finished' && l.tenant === fabrikam)
      assert.ok(!logs.lines.slice(second).some((l) => l.event === 'pass.finished' && l.tenant === contoso), 'no pass of the paused tenant')

      const resume = await runCli(['tenants', 'resume', contoso, '--json'], { env })
      assert.equal(resume.code, 0, resume.stderr)
      assert.equal((JSON.parse(resume.stdout) as { enabled: boolean }).enabled, true)
      mark = logs.lines.length
      await after(mark, (l) => l.event === 'pass.finished' && l.tenant === contoso)

      const tag = await runCli(['tenants', 'tag', contoso, 'gold'], { env })
      assert.equal(tag.code, 0, tag.stderr)
      assert.match(tag.stdout, /gold/)
      // A registry reader: --all-tenants --tag reads the registry through the daemon too.
      const incidents = await runCli(['incidents', 'list', '--all-tenants', '--tag', 'gold', '--json'], { env })
      assert.equal(incidents.code, 0, incidents.stderr)
      assert.ok(incidents.stdout.includes(contoso) && !incidents.stdout.includes(fabrikam))

      // check: the token work in the CLI, the health recorded by the daemon; onboard: the consent state stored by it.
      const check = await runCli(['tenants', 'check', contoso, '--json'], { env })
      assert.equal(check.code, 0, check.stderr)
      const checked = JSON.parse(check.stdout) as { ok: boolean; tenants: { tenantId: string; lastSync: string | null }[] }
      assert.equal(checked.ok, true)
      assert.ok(checked.tenants[0]!.lastSync, 'last sync read through the daemon')
      const onboard = await runCli(['tenants', 'onboard', '--tenant', fabrikam, '--json'], { env })
      assert.equal(onboard.code, 0, onboard.stderr)
      const link = JSON.parse(onboard.stdout) as { url: string; state: string; tenantId: string }
      assert.equal(link.tenantId, fabrikam)
      assert.ok(link.url.includes(encodeURIComponent(link.state)) || link.url.includes(link.state))

      // Errors are the direct path's, with the same exit code.
      const unknown = await runCli(['tenants', 'remove', '00000000-0000-0000-0000-00000000dead', '--json'], { env })
      assert.equal(unknown.code, 1)
      assert.equal(JSON.parse(unknown.stdout).error.code, 'ERR_CLI_TENANT_NOT_FOUND')

      const remove = await runCli(['tenants', 'remove', fabrikam], { env })
      assert.equal(remove.code, 0, remove.stderr)
      assert.match(remove.stdout, /^removed Fabrikam/)
      const after2 = JSON.parse((await runCli(['tenants', 'list', '--json'], { env })).stdout) as { tenants: { tenantId: string }[] }
      assert.deepEqual(after2.tenants.map((t) => t.tenantId), [contoso])

      // The local API refuses requests without the credential (or with a wrong one).
      const call = (headers: Record<string, string>) => fetch(`${published.url}/local/v1/registry/summaries`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: '{}' })
      assert.equal((await call({})).status, 401)
      assert.equal((await call({ authorization: 'Bearer not-the-credential-not-the-credential' })).status, 401)
      const ok = await call({ authorization: `Bearer ${published.credential}` })
      assert.equal(ok.status, 200)
      assert.equal(((await ok.json()) as { result: unknown[] }).result.length, 1)
    } finally {
      child.kill('SIGTERM')
      assert.equal((await exited(child)).code, 0)
    }
    // Stopped: the file is gone and the commands open the store themselves again.
    assert.equal(existsSync(discovery), false)
    const direct = await runCli(['tenants', 'list', '--json', '--verbose'], { env })
    assert.equal(direct.code, 0, direct.stderr)
    assert.doesNotMatch(direct.stderr, /local-api/)
  })

  test('with PostgreSQL nothing changes: the commands open the database themselves while the daemon runs; console url still finds it', async (t) => {
    const pgdb = await postgresDatabase()
    if (pgdb.skip) return t.skip(pgdb.skip)
    const runDir = join(tempDir('m365d-tenants-pg-'), 'run')
    const pgEnv = emulatorEnv(server.url, { M365D_DATABASE_URL: pgdb.url!, M365D_DATA_DIR: runDir })
    const child = startCli(['sync', '--ops-port', '0', '--interval', '1h', '--log-format', 'json'], { env: pgEnv })
    const logs = collectLogs(child)
    try {
      await logs.wait((l) => l.msg === 'local_api.published', 90_000)
      const add = await runCli(['tenants', 'add', contoso, '--verbose'], { env: pgEnv })
      assert.equal(add.code, 0, add.stderr)
      assert.doesNotMatch(add.stderr, /local-api/, 'PostgreSQL: the database directly')
      const url = await runCli(['console', 'url'], { env: pgEnv })
      assert.equal(url.code, 0, url.stderr)
      assert.match(url.stdout, /\/console\/\?token=/)
    } finally {
      child.kill('SIGTERM')
      await exited(child)
      await pgdb.cleanup()
    }
  })

  test('a stale discovery file (its daemon was killed) is removed with a notice; the command runs on the store', async () => {
    await writeFile(discovery, JSON.stringify({ pid: 2 ** 30, url: 'http://127.0.0.1:9', port: 9, credential: 'x'.repeat(43), startedAt: new Date().toISOString(), store: 'embedded', worker: 'gone' }), { mode: 0o600 })
    const r = await runCli(['tenants', 'list', '--json'], { env })
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stderr, /stale m365d-api\.json .*pid 1073741824.* is gone/)
    assert.equal(existsSync(discovery), false)
    assert.deepEqual((JSON.parse(r.stdout) as { tenants: { tenantId: string }[] }).tenants.map((t) => t.tenantId), [contoso])
  })
})
