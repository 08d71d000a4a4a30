import assert from 'node:assert/strict'
import { join } from 'node:path'
import { test } from 'node:test'
import { createEmulator, serve } from '../../src/emulator/index.js'
import { collectLogs, emulatorEnv, exited } from '../sync/process/_rig.js'
import { runCli, startCli, tempDir, waitForOutput } from '../cli/_cli.js'

test('m365d start prints a one-time console login URL; m365d console url gets a fresh one from the running daemon', { timeout: 180_000 }, async () => {
  const dataDir = join(tempDir('m365d-start-console-'), 'data')
  const apiToken = 'a-fixed-console-api-token-for-tests'
  const child = startCli(['start', '--skip-demo', '--duration', '90s', '--data-dir', dataDir], { env: { M365D_CONSOLE_TOKEN: apiToken } })
  try {
    const [url] = await waitForOutput(child, /http:\/\/127\.0\.0\.1:\d+\/console\/\?token=\S+/)
    // The API token (a bearer for /status) is not a login token.
    assert.doesNotMatch(url!, new RegExp(apiToken))
    const base = url!.slice(0, url!.indexOf('/console/'))
    assert.equal((await fetch(`${base}/console/api/tenants`)).status, 401)
    assert.equal((await fetch(`${base}/status`, { headers: { authorization: `Bearer ${apiToken}` } })).status, 200)
    assert.equal((await fetch(`${base}/console/?token=${apiToken}`, { redirect: 'manual' })).status, 401)
    const login = await fetch(url!, { redirect: 'manual' })
    assert.equal(login.status, 303)
    const cookie = login.headers.getSetCookie()[0]!.split(';')[0]!
    const body = (await (await fetch(`${base}/console/api/tenants`, { headers: { cookie } })).json()) as { tenants: { name: string }[] }
    assert.deepEqual(body.tenants.map((t) => t.name).sort(), ['Contoso', 'Fabrikam', 'Tailspin Toys', 'Woodgrove Bank'])
    // Used once: refused, with the way to a new link.
    const again = await fetch(url!, { redirect: 'manual' })
    assert.equal(again.status, 401)
    assert.match(await again.text(), /already used[\s\S]*m365d console url/)
    // A fresh link from the running daemon, through its local API; it works once too.
    const fresh = await runCli(['console', 'url', '--data-dir', dataDir])
    assert.equal(fresh.code, 0, fresh.stderr)
    const next = fresh.stdout.trim()
    assert.match(next, /^http:\/\/127\.0\.0\.1:\d+\/console\/\?token=\S+$/)
    assert.notEqual(next, url)
    assert.equal((await fetch(next, { redirect: 'manual' })).status, 303)
    assert.equal((await fetch(next, { redirect: 'manual' })).status, 401)
  } finally {
    child.kill('SIGINT')
    await new Promise((r) => child.once('close', r))
  }
  // The daemon removed its discovery file at exit: no daemon, exit 1 with the fix.
  const none = await runCli(['console', 'url', '--data-dir', dataDir, '--json'])
  assert.equal(none.code, 1, none.stderr)
  assert.equal(JSON.parse(none.stdout).error.code, 'ERR_CLI_NO_DAEMON')
})

test('m365d sync with JSON logs emits the login URL as a log event', { timeout: 180_000 }, async () => {
  const emulator = await createEmulator({ defender: { incidentsPerTenant: 5 } })
  const server = await serve(emulator)
  const env = emulatorEnv(server.url, { M365D_DATA_DIR: join(tempDir('m365d-sync-console-'), 'data') })
  const child = startCli(['sync', '--ops-port', '0', '--interval', '1h', '--log-format', 'json'], { env })
  const logs = collectLogs(child)
  try {
    const line = await logs.wait((l) => l.msg === 'console.listening', 90_000)
    const loginUrl = String(line.loginUrl)
    assert.match(loginUrl, /^http:\/\/127\.0\.0\.1:\d+\/console\/\?token=[\w-]{20,}$/)
    assert.equal((await fetch(loginUrl, { redirect: 'manual' })).status, 303)
  } finally {
    child.kill('SIGTERM')
    await exited(child)
    await server.close()
  }
})

