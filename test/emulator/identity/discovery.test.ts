import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { createEmulator, serve, WELL_KNOWN, type Emulator, type RunningEmulator } from '../../../src/emulator/index.js'

type Doc = Record<string, unknown> & { issuer: string; token_endpoint: string; jwks_uri: string; authorization_endpoint: string }

describe('OpenID discovery documents', () => {
  let emulator: Emulator
  let running: RunningEmulator
  before(async () => {
    emulator = await createEmulator()
    running = await serve(emulator)
  })
  after(() => running.close())

  test('v2 tenant document: endpoints on the request origin with the tenant GUID, even when asked by domain', async () => {
    const res = await fetch(`${running.url}/contoso.onmicrosoft.com/v2.0/.well-known/openid-configuration`)
    assert.equal(res.status, 200)
    assert.equal(res.headers.get('cache-control'), 'max-age=86400, private')
    assert.equal(res.headers.get('access-control-allow-origin'), '*')
    assert.match(res.headers.get('content-type')!, /^application\/json; charset=utf-8/)
    const doc = (await res.json()) as Doc
    const tid = WELL_KNOWN.contosoTenantId
    assert.equal(doc.issuer, `${running.url}/${tid}/v2.0`)
    assert.equal(doc.token_endpoint, `${running.url}/${tid}/oauth2/v2.0/token`)
    assert.equal(doc.jwks_uri, `${running.url}/${tid}/discovery/v2.0/keys`)
    assert.equal(doc.authorization_endpoint, `${running.url}/${tid}/oauth2/v2.0/authorize`)
    assert.equal(doc.end_session_endpoint, `${running.url}/${tid}/oauth2/v2.0/logout`)
    assert.equal(doc.tenant_region_scope, 'WW')
    assert.deepEqual(doc.token_endpoint_auth_methods_supported, ['client_secret_post', 'private_key_jwt', 'client_secret_basic'])
    assert.deepEqual(doc.id_token_signing_alg_values_supported, ['RS256'])
    // Every field of the recorded real document is present (entra-app-only.md §5.2).
    for (const field of ['response_modes_supported', 'subject_types_supported', 'response_types_supported', 'scopes_supported', 'request_uri_parameter_supported',
      'userinfo_endpoint', 'device_authorization_endpoint', 'http_logout_supported', 'frontchannel_logout_supported', 'claims_supported', 'kerberos_endpoint',
      'cloud_instance_name', 'cloud_graph_host_name', 'msgraph_host', 'rbac_url'])
      assert.ok(field in doc, field)
  })

  test('v2 common and organizations documents keep the literal segment and a {tenantid} issuer', async () => {
    for (const seg of ['common', 'organizations']) {
      const doc = (await (await fetch(`${running.url}/${seg}/v2.0/.well-known/openid-configuration`)).json()) as Doc
      assert.equal(doc.issuer, `${running.url}/{tenantid}/v2.0`)
      assert.equal(doc.token_endpoint, `${running.url}/${seg}/oauth2/v2.0/token`)
      assert.equal(doc.jwks_uri, `${running.url}/${seg}/discovery/v2.0/keys`)
      assert.equal(doc.tenant_region_scope, null)
    }
  })

  test('v1 documents: sts.windows.net issuer, common JWKS, tenant endpoints', async () => {
    const tid = WELL_KNOWN.fabrikamTenantId
    const doc = (await (await fetch(`${running.url}/${tid}/.well-known/openid-configuration`)).json()) as Doc
    assert.equal(doc.issuer, `https://sts.windows.net/${tid}/`)
    assert.equal(doc.token_endpoint, `${running.url}/${tid}/oauth2/token`)
    assert.equal(doc.jwks_uri, `${running.url}/common/discovery/keys`)
    assert.equal(doc.microsoft_multi_refresh_token, true)
    const common = (await (await fetch(`${running.url}/common/.well-known/openid-configuration`)).json()) as Doc
    assert.equal(common.issuer, 'https://sts.windows.net/{tenantid}/')
    assert.equal(common.authorization_endpoint, `${running.url}/common/oauth2/authorize`)
    const withApp = (await (await fetch(`${running.url}/${tid}/.well-known/openid-configuration?appid=${WELL_KNOWN.clientId}`)).json()) as Doc
    assert.equal(withApp.jwks_uri, `${running.url}/${tid}/discovery/keys?appid=${WELL_KNOWN.clientId}`)
  })

  test('URLs follow the Host the request names (any host or port)', async () => {
    const res = await emulator.fetch('https://login.emulator.example:8443/common/v2.0/.well-known/openid-configuration')
    const doc = (await res.json()) as Doc
    assert.equal(doc.token_endpoint, 'https://login.emulator.example:8443/common/oauth2/v2.0/token')
  })

  test('paths are case-insensitive like the real service', async () => {
    const res = await fetch(`${running.url}/Contoso.OnMicrosoft.com/V2.0/.Well-Known/OpenID-Configuration`)
    assert.equal(res.status, 200)
  })

  test('unknown tenant: 400 invalid_tenant AADSTS90002', async () => {
    for (const path of ['/nosuch.onmicrosoft.com/v2.0/.well-known/openid-configuration', '/00000000-0000-4000-8000-00000000dead/.well-known/openid-configuration']) {
      const res = await fetch(running.url + path)
      assert.equal(res.status, 400)
      assert.equal(res.headers.get('access-control-allow-origin'), '*')
      const body = (await res.json()) as { error: string; error_codes: number[]; error_uri: string }
      assert.equal(body.error, 'invalid_tenant')
      assert.deepEqual(body.error_codes, [90002])
      assert.equal(body.error_uri, `${running.url}/error?code=90002`)
    }
  })

  test('CORS preflight and the discovery route group (faults, request log)', async () => {
    const pre = await fetch(`${running.url}/common/v2.0/.well-known/openid-configuration`, { method: 'OPTIONS' })
    assert.equal(pre.status, 204)
    assert.equal(pre.headers.get('access-control-allow-methods'), 'GET, OPTIONS')
    emulator.faults.add({ target: 'discovery', status: 503 })
    assert.equal((await fetch(`${running.url}/common/v2.0/.well-known/openid-configuration`)).status, 503)
    assert.equal((await fetch(`${running.url}/common/v2.0/.well-known/openid-configuration`)).status, 200)
    assert.ok(emulator.requests.list({ group: 'discovery' }).length >= 3)
  })
})
