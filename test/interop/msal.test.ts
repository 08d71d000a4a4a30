import assert from 'node:assert/strict'
import { createHash, X509Certificate } from 'node:crypto'
import { after, before, describe, test } from 'node:test'
import { WELL_KNOWN } from '../../src/emulator/index.js'
import { startHttpsEmulator, type HttpsEmulator } from './run_client.js'

const SCOPES = ['https://api.security.microsoft.com/.default']
const MTP_ROLES = ['Incident.Read.All', 'Incident.ReadWrite.All', 'AdvancedHunting.Read.All']

describe('@azure/msal-node ConfidentialClientApplication against the emulator over HTTPS', () => {
  let h: HttpsEmulator
  const base = () => ({ library: 'msal', clientId: WELL_KNOWN.clientId, scopes: SCOPES, knownAuthorities: [`localhost:${h.running.port}`] })
  before(async () => {
    h = await startHttpsEmulator()
  })
  after(() => h.close())

  test('client secret: token with the tenant and roles; second call served from MSAL cache; what MSAL sent was accepted', async () => {
    h.emulator.requests.clear()
    const r = await h.client({ ...base(), authority: `${h.origin}/${WELL_KNOWN.contosoTenantId}`, clientSecret: WELL_KNOWN.clientSecret, repeat: 2 })
    assert.equal(r.ok, true, JSON.stringify(r.error))
    assert.equal(r.claims!.tid, WELL_KNOWN.contosoTenantId)
    assert.equal(r.claims!.appid, WELL_KNOWN.clientId)
    assert.equal(r.claims!.aud, 'https://api.security.microsoft.com')
    assert.equal(r.claims!.iss, `https://sts.windows.net/${WELL_KNOWN.contosoTenantId}/`)
    assert.deepEqual([...(r.claims!.roles as string[])].sort(), [...MTP_ROLES].sort())
    assert.deepEqual(r.fromCache, [false, true])

    // What MSAL actually sent, read back through the control API.
    const sent = ((await (await h.emulator.fetch(`${h.origin}/_emulator/requests`)).json()) as { value: { method: string; url: string; status: number; body?: string }[] }).value
    assert.deepEqual(sent.map((s) => [s.method, s.url.split('?')[0], s.status]), [
      ['GET', `/${WELL_KNOWN.contosoTenantId}/v2.0/.well-known/openid-configuration`, 200],
      ['POST', `/${WELL_KNOWN.contosoTenantId}/oauth2/v2.0/token`, 200],
    ])
    const token = sent[1]!
    const form = new URLSearchParams(token.body)
    assert.equal(form.get('grant_type'), 'client_credentials')
    assert.equal(form.get('scope'), SCOPES[0])
    assert.equal(form.get('client_secret'), '[redacted]', 'the log never holds the secret')
    // msal-node 3 puts its telemetry and client-request-id in the form body (and the id in the query too).
    assert.equal(form.get('x-client-SKU'), 'msal.js.node')
    assert.equal(form.get('x-ms-lib-capability'), 'retry-after, h429')
    assert.equal(new URL(`https://x${token.url}`).searchParams.get('client-request-id'), form.get('client-request-id'))
  })

  test('an authority by verified domain works (MSAL canonicalises it with the GUID from discovery)', async () => {
    const r = await h.client({ ...base(), authority: `${h.origin}/fabrikam.onmicrosoft.com`, clientSecret: WELL_KNOWN.clientSecret })
    assert.equal(r.ok, true, JSON.stringify(r.error))
    assert.equal(r.claims!.tid, WELL_KNOWN.fabrikamTenantId)
  })

  test('certificate with thumbprintSha256 (x5t#S256), legacy SHA-1 thumbprint (x5t), and with x5c', async () => {
    const der = new X509Certificate(WELL_KNOWN.certificatePem).raw
    const sha256 = createHash('sha256').update(der).digest('hex')
    for (const clientCertificate of [
      { thumbprintSha256: sha256, privateKey: WELL_KNOWN.privateKeyPem },
      { thumbprint: WELL_KNOWN.certificateThumbprint, privateKey: WELL_KNOWN.privateKeyPem },
      { thumbprintSha256: sha256, privateKey: WELL_KNOWN.privateKeyPem, x5c: WELL_KNOWN.certificatePem },
    ]) {
      h.emulator.requests.clear()
      const r = await h.client({ ...base(), authority: `${h.origin}/${WELL_KNOWN.tailspinTenantId}`, clientCertificate })
      assert.equal(r.ok, true, JSON.stringify(r.error))
      assert.equal(r.claims!.tid, WELL_KNOWN.tailspinTenantId)
      assert.equal(r.claims!.appidacr, '2', 'certificate-authenticated')
      // Tailspin's admin granted only some roles.
      assert.deepEqual(r.claims!.roles, ['AdvancedHunting.Read.All'])
      const form = new URLSearchParams(h.emulator.requests.list({ group: 'token' })[0]!.body)
      assert.equal(form.get('client_assertion_type'), 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer')
    }
  })

  test('an unconsented tenant surfaces AADSTS700016 through MSAL', async () => {
    const r = await h.client({ ...base(), authority: `${h.origin}/${WELL_KNOWN.woodgroveTenantId}`, clientSecret: WELL_KNOWN.clientSecret })
    assert.equal(r.ok, false)
    assert.equal(r.error!.errorCode, 'unauthorized_client')
    assert.match(r.error!.message, /AADSTS700016/)
  })

  test('without knownAuthorities MSAL sends instance discovery to login.microsoftonline.com (hard-coded): fails offline', async () => {
    h.emulator.requests.clear()
    const r = await h.client({ library: 'msal', clientId: WELL_KNOWN.clientId, scopes: SCOPES, authority: `${h.origin}/${WELL_KNOWN.contosoTenantId}`, clientSecret: WELL_KNOWN.clientSecret })
    assert.equal(r.ok, false)
    // msal-node 3.8 reports the untrusted authority as endpoints_resolution_error.
    assert.equal(r.error!.errorCode, 'endpoints_resolution_error')
    assert.equal(h.emulator.requests.list().length, 0, 'MSAL never asked the emulator')
  })

  test("the emulator's instance discovery response is accepted by MSAL as cloudDiscoveryMetadata", async () => {
    const res = await h.emulator.fetch(`${h.origin}/common/discovery/instance?api-version=1.1&authorization_endpoint=${h.origin}/common/oauth2/v2.0/authorize`)
    const r = await h.client({
      library: 'msal', clientId: WELL_KNOWN.clientId, scopes: SCOPES, authority: `${h.origin}/${WELL_KNOWN.contosoTenantId}`, clientSecret: WELL_KNOWN.clientSecret,
      cloudDiscoveryMetadata: await res.text(),
    })
    assert.equal(r.ok, true, JSON.stringify(r.error))
    assert.equal(r.claims!.tid, WELL_KNOWN.contosoTenantId)
  })

  test("with MSAL's instance-discovery call routed to the emulator, the emulator's answer makes MSAL trust it", async () => {
    h.emulator.requests.clear()
    const r = await h.client({
      library: 'msal', clientId: WELL_KNOWN.clientId, scopes: SCOPES, authority: `${h.origin}/${WELL_KNOWN.contosoTenantId}`, clientSecret: WELL_KNOWN.clientSecret,
      redirectInstanceDiscoveryTo: h.origin,
    })
    assert.equal(r.ok, true, JSON.stringify(r.error))
    const discovery = h.emulator.requests.list({ group: 'discovery' })
    const instance = discovery.find((d) => d.url.startsWith('/common/discovery/instance'))
    assert.ok(instance, 'MSAL asked the emulator for instance discovery')
    assert.equal(instance.status, 200)
    const asked = new URL(`https://x${instance.url}`).searchParams
    assert.equal(asked.get('api-version'), '1.1')
    assert.equal(asked.get('authorization_endpoint'), `${h.origin}/${WELL_KNOWN.contosoTenantId}/oauth2/v2.0/authorize`)
  })
})
