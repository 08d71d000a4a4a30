import assert from 'node:assert/strict'
import { request } from 'node:http'
import { after, before, describe, test } from 'node:test'
import { CONTENT_SECURITY_POLICY } from '../../src/console/index.js'
import { consoleRig, type ConsoleRig } from './_rig.js'

describe('console security (issue 9 §3)', () => {
  let rig: ConsoleRig
  before(async () => {
    rig = await consoleRig({ start: false })
  })
  after(() => rig.close())

  test('without a session: the page is the login page (401), the API and /status answer 401 with no tenant data', async () => {
    const page = await fetch(`${rig.base}/console/`)
    assert.equal(page.status, 401)
    const html = await page.text()
    assert.match(html, /login link/)
    assert.doesNotMatch(html, /Contoso|c0de0000/i)
    for (const path of ['/console/api/tenants', '/console/api/session', '/status']) {
      const r = await fetch(`${rig.base}${path}`)
      assert.equal(r.status, 401, path)
      assert.doesNotMatch(await r.text(), /Contoso|c0de0000/i, path)
    }
    // Probes and scrapes stay open, as before the console.
    assert.equal((await fetch(`${rig.base}/healthz`)).status, 200)
    assert.equal((await fetch(`${rig.base}/metrics`)).status, 200)
  })

  test('the login URL sets an HttpOnly SameSite=Strict session cookie and redirects without the token', async () => {
    const r = await fetch(rig.loginUrl(), { redirect: 'manual' })
    assert.equal(r.status, 303)
    assert.equal(r.headers.get('location'), '/console/')
    const cookie = r.headers.getSetCookie()[0]!
    assert.match(cookie, /^m365d_console=[\w-]{40,};/)
    assert.match(cookie, /HttpOnly/)
    assert.match(cookie, /SameSite=Strict/)
    const session = cookie.split(';')[0]!
    const api = await fetch(`${rig.base}/console/api/tenants`, { headers: { cookie: session } })
    assert.equal(api.status, 200)
    assert.equal(((await api.json()) as { tenants: unknown[] }).tenants.length, 4)
    assert.equal((await fetch(`${rig.base}/status`, { headers: { cookie: session } })).status, 200)
  })

  test('a login token works once: reused, it gets the login page saying how to get a new link, and no session', async () => {
    const url = rig.loginUrl()
    // A link preview (HEAD) does not spend it.
    assert.equal((await fetch(url, { method: 'HEAD', redirect: 'manual' })).status, 401)
    const first = await fetch(url, { redirect: 'manual' })
    assert.equal(first.status, 303)
    assert.equal(first.headers.getSetCookie().length, 1)
    const again = await fetch(url, { redirect: 'manual' })
    assert.equal(again.status, 401)
    assert.equal(again.headers.getSetCookie().length, 0)
    const page = await again.text()
    assert.match(page, /already used/)
    assert.match(page, /m365d console url/)
    // The browser that used it, opening it again, is simply in (its session cookie).
    const cookie = first.headers.getSetCookie()[0]!.split(';')[0]!
    const reload = await fetch(url, { redirect: 'manual', headers: { cookie } })
    assert.equal(reload.status, 303)
    assert.equal(reload.headers.getSetCookie().length, 0)
    // Two fresh links are two different tokens, each good once.
    const [a, b] = [rig.loginUrl(), rig.loginUrl()]
    assert.notEqual(a, b)
    assert.equal((await fetch(b, { redirect: 'manual' })).status, 303)
    assert.equal((await fetch(a, { redirect: 'manual' })).status, 303)
  })

  test('a wrong token gets no session', async () => {
    const r = await fetch(`${rig.base}/console/?token=not-the-token`, { redirect: 'manual' })
    assert.equal(r.status, 401)
    assert.equal(r.headers.getSetCookie().length, 0)
  })

  test('Host allow-list: a rebound name is refused even with a valid session', async () => {
    const { cookie } = await rig.login()
    const port = new URL(rig.base).port
    assert.equal(await statusWithHost(`${rig.base}/console/api/tenants`, cookie, `attacker.example:${port}`), 421)
    assert.equal(await statusWithHost(`${rig.base}/console/`, cookie, `attacker.example:${port}`), 421)
    assert.equal(await statusWithHost(`${rig.base}/console/api/tenants`, cookie, `localhost:${port}`), 200)
  })

  test('changes need the CSRF token and a same-origin Origin', async () => {
    const { cookie, csrf } = await rig.login()
    const url = `${rig.base}/console/api/tenants/${'c0de0000-0000-4000-8000-000000000002'}`
    const body = JSON.stringify({ tags: ['gold'] })
    assert.equal((await fetch(url, { method: 'PATCH', headers: { cookie, 'content-type': 'application/json' }, body })).status, 403)
    assert.equal((await fetch(url, { method: 'PATCH', headers: { cookie, 'x-csrf-token': 'wrong', 'content-type': 'application/json' }, body })).status, 403)
    const cross = await fetch(url, { method: 'PATCH', headers: { cookie, 'x-csrf-token': csrf, origin: 'http://evil.example', 'content-type': 'application/json' }, body })
    assert.equal(cross.status, 403)
    const good = await fetch(url, { method: 'PATCH', headers: { cookie, 'x-csrf-token': csrf, origin: rig.base, 'content-type': 'application/json' }, body })
    assert.equal(good.status, 200)
    const { rows } = await rig.db.query<{ tags: string[] }>(`SELECT tags FROM m365d_tenants WHERE tenant_id = 'c0de0000-0000-4000-8000-000000000002'`)
    assert.deepEqual(rows[0]!.tags, ['gold'])
  })

  test('every console response carries the strict CSP; the app has no inline script or style and nothing from another origin', async () => {
    const { cookie } = await rig.login()
    const r = await fetch(`${rig.base}/console/`, { headers: { cookie } })
    assert.equal(r.status, 200)
    assert.equal(r.headers.get('content-security-policy'), CONTENT_SECURITY_POLICY)
    assert.match(CONTENT_SECURITY_POLICY, /script-src 'self'(;|$)/)
    assert.doesNotMatch(CONTENT_SECURITY_POLICY, /unsafe-inline|unsafe-eval/)
    assert.equal(r.headers.get('x-frame-options'), 'DENY')
    const html = await r.text()
    assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/i, 'no inline <script>')
    assert.doesNotMatch(html, /<style|style="/i, 'no inline styles')
    assert.doesNotMatch(html, /https?:\/\//, 'no absolute (CDN) URLs')
    const login = await fetch(`${rig.base}/console/`)
    assert.equal(login.headers.get('content-security-policy'), CONTENT_SECURITY_POLICY)
  })
})

/** fetch() may not set Host; node:http sends what a rebound browser would. */
function statusWithHost(url: string, cookie: string, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { cookie, host } }, (res) => {
      res.resume()
      resolve(res.statusCode ?? 0)
    })
    req.on('error', reject)
    req.end()
  })
}
