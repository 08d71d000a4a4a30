import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { WELL_KNOWN } from '../../src/emulator/index.js'
import { startHttpsEmulator, type HttpsEmulator } from './run_client.js'

const GRAPH_ROLES = ['SecurityIncident.Read.All', 'SecurityIncident.ReadWrite.All', 'SecurityAlert.Read.All', 'SecurityAlert.ReadWrite.All', 'ThreatHunting.Read.All']

describe('@azure/identity credentials against the emulator over HTTPS', () => {
  let h: HttpsEmulator
  const base = () => ({ library: 'identity', clientId: WELL_KNOWN.clientId, authorityHost: h.origin, disableInstanceDiscovery: true })
  before(async () => {
    h = await startHttpsEmulator()
  })
  after(() => h.close())

  test('ClientSecretCredential.getToken (Defender scope)', async () => {
    h.emulator.requests.clear()
    const r = await h.client({ ...base(), tenantId: WELL_KNOWN.contosoTenantId, clientSecret: WELL_KNOWN.clientSecret, scopes: 'https://api.security.microsoft.com/.default' })
    assert.equal(r.ok, true, JSON.stringify(r.error))
    assert.equal(r.claims!.tid, WELL_KNOWN.contosoTenantId)
    assert.deepEqual([...(r.claims!.roles as string[])].sort(), ['AdvancedHunting.Read.All', 'Incident.Read.All', 'Incident.ReadWrite.All'])
    assert.ok(typeof r.expiresOn === 'number' && r.expiresOn > Date.now())
    const sent = h.emulator.requests.list()
    assert.ok(sent.every((s) => s.status === 200), JSON.stringify(sent.map((s) => [s.url, s.status])))
    assert.ok(sent.some((s) => s.group === 'token'))
  })

  test('ClientCertificateCredential.getToken with a PEM holding certificate and key (Graph scope), with and without the chain (x5c)', async () => {
    for (const sendCertificateChain of [false, true]) {
      const r = await h.client({
        ...base(),
        tenantId: WELL_KNOWN.fabrikamTenantId,
        certificate: WELL_KNOWN.certificatePem + WELL_KNOWN.privateKeyPem,
        sendCertificateChain,
        scopes: 'https://graph.microsoft.com/.default',
      })
      assert.equal(r.ok, true, JSON.stringify(r.error))
      assert.equal(r.claims!.tid, WELL_KNOWN.fabrikamTenantId)
      assert.equal(r.claims!.aud, 'https://graph.microsoft.com')
      assert.deepEqual(r.claims!.roles, GRAPH_ROLES)
    }
  })

  test('a wrong secret surfaces AADSTS7000215 (401 invalid_client) through the credential', async () => {
    const r = await h.client({ ...base(), tenantId: WELL_KNOWN.contosoTenantId, clientSecret: 'wrong-secret', scopes: 'https://api.security.microsoft.com/.default' })
    assert.equal(r.ok, false)
    // @azure/identity 4.13 wraps every MSAL ServerError in AuthenticationRequiredError (msal/utils.ts handleMsalError).
    assert.equal(r.error!.name, 'AuthenticationRequiredError')
    assert.match(r.error!.message, /^invalid_client: Error\(s\): 7000215 /)
  })

  test('without disableInstanceDiscovery the credential needs login.microsoftonline.com (fails offline, emulator untouched)', async () => {
    h.emulator.requests.clear()
    const r = await h.client({ ...base(), disableInstanceDiscovery: false, tenantId: WELL_KNOWN.contosoTenantId, clientSecret: WELL_KNOWN.clientSecret, scopes: 'https://api.security.microsoft.com/.default' })
    assert.equal(r.ok, false)
    assert.equal(r.error!.name, 'CredentialUnavailableError')
    assert.equal(h.emulator.requests.list({ group: 'token' }).length, 0)
  })
})
