/**
 * Emulator state lives in each instance's context (issue 10 §7): two emulators in one process
 * share no token windows, consent flows or hunting state; and a route group's domain errors are
 * answered by its own onError in the surface's shape, in process (the emulator's fetch).
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { createEmulator, WELL_KNOWN, wellKnownConfig } from '../../src/emulator/index.js'

const form = (extra: Record<string, string> = {}) =>
  new URLSearchParams({ grant_type: 'client_credentials', client_id: WELL_KNOWN.clientId, client_secret: WELL_KNOWN.clientSecret, scope: 'https://graph.microsoft.com/.default', ...extra })

async function token(emu: { fetch: typeof fetch }, extra: Record<string, string> = {}): Promise<Response> {
  return emu.fetch(`http://127.0.0.1/${WELL_KNOWN.homeTenantId}/oauth2/v2.0/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form(extra) })
}

describe('per-instance state', () => {
  test('token rate windows are per emulator', async () => {
    const config = { ...wellKnownConfig(), tokenRateLimit: { requests: 1, perSeconds: 60 } }
    const a = await createEmulator({ config })
    const b = await createEmulator({ config })
    assert.equal((await token(a)).status, 200)
    assert.equal((await token(a)).status, 429, 'a is over its limit')
    assert.equal((await token(b)).status, 200, 'b has its own window')
  })

  test('a consent flowToken issued by one emulator is unknown to another', async () => {
    const a = await createEmulator()
    const b = await createEmulator()
    const q = new URLSearchParams({ client_id: WELL_KNOWN.clientId, redirect_uri: WELL_KNOWN.redirectUri })
    const page = await (await a.fetch(`http://127.0.0.1/${WELL_KNOWN.woodgroveTenantId}/adminconsent?${q}`)).text()
    const flowToken = /name="flowToken" value="([^"]+)"/.exec(page)?.[1] ?? assert.fail('no flowToken')
    const submit = (emu: typeof a) =>
      emu.fetch('http://127.0.0.1/common/Consent/Set', { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ flowToken, action: 'accept' }) })
    const onB = await submit(b)
    assert.notEqual(onB.status, 302)
    assert.match(await onB.text(), /flowToken parameter is empty or not valid/)
    assert.equal((await submit(a)).status, 302)
  })

  test('hunting state is per emulator', async () => {
    const a = await createEmulator()
    const b = await createEmulator()
    a.hunting.configure({ rowsPerTenant: 123 })
    assert.equal(a.hunting.rowsPerTenant, 123)
    assert.notEqual(b.hunting.rowsPerTenant, 123)
    assert.notEqual(a.hunting, b.hunting)
  })
})

describe('route group onError', () => {
  test('a bad $filter is a 400 in each surface’s shape; a bad token form is an OAuth error with the form’s correlation id', async () => {
    const emu = await createEmulator()
    const tokenOf = async (scope: string) => ((await (await token(emu, { scope })).json()) as { access_token: string }).access_token
    const legacy = await emu.fetch('http://127.0.0.1/api/incidents?$filter=nope eq 1', { headers: { authorization: `Bearer ${await tokenOf('https://api.security.microsoft.com/.default')}` } })
    assert.equal(legacy.status, 400)
    const lb = (await legacy.json()) as { error: { code: string; message: string; target: string } }
    assert.equal(lb.error.code, 'ODataError')
    assert.match(lb.error.message, /^Invalid OData URI query: \$filter: /)
    assert.ok(lb.error.target)
    const graph = await emu.fetch('http://127.0.0.1/v1.0/security/incidents?$filter=nope eq 1', { headers: { authorization: `Bearer ${await tokenOf('https://graph.microsoft.com/.default')}` } })
    assert.equal(graph.status, 400)
    const gb = (await graph.json()) as { error: { code: string; innerError: { 'request-id': string } } }
    assert.equal(gb.error.code, 'BadRequest')
    assert.equal(gb.error.innerError['request-id'], graph.headers.get('request-id'))
    const correlation = crypto.randomUUID()
    const bad = await token(emu, { client_secret: 'wrong', 'client-request-id': correlation })
    assert.equal(bad.status, 401)
    assert.equal(((await bad.json()) as { correlation_id: string }).correlation_id, correlation)
  })
})
