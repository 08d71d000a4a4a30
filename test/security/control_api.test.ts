/**
 * The control API attack cases of the red-team review (issue 10 §2), against the emulator over
 * real HTTP (and the CLI as a subprocess for the bind rule): each test is an attack that worked
 * before and must be refused now, next to the legitimate call that must keep working.
 */
import assert from 'node:assert/strict'
import { request as httpRequest } from 'node:http'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { BODY_LIMITS, normalizePath } from '../../src/emulator/access.js'
import { createEmulator, serve, WELL_KNOWN, wellKnownConfig, type Emulator, type RunningEmulator } from '../../src/emulator/index.js'
import { RemoteBindError } from '../../src/emulator/server.js'
import { runCli, startCli, waitForOutput } from '../cli/_cli.js'

const JSON_TYPE = { 'content-type': 'application/json' }

/** A raw HTTP/1.1 request: any Host header, the path exactly as written (no client-side normalisation). */
function raw(url: string, path: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(url)
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: hostname, port, path, method: options.method ?? 'GET', headers: options.headers ?? {} }, (res) => {
      let body = ''
      res.setEncoding('utf8').on('data', (d: string) => (body += d))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
    })
    req.on('error', reject)
    req.end(options.body)
  })
}

describe('control API attack suite', () => {
  let emu: Emulator
  let srv: RunningEmulator
  before(async () => {
    emu = await createEmulator()
    srv = await serve(emu)
  })
  after(() => srv.close())

  test('DNS rebinding: a foreign Host gets 421; loopback names and the bound address are served', async () => {
    const port = new URL(srv.url).port
    const rebound = await raw(srv.url, '/_emulator/config', { headers: { host: `attacker.example:${port}` } })
    assert.equal(rebound.status, 421)
    assert.doesNotMatch(rebound.body, /tenants/)
    assert.equal((await raw(srv.url, '/common/discovery/v2.0/keys', { headers: { host: `evil.test:${port}` } })).status, 421, 'every route, not only control')
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`, 'localhost', `app.localhost:${port}`])
      assert.equal((await raw(srv.url, '/_emulator/config', { headers: { host } })).status, 200, host)
  })

  test('a cross-site text/plain or form POST (no preflight in a browser) → 415 and nothing changes', async () => {
    const before = emu.directory.apps.size
    const payload = JSON.stringify({ homeTenant: WELL_KNOWN.homeTenantId, secrets: [{ value: 'attacker-secret-0123456789' }] })
    for (const type of ['text/plain', 'text/plain;charset=UTF-8', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x'])
      assert.equal((await fetch(`${srv.url}/_emulator/apps`, { method: 'POST', headers: { 'content-type': type }, body: payload })).status, 415, type)
    assert.equal((await fetch(`${srv.url}/_emulator/keys/rotate`, { method: 'POST' })).status, 415, 'a bodyless POST too')
    assert.equal(emu.directory.apps.size, before)
    const ok = await fetch(`${srv.url}/_emulator/apps`, { method: 'POST', headers: JSON_TYPE, body: payload })
    assert.equal(ok.status, 201, 'the same call as JSON from a local client works')
  })

  test('a foreign Origin (or null, or Sec-Fetch-Site: cross-site) → 403, even with a JSON body', async () => {
    for (const headers of [{ origin: 'https://evil.example' }, { origin: 'null' }, { origin: `http://localhost:1` }, { 'sec-fetch-site': 'cross-site' }] as Record<string, string>[]) {
      const res = await fetch(`${srv.url}/_emulator/faults`, { method: 'POST', headers: { ...JSON_TYPE, ...headers }, body: JSON.stringify({ target: 'token', status: 500 }) })
      assert.equal(res.status, 403, JSON.stringify(headers))
      assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'Forbidden')
    }
    assert.equal((await fetch(`${srv.url}/_emulator/faults`)).status, 200)
    assert.deepEqual(((await (await fetch(`${srv.url}/_emulator/faults`)).json()) as { value: unknown[] }).value, [], 'no fault was queued')
    const same = await fetch(`${srv.url}/_emulator/config`, { headers: { origin: srv.url } })
    assert.equal(same.status, 200, 'the emulator’s own origin is fine')
  })

  test('encoded and doubled paths reach the control API only through its checks', async () => {
    assert.equal(normalizePath('/%5Femulator/faults'), '/_emulator/faults')
    assert.equal(normalizePath('//_emulator//faults/'), '/_emulator/faults')
    assert.equal(normalizePath('/api/../%2E%2E/_emulator/./faults'), '/_emulator/faults')
    assert.equal(normalizePath('/x/%2F/y'), '/x/%2F/y', 'a reserved escape stays inside its segment')
    const attack = { method: 'POST', headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ target: 'token', status: 500 }) }
    for (const path of ['/%5Femulator/faults', '/%5femulator/faults', '//_emulator//faults', '/_emulator/./faults', '/api/../_emulator/faults', '/%2e%2e/_emulator/faults', '/_emulator%2Ffaults'])
      assert.ok([415, 404].includes((await raw(srv.url, path, attack)).status), path)
    const viaForeignOrigin = await raw(srv.url, '/%5Femulator/faults', { ...attack, headers: { ...JSON_TYPE, origin: 'https://evil.example' } })
    assert.equal(viaForeignOrigin.status, 403)
    assert.equal(emu.faults.list().length, 0)
    // A legitimate client may still spell it that way.
    assert.equal((await raw(srv.url, '//_emulator//config')).status, 200)
  })

  test('externaldata: a local file over HTTP is refused (403); inline content is accepted', async () => {
    const res = await fetch(`${srv.url}/_emulator/hunting/externaldata`, { method: 'PUT', headers: JSON_TYPE, body: JSON.stringify({ 'https://x.test/p': { file: '/etc/passwd' } }) })
    assert.equal(res.status, 403)
    assert.match(((await res.json()) as { error: { message: string } }).error.message, /--config/)
    assert.equal(emu.hunting.externalData.has('https://x.test/p'), false)
    const inline = await fetch(`${srv.url}/_emulator/hunting/externaldata`, { method: 'PUT', headers: JSON_TYPE, body: JSON.stringify({ 'https://x.test/q': 'a,b\n1,2\n' }) })
    assert.equal(inline.status, 200)
  })

  test('bodies over the documented limits → 413 without buffering them (token 1 MiB, API 4 MiB, hunting 16 MiB)', async () => {
    const form = `grant_type=client_credentials&pad=${'x'.repeat(BODY_LIMITS.form)}`
    const token = await fetch(`${srv.url}/common/oauth2/v2.0/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form })
    assert.equal(token.status, 413)
    assert.equal(((await token.json()) as { error: { code: string } }).error.code, 'RequestEntityTooLarge')
    const big = JSON.stringify({ pad: 'x'.repeat(BODY_LIMITS.api) })
    assert.equal((await fetch(`${srv.url}/_emulator/tenants`, { method: 'POST', headers: JSON_TYPE, body: big })).status, 413)
    assert.equal((await fetch(`${srv.url}/v1.0/security/incidents/1`, { method: 'PATCH', headers: JSON_TYPE, body: big })).status, 413)
    // Under the hunting limit, the same size is not refused for size (401: no token).
    assert.equal((await fetch(`${srv.url}/api/advancedhunting/run`, { method: 'POST', headers: JSON_TYPE, body: big })).status, 401)
    const huge = JSON.stringify({ Query: 'x', pad: 'x'.repeat(BODY_LIMITS.hunting) })
    assert.equal((await fetch(`${srv.url}/api/advancedhunting/run`, { method: 'POST', headers: JSON_TYPE, body: huge })).status, 413)
    // In process too (the emulator's fetch).
    assert.equal((await emu.fetch('http://localhost/common/oauth2/v2.0/token', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form })).status, 413)
    // The server still answers afterwards.
    assert.equal((await fetch(`${srv.url}/common/discovery/v2.0/keys`)).status, 200)
  })

  test('the request log never keeps a secret, also under a percent-encoded parameter name', async () => {
    const secret = 'Enc0dedSecretValue.ShouldNeverBeLogged'
    for (const name of ['client%5Fsecret', 'client%5fsecret', 'client_s%65cret', '%63lient_secret', 'client_secret'])
      await fetch(`${srv.url}/${WELL_KNOWN.homeTenantId}/oauth2/v2.0/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `grant_type=client_credentials&client_id=${WELL_KNOWN.clientId}&scope=https%3A%2F%2Fgraph.microsoft.com%2F.default&${name}=${secret}`,
      })
    await fetch(`${srv.url}/${WELL_KNOWN.homeTenantId}/oauth2/v2.0/token?client%5Fsecret=${secret}`, { method: 'POST' })
    const log = JSON.stringify(emu.requests.list())
    assert.ok(log.includes('[redacted]'))
    assert.ok(!log.includes(secret), 'secret value in the request log')
    const viaApi = await (await fetch(`${srv.url}/_emulator/requests`)).text()
    assert.ok(!viaApi.includes(secret))
  })

  test('redirect URIs: javascript:, data:, other schemes and http off loopback are refused at registration', async () => {
    const register = (redirectUris: string[]) =>
      fetch(`${srv.url}/_emulator/apps`, { method: 'POST', headers: JSON_TYPE, body: JSON.stringify({ homeTenant: WELL_KNOWN.homeTenantId, redirectUris }) })
    for (const uri of ['javascript:alert(document.domain)', 'JavaScript://%0aalert(1)', 'data:text/html,<script>alert(1)</script>', 'file:///etc/passwd', 'ms-app://x', 'http://evil.example/cb', 'not a uri', `https://x.example/${'a'.repeat(260)}`]) {
      const res = await register([uri])
      assert.equal(res.status, 400, uri)
      assert.match(((await res.json()) as { error: { message: string } }).error.message, /redirect URI/)
    }
    for (const uri of ['https://app.example/cb', 'http://localhost:8765/cb', 'http://127.0.0.1/cb', 'http://[::1]:9000/cb']) assert.equal((await register([uri])).status, 201, uri)
    const patch = await fetch(`${srv.url}/_emulator/apps/${WELL_KNOWN.clientId}`, { method: 'PATCH', headers: JSON_TYPE, body: JSON.stringify({ redirectUris: ['javascript:alert(1)'] }) })
    assert.equal(patch.status, 400)
    assert.ok(!emu.directory.app(WELL_KNOWN.clientId)!.redirectUris.some((u) => u.startsWith('javascript')))
    await assert.rejects(createEmulator({ config: { tenants: [{ id: WELL_KNOWN.homeTenantId }], apps: [{ appId: WELL_KNOWN.clientId, homeTenant: WELL_KNOWN.homeTenantId, redirectUris: ['javascript:x'] }] } }), /apps\[0\]: redirect URI/)
  })

  test('consent form: a POST from another origin (or null, or cross-site) is refused with 403', async () => {
    const q = new URLSearchParams({ client_id: WELL_KNOWN.clientId, redirect_uri: WELL_KNOWN.redirectUri })
    const page = await (await fetch(`${srv.url}/${WELL_KNOWN.woodgroveTenantId}/adminconsent?${q}`)).text()
    const flowToken = /name="flowToken" value="([^"]+)"/.exec(page)?.[1] ?? assert.fail('no flowToken')
    const post = (headers: Record<string, string>) =>
      fetch(`${srv.url}/common/Consent/Set`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams({ flowToken, action: 'accept' }) })
    for (const headers of [{ origin: 'https://evil.example' }, { origin: 'null' }, { 'sec-fetch-site': 'cross-site' }] as Record<string, string>[]) assert.equal((await post(headers)).status, 403, JSON.stringify(headers))
    assert.equal(emu.directory.servicePrincipal(WELL_KNOWN.woodgroveTenantId, WELL_KNOWN.clientId), undefined, 'no consent was recorded')
    const same = await post({ origin: srv.url })
    assert.equal(same.status, 302, 'the page’s own origin consents')
  })
})

