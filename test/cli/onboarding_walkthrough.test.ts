// Issue 11 §1: the offline onboarding walk-through with every default — `tenants onboard` (redirect
// URI http://localhost:9464/consent/callback), `m365d sync` (ops server on 9464), the emulator's
// consent page, Accept — ends with the customer added and synced, not in AADSTS50011. The CLI as
// subprocesses against the emulator on a real port. Skipped when something else holds port 9464.
import { strict as assert } from 'node:assert'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { createEmulator, serve, WELL_KNOWN, type RunningEmulator } from '../../src/emulator/index.js'
import { collectLogs, emulatorEnv, exited } from '../sync/process/_rig.js'
import { runCli, startCli, tempDir } from './_cli.js'

const DEFAULT_OPS_PORT = 9464

async function portFree(port: number): Promise<boolean> {
  const s = createServer()
  return new Promise((resolve) => {
    s.once('error', () => resolve(false))
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)))
  })
}

let server: RunningEmulator
before(async () => {
  server = await serve(await createEmulator({ defender: { incidentsPerTenant: 10 } }))
})
after(() => server?.close())

test('onboard → sync → consent page → Accept, all with the defaults: the customer is added and synced', { timeout: 240_000, skip: !(await portFree(DEFAULT_OPS_PORT)) && `port ${DEFAULT_OPS_PORT} is in use` }, async () => {
  const env = emulatorEnv(server.url, { M365D_DATA_DIR: join(tempDir('m365d-walk-'), 'data') })
  const onboard = await runCli(['tenants', 'onboard', '--tenant', 'woodgrove.onmicrosoft.com'], { env })
  assert.equal(onboard.code, 0, onboard.stderr)
  const link = onboard.stdout.trim()
  assert.equal(new URL(link).searchParams.get('redirect_uri'), `http://localhost:${DEFAULT_OPS_PORT}/consent/callback`)
  assert.match(onboard.stderr, new RegExp(`reachable at http://localhost:${DEFAULT_OPS_PORT}`))

  const child = startCli(['sync', '--interval', '1s', '--log-format', 'json', '--no-console'], { env })
  const logs = collectLogs(child)
  try {
    assert.equal((await logs.wait((l) => l.msg === 'ops.listening', 120_000)).url, `http://127.0.0.1:${DEFAULT_OPS_PORT}`)
    // The admin opens the link: the consent page of the well-known app, not AADSTS50011.
    const page = await fetch(link)
    assert.equal(page.status, 200)
    const html = await page.text()
    assert.doesNotMatch(html, /AADSTS\d+/)
    const flowToken = /name="flowToken" value="([^"]+)"/.exec(html)?.[1]
    assert.ok(flowToken, html.slice(0, 500))
    const accepted = await fetch(new URL('/common/Consent/Set', server.url), { method: 'POST', body: new URLSearchParams({ flowToken, action: 'accept' }), redirect: 'manual' })
    assert.equal(accepted.status, 302)
    const back = new URL(accepted.headers.get('location')!)
    assert.equal(`${back.origin}${back.pathname}`, `http://localhost:${DEFAULT_OPS_PORT}/consent/callback`)
    assert.equal(back.searchParams.get('tenant'), WELL_KNOWN.woodgroveTenantId)
    // The browser follows the redirect to the daemon (127.0.0.1: "localhost" may resolve to ::1 first).
    back.hostname = '127.0.0.1'
    const recorded = await fetch(back)
    assert.equal(recorded.status, 200)
    assert.match(await recorded.text(), /Consent recorded/)
    await logs.wait((l) => l.msg === 'pass finished' && l.tenant === WELL_KNOWN.woodgroveTenantId, 120_000)
  } finally {
    child.kill('SIGTERM')
    assert.equal((await exited(child)).code, 0)
  }
  const list = JSON.parse((await runCli(['tenants', 'list', '--json'], { env })).stdout) as { tenants: { tenantId: string; health: string }[] }
  assert.deepEqual(list.tenants.map((t) => [t.tenantId, t.health]), [[WELL_KNOWN.woodgroveTenantId, 'ok']])
})
