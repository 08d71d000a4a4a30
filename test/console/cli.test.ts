import assert from 'node:assert/strict'
import { test } from 'node:test'
import { runCli, startCli, waitForOutput } from '../cli/_cli.js'

test('m365d start prints the console login URL; it opens a session that sees the demo tenants', { timeout: 180_000 }, async () => {
  const child = startCli(['start', '--skip-demo', '--duration', '60s'], { env: { M365D_CONSOLE_TOKEN: 'a-fixed-console-token-for-tests' } })
  try {
    const [url] = await waitForOutput(child, /http:\/\/127\.0\.0\.1:\d+\/console\/\?token=\S+/)
    assert.match(url!, /token=a-fixed-console-token-for-tests$/)
    const base = url!.slice(0, url!.indexOf('/console/'))
    assert.equal((await fetch(`${base}/console/api/tenants`)).status, 401)
    const login = await fetch(url!, { redirect: 'manual' })
    const cookie = login.headers.getSetCookie()[0]!.split(';')[0]!
    const body = (await (await fetch(`${base}/console/api/tenants`, { headers: { cookie } })).json()) as { tenants: { name: string }[] }
    assert.deepEqual(body.tenants.map((t) => t.name).sort(), ['Contoso', 'Fabrikam', 'Tailspin Toys', 'Woodgrove Bank'])
  } finally {
    child.kill('SIGINT')
    await new Promise((r) => child.once('close', r))
  }
})

test('a non-loopback ops host needs --console-allow-remote (exit 2, nothing started)', { timeout: 60_000 }, async () => {
  const r = await runCli(['sync', '--ops-host', '0.0.0.0', '--ops-port', '0'], {
    env: { M365D_CLIENT_ID: '11111111-2222-3333-4444-555555555555', M365D_CLIENT_SECRET: 'x'.repeat(40), M365D_TENANT_ID: '11111111-2222-3333-4444-555555555555' },
  })
  assert.equal(r.code, 2, r.stderr)
  assert.match(r.stderr, /ERR_CLI_CONSOLE_REMOTE|--console-allow-remote/)
})
