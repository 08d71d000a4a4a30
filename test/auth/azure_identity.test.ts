import assert from 'node:assert/strict'
import { request } from 'node:https'
import { after, before, describe, test } from 'node:test'
import { ClientSecretCredential } from '@azure/identity'
import { createHttpHeaders, type HttpClient, type PipelineRequest, type PipelineResponse } from '@azure/core-rest-pipeline'
import { createEmulator, serve, type Emulator, type RunningEmulator } from '../../src/emulator/index.js'
import { WELL_KNOWN } from '../../src/emulator/well_known.js'
import { generateCertificate } from '../../src/emulator/x509.js'
import { TokenProvider, decodeTokenClaims } from '../../src/auth/index.js'

/**
 * A real @azure/identity ClientSecretCredential as the provider's TokenCredential. It insists on an
 * https authority, so the emulator serves TLS and the credential trusts its CA through an injected
 * HttpClient (what NODE_EXTRA_CA_CERTS would do process-wide).
 */
function httpsClient(ca: string): HttpClient {
  return {
    sendRequest: (req: PipelineRequest) =>
      new Promise<PipelineResponse>((resolve, reject) => {
        const r = request(req.url, { method: req.method, ca, headers: req.headers.toJSON() }, (res) => {
          const chunks: Buffer[] = []
          res.on('data', (c: Buffer) => chunks.push(c))
          res.on('end', () => {
            const headers = createHttpHeaders()
            for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') headers.set(k, v)
            resolve({ request: req, status: res.statusCode ?? 0, headers, bodyAsText: Buffer.concat(chunks).toString() })
          })
        })
        r.on('error', reject)
        if (typeof req.body === 'string') r.write(req.body)
        r.end()
      }),
  }
}

describe('@azure/identity ClientSecretCredential through the provider (emulator over HTTPS)', () => {
  let emulator: Emulator
  let running: RunningEmulator
  let ca: string
  before(async () => {
    const caCert = await generateCertificate({ commonName: 'm365d auth test CA', days: 1, isCa: true })
    const server = await generateCertificate({ commonName: 'localhost', days: 1, altNames: ['127.0.0.1'], issuer: caCert })
    ca = caCert.certificatePem
    emulator = await createEmulator()
    running = await serve(emulator, { tls: { certificatePem: server.certificatePem, privateKeyPem: server.privateKeyPem } })
  })
  after(() => running.close())

  test('multi-tenant tokens with the right tid; cached by the provider', async () => {
    const credential = new ClientSecretCredential(WELL_KNOWN.homeTenantId, WELL_KNOWN.clientId, WELL_KNOWN.clientSecret, {
      authorityHost: running.url,
      disableInstanceDiscovery: true,
      additionallyAllowedTenants: ['*'],
      httpClient: httpsClient(ca),
    })
    const provider = new TokenProvider({ clientId: WELL_KNOWN.clientId, credential: { kind: 'token-credential', credential }, authorityHost: running.url })
    try {
      const n0 = emulator.requests.list({ group: 'token' }).length
      for (const tenant of [WELL_KNOWN.contosoTenantId, WELL_KNOWN.fabrikamTenantId]) {
        const t = await provider.getToken({ tenant, resource: 'https://api.security.microsoft.com' })
        assert.equal(t.tenantId, tenant)
        assert.equal(decodeTokenClaims(t.token)!.tid, tenant)
        assert.ok(t.expiresAt > Date.now() + 50 * 60_000)
        await provider.getToken({ tenant, resource: 'https://api.security.microsoft.com' })
      }
      assert.equal(emulator.requests.list({ group: 'token' }).length - n0, 2)
      await assert.rejects(provider.getToken({ tenant: WELL_KNOWN.woodgroveTenantId, resource: 'https://api.security.microsoft.com' }), (e: { code: string; errorCodes: number[]; hint?: string }) => {
        assert.equal(e.code, 'ERR_TOKEN_CREDENTIAL')
        assert.deepEqual(e.errorCodes, [700016])
        assert.match(e.hint!, /consent/)
        return true
      })
    } finally {
      provider.close()
    }
  })
})