describe('remote bind', () => {
  test('serve() refuses a non-loopback interface without allowRemote', async () => {
    const emu = await createEmulator()
    await assert.rejects(serve(emu, { host: '0.0.0.0' }), RemoteBindError)
  })

  test('with allowRemote the control API requires the control token; the API routes do not', async () => {
    const emu = await createEmulator()
    const srv = await serve(emu, { host: '0.0.0.0', allowRemote: true })
    try {
      assert.ok(srv.controlToken && srv.controlToken.length >= 32)
      const url = `http://127.0.0.1:${srv.port}`
      assert.equal((await fetch(`${url}/_emulator/config`)).status, 401)
      assert.equal((await fetch(`${url}/_emulator/config`, { headers: { authorization: 'Bearer wrong' } })).status, 401)
      assert.equal((await fetch(`${url}/%5Femulator/config`)).status, 401, 'encoded path: same check')
      assert.equal((await fetch(`${url}/_emulator/config`, { headers: { authorization: `Bearer ${srv.controlToken}` } })).status, 200)
      assert.equal((await fetch(`${url}/common/discovery/v2.0/keys`)).status, 200)
    } finally {
      await srv.close()
    }
  })

  test('CLI: --host 0.0.0.0 without --allow-remote exits 2; with it, the control token is printed', async () => {
    const refused = await runCli(['emulator', '--host', '0.0.0.0', '--port', '0'])
    assert.equal(refused.code, 2, refused.stderr)
    assert.match(refused.stderr, /ERR_CLI_REMOTE_BIND/)
    assert.match(refused.stderr, /--allow-remote/)
    const child = startCli(['emulator', '--host', '0.0.0.0', '--allow-remote', '--port', '0'])
    try {
      const [, port, token] = await waitForOutput(child, /listening on https?:\/\/[^:]+:(\d+)[\s\S]*Authorization: Bearer (\S+)/)
      assert.equal((await fetch(`http://127.0.0.1:${port}/_emulator/config`)).status, 401)
      assert.equal((await fetch(`http://127.0.0.1:${port}/_emulator/config`, { headers: { authorization: `Bearer ${token}` } })).status, 200)
    } finally {
      child.kill('SIGTERM')
    }
  })

  test('CLI: externaldata files come from the --config file, relative to it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'm365d-ext-cli-'))
    writeFileSync(join(dir, 'iocs.csv'), 'Name\nmimikatz.exe\n')
    writeFileSync(join(dir, 'emu.json'), JSON.stringify({ ...wellKnownConfig(), externalData: { 'https://iocs.test/list.csv': { file: 'iocs.csv' } } }))
    const child = startCli(['emulator', '--config', join(dir, 'emu.json'), '--port', '0'])
    try {
      const [, url] = await waitForOutput(child, /listening on (\S+)/)
      const list = (await (await fetch(`${url}/_emulator/hunting/externaldata`)).json()) as { value: string[] }
      assert.deepEqual(list.value, ['https://iocs.test/list.csv'])
      const scope = 'https://api.security.microsoft.com/.default'
      const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: WELL_KNOWN.clientId, client_secret: WELL_KNOWN.clientSecret, scope })
      const { access_token } = (await (await fetch(`${url}/${WELL_KNOWN.contosoTenantId}/oauth2/v2.0/token`, { method: 'POST', body: form })).json()) as { access_token: string }
      const query = 'externaldata(Name:string) [@"https://iocs.test/list.csv"] with (format="csv", ignoreFirstRecord=true)'
      const run = await fetch(`${url}/api/advancedhunting/run`, { method: 'POST', headers: { ...JSON_TYPE, authorization: `Bearer ${access_token}` }, body: JSON.stringify({ Query: query }) })
      assert.deepEqual(((await run.json()) as { Results: unknown }).Results, [{ Name: 'mimikatz.exe' }])
    } finally {
      child.kill('SIGTERM')
    }
  })
})