test('a non-loopback ops host needs --console-allow-remote (exit 2, nothing started)', { timeout: 60_000 }, async () => {
  const r = await runCli(['sync', '--ops-host', '0.0.0.0', '--ops-port', '0'], {
    env: { M365D_CLIENT_ID: '11111111-2222-3333-4444-555555555555', M365D_CLIENT_SECRET: 'x'.repeat(40), M365D_TENANT_ID: '11111111-2222-3333-4444-555555555555' },
  })
  assert.equal(r.code, 2, r.stderr)
  assert.match(r.stderr, /ERR_CLI_CONSOLE_REMOTE|--console-allow-remote/)
})

test('with --console-allow-remote, m365d sync prints what the bind exposes before the login URL, and logs it', { timeout: 180_000 }, async () => {
  const emulator = await createEmulator({ defender: { incidentsPerTenant: 5 } })
  const server = await serve(emulator)
  const env = emulatorEnv(server.url, { M365D_DATA_DIR: join(tempDir('m365d-sync-remote-'), 'data') })
  const child = startCli(['sync', '--ops-host', '0.0.0.0', '--ops-port', '0', '--console-allow-remote', '--interval', '1h', '--log-format', 'json'], { env })
  const logs = collectLogs(child)
  try {
    const [, url] = await waitForOutput(child, /WARNING: the console on \S+ is reachable from the network[\s\S]*?console: (http:\/\/\S+)/)
    const exposed = await logs.wait((l) => l.msg === 'console.exposed', 30_000)
    assert.match(String(exposed.exposes), /incidents/)
    assert.match(url!, /^http:\/\/0\.0\.0\.0:\d+\/console\/\?token=/)
    // The local API still answers only on this machine and only with its credential.
    const port = new URL(url!).port
    assert.equal((await fetch(`http://127.0.0.1:${port}/local/v1/registry/summaries`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status, 401)
  } finally {
    child.kill('SIGTERM')
    await exited(child)
    await server.close()
  }
})

test('m365d start --json writes the login URL as a JSON log line on stderr, stdout stays one document', { timeout: 180_000 }, async () => {
  const child = startCli(['start', '--skip-demo', '--json', '--duration', '60s'])
  const logs = collectLogs(child)
  let stdout = ''
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d))
  try {
    const line = await logs.wait((l) => l.msg === 'console.listening', 90_000)
    assert.match(String(line.loginUrl), /^http:\/\/127\.0\.0\.1:\d+\/console\/\?token=[\w-]{20,}$/)
    assert.match(String(line.newLoginUrl), /^m365d console url --data-dir \S+$/)
    assert.equal((await fetch(String(line.loginUrl), { redirect: 'manual' })).status, 303)
  } finally {
    child.kill('SIGINT')
    await exited(child)
  }
  assert.doesNotThrow(() => JSON.parse(stdout), stdout.slice(0, 300))
})

test('a non-loopback ops host without the console prints and logs what it exposes', { timeout: 180_000 }, async () => {
  const emulator = await createEmulator({ defender: { incidentsPerTenant: 5 } })
  const server = await serve(emulator)
  const env = emulatorEnv(server.url, { M365D_DATA_DIR: join(tempDir('m365d-sync-noconsole-'), 'data') })
  const child = startCli(['sync', '--ops-host', '0.0.0.0', '--ops-port', '0', '--no-console', '--interval', '1h', '--log-format', 'json'], { env })
  const logs = collectLogs(child)
  try {
    const exposed = await logs.wait((l) => l.msg === 'ops.exposed', 90_000)
    assert.match(String(exposed.exposes), /\/status/)
    assert.match(String(exposed.url), /^http:\/\/0\.0\.0\.0:\d+$/)
  } finally {
    child.kill('SIGTERM')
    await exited(child)
    await server.close()
  }
})
