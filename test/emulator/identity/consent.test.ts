import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { createEmulator, serve, WELL_KNOWN, type Emulator, type RunningEmulator } from '../../../src/emulator/index.js'
import { ManualClock } from '../../../src/lib/clock.js'

const GRAPH = '00000003-0000-0000-c000-000000000000'

describe('admin consent', () => {
  let emulator: Emulator
  let running: RunningEmulator
  let clock: ManualClock
  const get = (path: string) => fetch(running.url + path, { redirect: 'manual' })
  const flowToken = (html: string) => /name="flowToken" value="([^"]+)"/.exec(html)?.[1] ?? assert.fail('no flowToken in page')
  const post = (fields: Record<string, string>, headers: Record<string, string> = {}) =>
    fetch(`${running.url}/common/Consent/Set`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams(fields).toString(),
    })
  const errorCode = (html: string) => Number(/data-error-code="(\d+)"/.exec(html)?.[1])
  const tokenFor = (tenant: string) =>
    fetch(`${running.url}/${tenant}/oauth2/v2.0/token`, {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: WELL_KNOWN.clientId, client_secret: WELL_KNOWN.clientSecret, scope: 'https://graph.microsoft.com/.default' }),
    })
  const q = (params: Record<string, string>) => new URLSearchParams(params).toString()

  before(async () => {
    clock = new ManualClock(Date.now())
    emulator = await createEmulator({ clock })
    running = await serve(emulator)
  })
  after(() => running.close())

  test('v1 /{tenant}/adminconsent: page lists the app, publisher and every permission by API; Accept consents and redirects', async () => {
    assert.equal((await tokenFor(WELL_KNOWN.woodgroveTenantId)).status, 400, 'not consented yet')
    const res = await get(`/woodgrove.onmicrosoft.com/adminconsent?${q({ client_id: WELL_KNOWN.clientId, redirect_uri: WELL_KNOWN.redirectUri, state: 'st 1' })}`)
    assert.equal(res.status, 200)
    assert.match(res.headers.get('content-type')!, /^text\/html/)
    assert.equal(res.headers.get('x-frame-options'), 'DENY')
    const html = await res.text()
    for (const text of ['m365d demo partner app', 'm365d Partner (home)', 'Woodgrove Bank', 'Microsoft Threat Protection', 'Microsoft Graph',
      'Read all incidents', 'Incident.Read.All', 'AdvancedHunting.Read.All', 'Run hunting queries', 'ThreatHunting.Read.All', 'value="accept"', 'value="cancel"'])
      assert.ok(html.includes(text), text)
    assert.ok(!html.includes('name="tenant"'), 'tenant known from the path: no tenant field')
    assert.ok(!/<script/i.test(html))

    const done = await post({ flowToken: flowToken(html), action: 'accept' })
    assert.equal(done.status, 302)
    const location = done.headers.get('location')!
    assert.equal(location, `${WELL_KNOWN.redirectUri}?tenant=${WELL_KNOWN.woodgroveTenantId}&state=st+1&admin_consent=True`)
    assert.ok(emulator.directory.servicePrincipal(WELL_KNOWN.woodgroveTenantId, WELL_KNOWN.clientId))
    assert.deepEqual(emulator.directory.rolesFor(WELL_KNOWN.woodgroveTenantId, WELL_KNOWN.clientId, GRAPH), [
      'SecurityIncident.Read.All', 'SecurityIncident.ReadWrite.All', 'SecurityAlert.Read.All', 'SecurityAlert.ReadWrite.All', 'ThreatHunting.Read.All',
    ])
    assert.equal((await tokenFor(WELL_KNOWN.woodgroveTenantId)).status, 200, 'the token endpoint sees the consent')
  })

  test('the flow token is one-time and expires', async () => {
    const path = `/${WELL_KNOWN.fabrikamTenantId}/adminconsent?${q({ client_id: WELL_KNOWN.clientId, redirect_uri: WELL_KNOWN.redirectUri })}`
    const token = flowToken(await (await get(path)).text())
    assert.equal((await post({ flowToken: token, action: 'accept' })).status, 302)
    const replay = await post({ flowToken: token, action: 'accept' })
    assert.equal(replay.status, 400)
    assert.equal(errorCode(await replay.text()), 90100)
    const stale = flowToken(await (await get(path)).text())
    clock.advance(15 * 60_000 + 1)
    assert.equal(errorCode(await (await post({ flowToken: stale, action: 'accept' })).text()), 90100)
    assert.equal(errorCode(await (await post({ action: 'accept' })).text()), 90100)
  })

  test('a post from another origin is refused (CSRF)', async () => {
    emulator.directory.revokeConsent(WELL_KNOWN.woodgroveTenantId, WELL_KNOWN.clientId)
    const html = await (await get(`/${WELL_KNOWN.woodgroveTenantId}/adminconsent?${q({ client_id: WELL_KNOWN.clientId, redirect_uri: WELL_KNOWN.redirectUri })}`)).text()
    const res = await post({ flowToken: flowToken(html), action: 'accept' }, { origin: 'https://evil.example' })
    assert.equal(res.status, 403)
    assert.equal(emulator.directory.servicePrincipal(WELL_KNOWN.woodgroveTenantId, WELL_KNOWN.clientId), undefined)
  })

  test('legacy /common/oauth2/authorize?prompt=consent (the Defender partner link): the admin names the tenant; default redirect URI', async () => {
    const res = await get(`/common/oauth2/authorize?${q({ prompt: 'consent', client_id: WELL_KNOWN.clientId, response_type: 'code', sso_reload: 'true' })}`)
    assert.equal(res.status, 200)
    const html = await res.text()
    assert.ok(html.includes('name="tenant"'))
    assert.ok(html.includes('<label for="tenant">'))
    // Unknown tenant typed: the page comes back with the problem and a fresh token.
    const retry = await post({ flowToken: flowToken(html), action: 'accept', tenant: 'nosuch.onmicrosoft.com' })
    assert.equal(retry.status, 400)
    const retryHtml = await retry.text()
    assert.ok(retryHtml.includes('AADSTS90002'))
    assert.ok(retryHtml.includes('value="nosuch.onmicrosoft.com"'))
    const done = await post({ flowToken: flowToken(retryHtml), action: 'accept', tenant: 'woodgrove.onmicrosoft.com' })
    assert.equal(done.status, 302)
    const location = new URL(done.headers.get('location')!)
    assert.equal(location.origin + location.pathname, WELL_KNOWN.redirectUri)
    assert.equal(location.searchParams.get('admin_consent'), 'True')
    assert.equal(location.searchParams.get('tenant'), WELL_KNOWN.woodgroveTenantId)
    assert.ok(emulator.directory.servicePrincipal(WELL_KNOWN.woodgroveTenantId, WELL_KNOWN.clientId))
  })

  test('prompt=admin_consent on a tenant authorize URL with an explicit redirect_uri', async () => {
    const html = await (await get(`/${WELL_KNOWN.tailspinTenantId}/oauth2/authorize?${q({ client_id: WELL_KNOWN.clientId, response_type: 'code', prompt: 'admin_consent', redirect_uri: 'https://portal.azure.com/', state: 'x' })}`)).text()
    const done = await post({ flowToken: flowToken(html), action: 'accept' })
    assert.equal(done.headers.get('location'), `https://portal.azure.com/?admin_consent=True&tenant=${WELL_KNOWN.tailspinTenantId}&state=x`)
    // Tailspin had a partial grant; consent grants everything the app asks for.
    assert.ok(emulator.directory.rolesFor(WELL_KNOWN.tailspinTenantId, WELL_KNOWN.clientId, GRAPH).includes('SecurityIncident.Read.All'))
  })

  test('v2 /{tenant}/v2.0/adminconsent: scope echoed on success; cancel → access_denied AADSTS65004 with admin_consent=True', async () => {
    const scope = 'https://graph.microsoft.com/.default'
    const path = `/organizations/v2.0/adminconsent?${q({ client_id: WELL_KNOWN.clientId, redirect_uri: WELL_KNOWN.redirectUri, state: '12345', scope })}`
    const html = await (await get(path)).text()
    assert.ok(html.includes(scope))
    const ok = new URL((await post({ flowToken: flowToken(html), action: 'accept', tenant: WELL_KNOWN.contosoTenantId })).headers.get('location')!)
    assert.deepEqual([...ok.searchParams.keys()], ['admin_consent', 'tenant', 'scope', 'state'])
    assert.equal(ok.searchParams.get('scope'), scope)
    assert.equal(ok.searchParams.get('tenant'), WELL_KNOWN.contosoTenantId)

    const cancelled = await post({ flowToken: flowToken(await (await get(path)).text()), action: 'cancel' })
    assert.equal(cancelled.status, 302)
    const loc = new URL(cancelled.headers.get('location')!)
    assert.equal(loc.searchParams.get('error'), 'access_denied')
    assert.match(loc.searchParams.get('error_description')!, /^AADSTS65004: User declined to consent to access the app\.\r\nTrace ID: /)
    assert.equal(loc.searchParams.get('error_uri'), `${running.url}/error?code=65004`)
    assert.equal(loc.searchParams.get('admin_consent'), 'True')
    assert.equal(loc.searchParams.get('state'), '12345')
    assert.equal(loc.searchParams.get('tenant'), null)
  })

  test('v1 cancel carries no admin_consent and grants nothing', async () => {
    emulator.directory.revokeConsent(WELL_KNOWN.woodgroveTenantId, WELL_KNOWN.clientId)
    const html = await (await get(`/${WELL_KNOWN.woodgroveTenantId}/adminconsent?${q({ client_id: WELL_KNOWN.clientId, redirect_uri: WELL_KNOWN.redirectUri })}`)).text()
    const loc = new URL((await post({ flowToken: flowToken(html), action: 'cancel' })).headers.get('location')!)
    assert.equal(loc.searchParams.get('error'), 'access_denied')
    assert.equal(loc.searchParams.has('admin_consent'), false)
    assert.equal(emulator.directory.servicePrincipal(WELL_KNOWN.woodgroveTenantId, WELL_KNOWN.clientId), undefined)
  })

  test('error pages never redirect: 50011 bad redirect_uri, 700016 unknown app, 900144 missing client_id, 90002 unknown tenant', async () => {
    const cases: [string, number][] = [
      [`/common/adminconsent?${q({ client_id: WELL_KNOWN.clientId, redirect_uri: 'https://evil.example/cb' })}`, 50011],
      [`/common/v2.0/adminconsent?${q({ client_id: WELL_KNOWN.clientId, redirect_uri: `${WELL_KNOWN.redirectUri}/extra`, scope: 'https://graph.microsoft.com/.default' })}`, 50011],
      [`/common/adminconsent?${q({ client_id: '00000000-0000-4000-8000-000000000bad', redirect_uri: WELL_KNOWN.redirectUri })}`, 700016],
      [`/common/adminconsent?${q({ redirect_uri: WELL_KNOWN.redirectUri })}`, 900144],
      [`/common/oauth2/authorize?${q({ client_id: WELL_KNOWN.clientId })}`, 900144],
      [`/common/v2.0/adminconsent?${q({ client_id: WELL_KNOWN.clientId, redirect_uri: WELL_KNOWN.redirectUri })}`, 900144],
      [`/common/v2.0/adminconsent?${q({ client_id: WELL_KNOWN.clientId, redirect_uri: WELL_KNOWN.redirectUri, scope: 'https://nothing.example/.default' })}`, 500011],
      [`/nosuch.onmicrosoft.com/adminconsent?${q({ client_id: WELL_KNOWN.clientId, redirect_uri: WELL_KNOWN.redirectUri })}`, 90002],
    ]
    for (const [path, code] of cases) {
      const res = await get(path)
      assert.equal(res.status, 400, path)
      assert.equal(res.headers.get('location'), null)
      assert.equal(errorCode(await res.text()), code, path)
    }
  })

  test('v1 /adminconsent accepts extra path segments on a registered redirect URI', async () => {
    const res = await get(`/common/adminconsent?${q({ client_id: WELL_KNOWN.clientId, redirect_uri: `${WELL_KNOWN.redirectUri}/more` })}`)
    assert.equal(res.status, 200)
  })

  test('single-tenant apps cannot be consented outside their home tenant; disabled apps get 7000112', async () => {
    const single = emulator.directory.addApp({ homeTenantId: WELL_KNOWN.homeTenantId, signInAudience: 'AzureADMyOrg', redirectUris: ['https://single.example/cb'], displayName: 'Single <b>' })
    const direct = await get(`/${WELL_KNOWN.contosoTenantId}/adminconsent?${q({ client_id: single.appId, redirect_uri: 'https://single.example/cb' })}`)
    assert.equal(errorCode(await direct.text()), 700016)
    const html = await (await get(`/common/adminconsent?${q({ client_id: single.appId, redirect_uri: 'https://single.example/cb' })}`)).text()
    assert.ok(html.includes('Single &lt;b&gt;'), 'display name is HTML-escaped')
    const res = await post({ flowToken: flowToken(html), action: 'accept', tenant: WELL_KNOWN.contosoTenantId })
    assert.equal(res.status, 400)
    assert.equal(errorCode(await res.text()), 700016)
    single.enabled = false
    assert.equal(errorCode(await (await get(`/${WELL_KNOWN.homeTenantId}/adminconsent?${q({ client_id: single.appId, redirect_uri: 'https://single.example/cb' })}`)).text()), 7000112)
  })

  test('requests are logged under the consent group', () => {
    assert.ok(emulator.requests.list({ group: 'consent' }).some((r) => r.method === 'POST' && r.url === '/common/Consent/Set'))
  })
})
