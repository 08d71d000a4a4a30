import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { ConfidentialClientApplication } from '@azure/msal-node'
import { createEmulator, serve, WELL_KNOWN, type Emulator, type RunningEmulator } from '../../../src/emulator/index.js'
import { generateCertificate } from '../../../src/emulator/x509.js'
import { decodeJwt, thumbprints } from './token_test_helpers.js'
import { msalHttpsClient } from '../../_msal_https.js'

/**
 * Microsoft's own client library against the emulator over real HTTPS. Only the host differs:
 * MSAL requires https, is told the host is a known authority and given the authority metadata
 * (so it makes no discovery call — entra-app-only.md §7.3), and trusts the emulator's CA through
 * an injected network client (the equivalent of NODE_EXTRA_CA_CERTS).
 */

describe('MSAL Node (acquireTokenByClientCredential) against the emulator over HTTPS', () => {
  let emu: Emulator
  let srv: RunningEmulator
  let ca: string
  before(async () => {
    const caCert = await generateCertificate({ commonName: 'm365d test CA', days: 1, isCa: true })
    const server = await generateCertificate({ commonName: 'localhost', days: 1, altNames: ['localhost', '127.0.0.1'], issuer: caCert })
    ca = caCert.certificatePem
    emu = await createEmulator()
    srv = await serve(emu, { tls: { certificatePem: server.certificatePem, privateKeyPem: server.privateKeyPem } })
  })
  after(() => srv.close())

  function app(tenant: string, credential: { clientSecret: string } | { clientCertificate: { thumbprintSha256?: string; thumbprint?: string; privateKey: string } }) {
    const host = new URL(srv.url).host
    const authority = `${srv.url}/${tenant}`
    const metadata = {
      token_endpoint: `${authority}/oauth2/v2.0/token`,
      issuer: `${authority}/v2.0`,
      jwks_uri: `${authority}/discovery/v2.0/keys`,
      authorization_endpoint: `${authority}/oauth2/v2.0/authorize`,
    }
    return new ConfidentialClientApplication({
      auth: { clientId: WELL_KNOWN.clientId, authority, knownAuthorities: [host], authorityMetadata: JSON.stringify(metadata), ...credential },
      system: { networkClient: msalHttpsClient(ca) },
    })
  }

  test('client secret: token for Contoso with the granted roles', async () => {
    const result = await app(WELL_KNOWN.contosoTenantId, { clientSecret: WELL_KNOWN.clientSecret }).acquireTokenByClientCredential({
      scopes: ['https://api.security.microsoft.com/.default'],
    })
    assert.ok(result?.accessToken)
    const { claims } = decodeJwt(result.accessToken)
    assert.equal(claims.tid, WELL_KNOWN.contosoTenantId)
    assert.equal(claims.appidacr, '1')
    assert.ok(result.expiresOn && result.expiresOn.getTime() > Date.now() + 3500_000)
    const logged = emu.requests.list({ group: 'token' }).at(-1)!
    assert.equal(logged.status, 200)
    assert.match(logged.url, /client-request-id=/)
  })

  test('certificate with SHA-256 thumbprint (PS256, x5t#S256) and with SHA-1 thumbprint (RS256, x5t)', async () => {
    const tp = thumbprints(WELL_KNOWN.certificatePem)
    for (const cert of [
      { thumbprintSha256: tp.sha256.toString('hex'), privateKey: WELL_KNOWN.privateKeyPem },
      { thumbprint: tp.sha1.toString('hex'), privateKey: WELL_KNOWN.privateKeyPem },
    ]) {
      const result = await app('fabrikam.onmicrosoft.com', { clientCertificate: cert }).acquireTokenByClientCredential({ scopes: ['https://graph.microsoft.com/.default'] })
      const { claims } = decodeJwt(result!.accessToken)
      assert.equal(claims.tid, WELL_KNOWN.fabrikamTenantId)
      assert.equal(claims.appidacr, '2')
    }
  })

  test('never-consented tenant: MSAL surfaces the server error code 700016', async () => {
    await assert.rejects(
      app(WELL_KNOWN.woodgroveTenantId, { clientSecret: WELL_KNOWN.clientSecret }).acquireTokenByClientCredential({ scopes: ['https://graph.microsoft.com/.default'] }),
      (e: { errorCode?: string; errorMessage?: string }) => e.errorCode === 'unauthorized_client' && (e.errorMessage ?? '').includes('AADSTS700016'),
    )
  })
})
