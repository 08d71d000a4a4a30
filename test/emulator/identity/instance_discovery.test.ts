import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { createEmulator, serve, type Emulator, type RunningEmulator } from '../../../src/emulator/index.js'

interface Instance { tenant_discovery_endpoint: string; 'api-version': string; metadata: { preferred_network: string; preferred_cache: string; aliases: string[] }[] }

describe('instance discovery', () => {
  let emulator: Emulator
  let running: RunningEmulator
  before(async () => {
    emulator = await createEmulator()
    running = await serve(emulator)
  })
  after(() => running.close())

  test('an authority on the emulator host is trusted; the tenant is echoed; loopback spellings are aliases', async () => {
    const host = new URL(running.url).host
    // MSAL JS does not URL-encode the parameter (entra-app-only.md §7.1).
    const res = await fetch(`${running.url}/common/discovery/instance?api-version=1.1&authorization_endpoint=${running.url}/contoso.onmicrosoft.com/oauth2/v2.0/authorize`)
    assert.equal(res.status, 200)
    assert.equal(res.headers.get('cache-control'), 'max-age=86400, private')
    const body = (await res.json()) as Instance
    assert.equal(body.tenant_discovery_endpoint, `${running.url}/contoso.onmicrosoft.com/v2.0/.well-known/openid-configuration`)
    assert.equal(body['api-version'], '1.1')
    const ours = body.metadata[0]!
    assert.equal(ours.preferred_network, host)
    assert.equal(ours.preferred_cache, host)
    assert.ok(ours.aliases.includes(`localhost:${running.port}`))
    assert.ok(body.metadata.some((m) => m.preferred_network === 'login.microsoftonline.com' && m.preferred_cache === 'login.windows.net'))
  })

  test('the encoded form (MSAL.NET) works too, and the discovery endpoint it names resolves', async () => {
    const auth = encodeURIComponent(`http://localhost:${running.port}/common/oauth2/v2.0/authorize`)
    const body = (await (await fetch(`${running.url}/common/discovery/instance?api-version=1.1&authorization_endpoint=${auth}`)).json()) as Instance
    assert.equal(body.metadata[0]!.preferred_network, `localhost:${running.port}`)
    const doc = await fetch(body.tenant_discovery_endpoint)
    assert.equal(doc.status, 200)
  })

  test('Microsoft cloud hosts are known instances', async () => {
    const res = await fetch(`${running.url}/common/discovery/instance?api-version=1.1&authorization_endpoint=https://login.microsoftonline.us/x/oauth2/v2.0/authorize`)
    assert.equal(res.status, 200)
  })

  test('an unknown host is invalid_instance (AADSTS50049); a missing endpoint is a malformed request', async () => {
    const res = await fetch(`${running.url}/common/discovery/instance?api-version=1.1&authorization_endpoint=https://evil.example/x/oauth2/v2.0/authorize`)
    assert.equal(res.status, 400)
    const body = (await res.json()) as { error: string; error_codes: number[] }
    assert.equal(body.error, 'invalid_instance')
    assert.deepEqual(body.error_codes, [50049])
    const missing = await fetch(`${running.url}/common/discovery/instance?api-version=1.1`)
    assert.equal(missing.status, 400)
    assert.deepEqual(((await missing.json()) as { error_codes: number[] }).error_codes, [50050])
  })
})
