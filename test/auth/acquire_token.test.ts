import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { createEmulator, serve, type Emulator, type RunningEmulator } from '../../src/emulator/index.js'
import { WELL_KNOWN } from '../../src/emulator/well_known.js'
import { generateCertificate } from '../../src/emulator/x509.js'
import { acquireToken, buildTokenRequest, decodeTokenClaims, TokenError, type ClientCredential, type TokenRequestParams } from '../../src/auth/index.js'
import { channels } from '../../src/lib/diagnostics.js'

const DEFENDER = 'https://api.security.microsoft.com'
const secret: ClientCredential = { kind: 'secret', secret: WELL_KNOWN.clientSecret }

describe('acquireToken against the emulator over HTTP', () => {
  let emulator: Emulator
  let running: RunningEmulator
  let params: (over?: Partial<TokenRequestParams>) => TokenRequestParams
  before(async () => {
    emulator = await createEmulator()
    running = await serve(emulator)
    params = (over = {}) => ({
      authorityHost: running.url,
      tenant: WELL_KNOWN.contosoTenantId,
      clientId: WELL_KNOWN.clientId,
      credential: secret,
      resource: DEFENDER,
      ...over,
    })
  })
  after(() => running.close())

  test('v2 secret in the form: token with tid, roles, absolute expiry', async () => {
    const before = Date.now()
    const t = await acquireToken(params())
    const claims = decodeTokenClaims(t.token)!
    assert.equal(t.tenantId, WELL_KNOWN.contosoTenantId)
    assert.equal(claims.tid, WELL_KNOWN.contosoTenantId)
    assert.equal(claims.appid ?? claims.azp, WELL_KNOWN.clientId)
    assert.deepEqual([...(claims.roles as string[])].sort(), ['AdvancedHunting.Read.All', 'Incident.Read.All', 'Incident.ReadWrite.All'])
    assert.equal(t.endpointVersion, 2)
    assert.equal(t.resource, DEFENDER)
    assert.ok(t.expiresAt > before + 50 * 60_000 && t.expiresAt <= Date.now() + 5400_000)
    assert.ok(t.refreshAt < t.expiresAt)
    const log = emulator.requests.list({ group: 'token' }).at(-1)!
    assert.match(log.url, /\/oauth2\/v2\.0\/token/)
    assert.match(log.body!, /scope=https%3A%2F%2Fapi\.security\.microsoft\.com%2F\.default/)
  })

  test('v1 endpoint with resource= (string expires_in) and HTTP Basic secret', async () => {
    const t = await acquireToken(params({ endpointVersion: 1, credential: { kind: 'secret', secret: WELL_KNOWN.clientSecret, basicAuth: true } }))
    assert.equal(t.endpointVersion, 1)
    assert.equal(t.tenantId, WELL_KNOWN.contosoTenantId)
    assert.ok(t.expiresAt > Date.now() + 50 * 60_000)
    const log = emulator.requests.list({ group: 'token' }).at(-1)!
    assert.match(log.url, /\/oauth2\/token/)
    assert.equal(log.headers.authorization, 'Basic [redacted]')
    assert.doesNotMatch(log.body!, /client_secret/)
    assert.match(log.body!, /resource=https%3A%2F%2Fapi\.security\.microsoft\.com/)
  })

  for (const algorithm of ['PS256', 'RS256'] as const)
    test(`certificate credential, ${algorithm}: fresh assertion per request, appidacr 2`, async () => {
      const credential: ClientCredential = { kind: 'certificate', certificatePem: WELL_KNOWN.certificatePem, privateKeyPem: WELL_KNOWN.privateKeyPem, algorithm }
      const p = params({ credential, tenant: WELL_KNOWN.fabrikamTenantId })
      const a = await (await buildTokenRequest(p)).text()
      const b = await (await buildTokenRequest(p)).text()
      const assertion = (body: string) => new URLSearchParams(body).get('client_assertion')!
      const header = JSON.parse(Buffer.from(assertion(a).split('.')[0]!, 'base64url').toString())
      const claims = decodeTokenClaims(assertion(a))!
      assert.equal(header.alg, algorithm)
      assert.ok(algorithm === 'PS256' ? header['x5t#S256'] && !header.x5t : header.x5t && !header['x5t#S256'])
      assert.equal(claims.aud, `${running.url}/${WELL_KNOWN.fabrikamTenantId}/oauth2/v2.0/token`)
      assert.equal(claims.iss, WELL_KNOWN.clientId)
      assert.equal(claims.sub, WELL_KNOWN.clientId)
      assert.equal((claims.exp as number) - (claims.nbf as number), 600)
      assert.notEqual(claims.jti, decodeTokenClaims(assertion(b))!.jti)

      const t = await acquireToken(p)
      const tc = decodeTokenClaims(t.token)!
      assert.equal(tc.tid, WELL_KNOWN.fabrikamTenantId)
      assert.equal(tc.appidacr ?? tc.azpacr, '2')
      const v1 = await acquireToken({ ...p, endpointVersion: 1 })
      assert.equal(decodeTokenClaims(v1.token)!.tid, WELL_KNOWN.fabrikamTenantId)
    })

  test('assertion callback (federated credential shape) gets tenant and audience', async () => {
    const seen: { tenant: string; audience: string }[] = []
    const { createClientAssertion } = await import('../../src/auth/index.js')
    const cert = { kind: 'certificate' as const, certificatePem: WELL_KNOWN.certificatePem, privateKeyPem: WELL_KNOWN.privateKeyPem }
    const credential: ClientCredential = {
      kind: 'assertion',
      getAssertion: (ctx) => {
        seen.push(ctx)
        return createClientAssertion({ clientId: WELL_KNOWN.clientId, audience: ctx.audience, credential: cert, clock: { now: Date.now, sleep: async () => {} } })
      },
    }
    const t = await acquireToken(params({ credential }))
    assert.equal(t.tenantId, WELL_KNOWN.contosoTenantId)
    assert.deepEqual(seen, [{ tenant: WELL_KNOWN.contosoTenantId, audience: `${running.url}/${WELL_KNOWN.contosoTenantId}/oauth2/v2.0/token` }])
  })

  test('roles follow the grant per tenant: tailspin has a partial grant', async () => {
    const t = await acquireToken(params({ tenant: WELL_KNOWN.tailspinTenantId }))
    assert.deepEqual(decodeTokenClaims(t.token)!.roles, ['AdvancedHunting.Read.All'])
    assert.equal(t.tenantId, WELL_KNOWN.tailspinTenantId)
  })

  test('a domain-name tenant resolves to the GUID tid', async () => {
    const t = await acquireToken(params({ tenant: 'contoso.onmicrosoft.com' }))
    assert.equal(t.tenantId, WELL_KNOWN.contosoTenantId)
  })

  test('AADSTS700016 (customer never consented): TokenError with fields, message, consent-link hint', async () => {
    const err = await acquireToken(params({ tenant: WELL_KNOWN.woodgroveTenantId })).then(() => assert.fail('no error'), (e: unknown) => e)
    assert.ok(err instanceof TokenError)
    assert.equal(err.code, 'ERR_TOKEN_SERVER')
    assert.equal(err.status, 400)
    assert.equal(err.error, 'unauthorized_client')
    assert.deepEqual(err.errorCodes, [700016])
    assert.match(err.message, /^AADSTS700016: /)
    assert.doesNotMatch(err.message, /Trace ID|Correlation ID|Timestamp/)
    assert.match(err.errorDescription!, /Trace ID: /)
    assert.ok(err.traceId && err.correlationId && err.timestamp)
    assert.equal(err.errorUri, `${running.url}/error?code=700016`)
    assert.equal(err.tenant, WELL_KNOWN.woodgroveTenantId)
    // The hint's link is that tenant's consent page on the same authority, and it works there.
    const link = err.hint!.match(/(http\S+oauth2\/authorize\S+)/)?.[1]
    assert.equal(link, `${running.url}/${WELL_KNOWN.woodgroveTenantId}/oauth2/authorize?prompt=consent&client_id=${WELL_KNOWN.clientId}&response_type=code&sso_reload=true`)
    const page = await fetch(link)
    assert.equal(page.status, 200)
    assert.match(await page.text(), /name="flowToken"/)
  })

  test('AADSTS7000215 (wrong secret): 401 invalid_client, "value not ID" hint, secret never in the error', async () => {
    const wrong = 'Wr0ng~Secret.Value_that_must_not_leak_123'
    const err = (await acquireToken(params({ credential: { kind: 'secret', secret: wrong } })).catch((e: unknown) => e)) as TokenError
    assert.equal(err.code, 'ERR_TOKEN_SERVER')
    assert.equal(err.status, 401)
    assert.equal(err.error, 'invalid_client')
    assert.deepEqual(err.errorCodes, [7000215])
    assert.match(err.hint!, /VALUE/)
    const serialized = JSON.stringify(err) + String(err) + err.stack + JSON.stringify(err.toJSON())
    assert.ok(!serialized.includes(wrong))
    assert.ok(!serialized.includes(WELL_KNOWN.clientSecret))
  })

  test('AADSTS90002 (unknown tenant): tenant / cloud hint, by GUID from the token endpoint, by domain from discovery', async () => {
    const err = (await acquireToken(params({ tenant: '0badbad0-0000-4000-8000-000000000009' })).catch((e: unknown) => e)) as TokenError
    assert.equal(err.code, 'ERR_TOKEN_SERVER')
    assert.deepEqual(err.errorCodes, [90002])
    assert.equal(err.status, 400)
    assert.match(err.hint!, /login\.microsoftonline\.us/)
    const n = emulator.requests.list({ group: 'token' }).length
    const byDomain = (await acquireToken(params({ tenant: 'nosuchtenant.onmicrosoft.com' })).catch((e: unknown) => e)) as TokenError
    assert.equal(byDomain.code, 'ERR_TENANT_UNKNOWN')
    assert.deepEqual(byDomain.errorCodes, [90002])
    assert.equal(byDomain.status, 400)
    assert.match(byDomain.hint!, /login\.microsoftonline\.us/)
    assert.equal(emulator.requests.list({ group: 'token' }).length, n, 'no token request for a tenant that cannot be resolved')
  })

  test('a domain is resolved through OpenID discovery before the token, and the token must carry that tenant id', async () => {
    const seen: string[] = []
    const logging: typeof fetch = (input, init) => {
      seen.push(new URL(input instanceof Request ? input.url : String(input)).pathname)
      return fetch(input, init)
    }
    const t = await acquireToken(params({ tenant: 'contoso.onmicrosoft.com', fetch: logging }))
    assert.equal(t.tenantId, WELL_KNOWN.contosoTenantId)
    assert.deepEqual(seen, ['/contoso.onmicrosoft.com/v2.0/.well-known/openid-configuration', '/contoso.onmicrosoft.com/oauth2/v2.0/token'])
    // The domain's token endpoint answers for another tenant (a misbehaving proxy): refused on the FIRST token.
    const swapping: typeof fetch = (input, init) => {
      const req = new Request(input, init)
      return fetch(req.url.includes('/oauth2/') ? new Request(req.url.replace('/contoso.onmicrosoft.com/', `/${WELL_KNOWN.fabrikamTenantId}/`), req) : req)
    }
    await assert.rejects(acquireToken(params({ tenant: 'contoso.onmicrosoft.com', fetch: swapping })), (e: TokenError & { actualTenantId: string; expectedTenantId: string }) => {
      assert.equal(e.code, 'ERR_TOKEN_TENANT_MISMATCH')
      assert.equal(e.expectedTenantId, WELL_KNOWN.contosoTenantId)
      assert.equal(e.actualTenantId, WELL_KNOWN.fabrikamTenantId)
      return true
    })
  })

  test('discovery that names no tenant id → ERR_TENANT_RESOLVE_INVALID; unreachable → ERR_TOKEN_NETWORK', async () => {
    const doc = (body: unknown): typeof fetch => async () => new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } })
    const templated = { issuer: 'https://login.microsoftonline.com/{tenantid}/v2.0', token_endpoint: 'https://login.microsoftonline.com/common/oauth2/v2.0/token' }
    await assert.rejects(acquireToken(params({ tenant: 'contoso.onmicrosoft.com', fetch: doc(templated) })), { code: 'ERR_TENANT_RESOLVE_INVALID' })
    const disagree = { issuer: `https://login.microsoftonline.com/${WELL_KNOWN.contosoTenantId}/v2.0`, token_endpoint: `https://login.microsoftonline.com/${WELL_KNOWN.fabrikamTenantId}/oauth2/v2.0/token` }
    await assert.rejects(acquireToken(params({ tenant: 'contoso.onmicrosoft.com', fetch: doc(disagree) })), { code: 'ERR_TENANT_RESOLVE_INVALID' })
    await assert.rejects(acquireToken(params({ tenant: 'contoso.onmicrosoft.com', fetch: doc(['not', 'an', 'object']) })), { code: 'ERR_TENANT_RESOLVE_INVALID' })
    await assert.rejects(acquireToken(params({ tenant: 'contoso.onmicrosoft.com', authorityHost: 'http://127.0.0.1:1' })), { code: 'ERR_TOKEN_NETWORK' })
  })

  test('429 with a text body and Retry-After → ERR_TOKEN_THROTTLED with retryAfterMs', async () => {
    emulator.faults.add({ target: 'token', status: 429, retryAfter: 7, body: 'Too Many Requests' })
    const err = (await acquireToken(params()).catch((e: unknown) => e)) as TokenError
    assert.equal(err.code, 'ERR_TOKEN_THROTTLED')
    assert.equal(err.status, 429)
    assert.equal(err.retryAfterMs, 7000)
  })

  test('503 text body → ERR_TOKEN_SERVER with status; connection refused → ERR_TOKEN_NETWORK', async () => {
    emulator.faults.add({ target: 'token', status: 503, body: 'Service Unavailable' })
    const err = (await acquireToken(params()).catch((e: unknown) => e)) as TokenError
    assert.equal(err.code, 'ERR_TOKEN_SERVER')
    assert.equal(err.status, 503)
    const net = (await acquireToken(params({ authorityHost: 'http://127.0.0.1:1' })).catch((e: unknown) => e)) as TokenError
    assert.equal(net.code, 'ERR_TOKEN_NETWORK')
  })

  test('an untrusted HTTPS certificate → ERR_TOKEN_NETWORK with the NODE_EXTRA_CA_CERTS hint', async () => {
    const cert = await generateCertificate({ commonName: 'localhost', days: 1, altNames: ['127.0.0.1'] })
    const https = await serve(emulator, { tls: { certificatePem: cert.certificatePem, privateKeyPem: cert.privateKeyPem } })
    try {
      const err = (await acquireToken(params({ authorityHost: https.url })).catch((e: unknown) => e)) as TokenError
      assert.equal(err.code, 'ERR_TOKEN_NETWORK')
      assert.match(err.message, /DEPTH_ZERO_SELF_SIGNED_CERT/)
      assert.match(err.hint!, /NODE_EXTRA_CA_CERTS=<ca\.pem>/)
    } finally {
      await https.close()
    }
  })

  test('invalid JSON on 200 → ERR_TOKEN_RESPONSE_INVALID', async () => {
    emulator.faults.add({ target: 'token', invalidJson: true })
    const err = (await acquireToken(params()).catch((e: unknown) => e)) as TokenError
    assert.equal(err.code, 'ERR_TOKEN_RESPONSE_INVALID')
  })

  test('tenant-less authority is refused before any request', async () => {
    const n = emulator.requests.list({ group: 'token' }).length
    await assert.rejects(acquireToken(params({ tenant: 'common' })), { code: 'ERR_INVALID_ARGUMENT' })
    assert.equal(emulator.requests.list({ group: 'token' }).length, n)
  })

  test('diagnostics: tokenRequest and tokenResponse are published without secrets', async () => {
    const seen: unknown[] = []
    const onMessage = (m: unknown) => seen.push(m)
    channels.tokenRequest.subscribe(onMessage)
    channels.tokenResponse.subscribe(onMessage)
    try {
      await acquireToken(params())
    } finally {
      channels.tokenRequest.unsubscribe(onMessage)
      channels.tokenResponse.unsubscribe(onMessage)
    }
    assert.equal(seen.length, 2)
    const text = JSON.stringify(seen)
    assert.ok(!text.includes(WELL_KNOWN.clientSecret))
    assert.ok(!text.includes('eyJ'))
  })

  test('TokenCredential adapter: a getToken object gets the .default scope and tenantId', async () => {
    const calls: unknown[] = []
    const credential = {
      async getToken(scopes: string | string[], options?: { tenantId?: string }) {
        calls.push({ scopes, tenantId: options?.tenantId })
        const t = await acquireToken(params({ tenant: options!.tenantId! }))
        return { token: t.token, expiresOnTimestamp: t.expiresAt }
      },
    }
    const t = await acquireToken(params({ credential: { kind: 'token-credential', credential }, tenant: WELL_KNOWN.fabrikamTenantId }))
    assert.deepEqual(calls, [{ scopes: `${DEFENDER}/.default`, tenantId: WELL_KNOWN.fabrikamTenantId }])
    assert.equal(t.tenantId, WELL_KNOWN.fabrikamTenantId)
  })

  test('TokenCredential returning a token without a readable tid is refused (fails closed)', async () => {
    for (const token of ['opaque', `eyJhbGciOiJSUzI1NiJ9.${Buffer.from(JSON.stringify({ tid: 7 })).toString('base64url')}.c2ln`]) {
      const credential = { getToken: async () => ({ token, expiresOnTimestamp: Date.now() + 3_600_000 }) }
      await assert.rejects(acquireToken(params({ credential: { kind: 'token-credential', credential }, tenant: WELL_KNOWN.fabrikamTenantId })), {
        code: 'ERR_TOKEN_TENANT_MISMATCH',
        actualTenantId: undefined,
      })
    }
  })

  test('TokenCredential returning another tenant\'s token is refused', async () => {
    const credential = {
      async getToken() {
        const t = await acquireToken(params({ tenant: WELL_KNOWN.contosoTenantId }))
        return { token: t.token, expiresOnTimestamp: t.expiresAt }
      },
    }
    await assert.rejects(acquireToken(params({ credential: { kind: 'token-credential', credential }, tenant: WELL_KNOWN.fabrikamTenantId })), {
      code: 'ERR_TOKEN_TENANT_MISMATCH',
    })
  })
})
