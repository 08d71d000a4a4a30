import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { createEmulator, serve, type Emulator, type RunningEmulator } from '../../src/emulator/index.js'
import { WELL_KNOWN } from '../../src/emulator/well_known.js'
import { generateCertificate } from '../../src/emulator/x509.js'
import { KeyCache, validateToken, type ValidationReport } from '../../src/jwt/index.js'
import { appOnlyClaims, DEFENDER, emulatorToken, foreignToken, payloadOf, tamper } from './fixtures.js'

const check = (report: ValidationReport, id: string) => report.checks.find((c) => c.id === id)!

const V2_API = 'api://m365d-sig-v2'
const V2_API_APP_ID = 'e2e2e2e2-0000-4000-8000-0000000000b2'

describe('validateToken with verifySignature against the emulator over HTTP', () => {
  let emu: Emulator
  let srv: RunningEmulator
  let verify: { verifySignature: true; authorityHost: string }
  before(async () => {
    emu = await createEmulator()
    emu.directory.addResource({ appId: V2_API_APP_ID, displayName: 'sig v2 API', identifierUris: [V2_API], accessTokenAcceptedVersion: 2, appRoles: [] })
    emu.directory.setRoles(WELL_KNOWN.contosoTenantId, WELL_KNOWN.clientId, V2_API_APP_ID, [])
    srv = await serve(emu)
    verify = { verifySignature: true, authorityHost: srv.url }
  })
  after(() => srv.close())

  test('a v1 token verifies with the key from the v1 discovery document; issuer matches discovery', async () => {
    const token = await emulatorToken(srv.url, WELL_KNOWN.contosoTenantId, DEFENDER)
    const report = await validateToken(token, { ...verify, resource: DEFENDER, requiredRoles: ['Incident.Read.All'] })
    assert.equal(report.valid, true, JSON.stringify(report.checks, null, 1))
    const sig = check(report, 'signature')
    assert.equal(sig.ok, true)
    assert.equal(sig.skipped, undefined)
    assert.ok(sig.message.includes(String(report.inspection.header.kid)))
    assert.ok(sig.message.includes('/discovery/keys'))
    assert.match(check(report, 'issuer').message, /matches the tenant's discovery document/)
    const paths = emu.requests.list().map((r) => r.url)
    assert.ok(paths.includes(`/${WELL_KNOWN.contosoTenantId}/.well-known/openid-configuration`), paths.join(' '))
  })

  test('a v2 token uses the v2 discovery document and the v2 key issuer rule', async () => {
    const token = await emulatorToken(srv.url, WELL_KNOWN.contosoTenantId, V2_API, { v2: true })
    assert.equal(payloadOf(token).ver, '2.0')
    const report = await validateToken(token, { ...verify, resource: V2_API_APP_ID })
    assert.equal(check(report, 'signature').ok, true, check(report, 'signature').message)
    assert.match(check(report, 'signature').message, /discovery\/v2\.0\/keys.*key issuer rule satisfied/)
    assert.equal(check(report, 'issuer').ok, true)
    const paths = emu.requests.list().map((r) => r.url)
    assert.ok(paths.includes(`/${WELL_KNOWN.contosoTenantId}/v2.0/.well-known/openid-configuration`))
  })

  test('a tampered payload fails the signature', async () => {
    const token = await emulatorToken(srv.url, WELL_KNOWN.tailspinTenantId, DEFENDER)
    const forged = tamper(token, (p) => {
      p.roles = ['Incident.Read.All', 'AdvancedHunting.Read.All']
    })
    const report = await validateToken(forged, { ...verify, requiredRoles: ['Incident.Read.All'] })
    assert.equal(report.valid, false)
    assert.equal(check(report, 'signature').ok, false)
    assert.match(check(report, 'signature').message, /does not match published key/)
    // The claims alone would have passed: only the signature catches it, and without it the report never says valid.
    assert.equal(check(report, 'roles').ok, true)
    assert.equal(report.verdict, 'invalid')
    const unchecked = await validateToken(forged, { requiredRoles: ['Incident.Read.All'] })
    assert.equal(unchecked.valid, false)
    assert.equal(unchecked.claimsValid, true)
    assert.equal(unchecked.verdict, 'signature-not-checked')
  })

  test('a token signed by another key under a published kid fails; an unknown kid names the JWKS', async () => {
    const real = await emulatorToken(srv.url, WELL_KNOWN.contosoTenantId, DEFENDER)
    const kid = payloadKid(real)
    const now = Math.floor(Date.now() / 1000)
    const impostor = await foreignToken(appOnlyClaims(now), { kid })
    assert.match(check(await validateToken(impostor, verify), 'signature').message, /does not match published key/)
    const unknown = await foreignToken(appOnlyClaims(now))
    const report = await validateToken(unknown, verify)
    assert.match(check(report, 'signature').message, /no key with kid foreign-key is published at .*\/discovery\/keys/)
  })

  test('key rotation: the old token still verifies during the grace period; an emergency roll shows once the cached keys age out', async () => {
    const cache = new KeyCache({ cooldownMs: 0 })
    const before = await emulatorToken(srv.url, WELL_KNOWN.fabrikamTenantId, DEFENDER)
    const rotate = (emergency: boolean) =>
      fetch(`${srv.url}/_emulator/keys/rotate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ emergency }) })
    assert.equal(check(await validateToken(before, { ...verify, keyCache: cache }), 'signature').ok, true)
    assert.equal((await rotate(false)).status, 200)
    const after = await emulatorToken(srv.url, WELL_KNOWN.fabrikamTenantId, DEFENDER)
    assert.notEqual(payloadKid(after), payloadKid(before))
    assert.equal(check(await validateToken(before, { ...verify, keyCache: cache }), 'signature').ok, true)
    // The new kid is unknown to the cached set: it is refetched (no cooldown here) and verifies.
    assert.equal(check(await validateToken(after, { ...verify, keyCache: cache }), 'signature').ok, true)

    assert.equal((await rotate(true)).status, 200)
    // Cached keys are trusted for maxAgeMs (Microsoft: refresh hourly); fresh keys show the removal.
    assert.equal(check(await validateToken(after, { ...verify, keyCache: cache }), 'signature').ok, true)
    const dropped = check(await validateToken(after, { ...verify, keyCache: new KeyCache() }), 'signature')
    assert.equal(dropped.ok, false)
    assert.match(dropped.message, /rolled over/)
  })

  test('JWKS cache: one discovery and one key-set request for many checks (single flight), unknown kids refetch only after the cooldown', async () => {
    const token = await emulatorToken(srv.url, WELL_KNOWN.contosoTenantId, DEFENDER)
    const seen: string[] = []
    const counting: typeof fetch = (input, init) => {
      seen.push(new URL(input instanceof Request ? input.url : String(input)).pathname)
      return fetch(input, init)
    }
    const cache = new KeyCache({ fetch: counting })
    const reports = await Promise.all(Array.from({ length: 25 }, () => validateToken(token, { ...verify, keyCache: cache })))
    assert.ok(reports.every((r) => r.valid))
    assert.deepEqual(seen, [`/${WELL_KNOWN.contosoTenantId}/.well-known/openid-configuration`, '/common/discovery/keys'])
    assert.ok((await validateToken(token, { ...verify, keyCache: cache })).valid)
    assert.equal(seen.length, 2, 'later checks are served from the cache')
    // Forged tokens naming unknown kids do not make every check refetch the keys (cooldown 30 s).
    for (let i = 0; i < 5; i++) {
      const forged = await foreignToken(appOnlyClaims(Math.floor(Date.now() / 1000)), { kid: `unknown-${i}` })
      assert.match(check(await validateToken(forged, { ...verify, keyCache: cache }), 'signature').message, /no key with kid unknown-\d/)
    }
    assert.equal(seen.length, 2, 'no refetch inside the cooldown')
    // With no cooldown, an unknown kid refetches once per check (and concurrent checks share it).
    const eager = new KeyCache({ fetch: counting, cooldownMs: 0 })
    await validateToken(token, { ...verify, keyCache: eager })
    const n = seen.length
    const forged = await foreignToken(appOnlyClaims(Math.floor(Date.now() / 1000)), { kid: 'unknown-x' })
    await Promise.all(Array.from({ length: 10 }, () => validateToken(forged, { ...verify, keyCache: eager })))
    assert.equal(seen.slice(n).filter((p) => p.endsWith('/discovery/keys')).length, 1)
  })

  test('a discovery failure is not cached: the next check tries again', async () => {
    const token = await emulatorToken(srv.url, WELL_KNOWN.contosoTenantId, DEFENDER)
    let down = true
    const flaky: typeof fetch = (input, init) => (down ? Promise.reject(new TypeError('fetch failed')) : fetch(input, init))
    const cache = new KeyCache({ fetch: flaky })
    assert.match(check(await validateToken(token, { ...verify, keyCache: cache }), 'signature').message, /could not load discovery/)
    down = false
    assert.equal((await validateToken(token, { ...verify, keyCache: cache })).valid, true)
  })

  test('an unknown tenant: discovery answers 400 invalid_tenant and the check says so', async () => {
    const tid = '0badbad0-0000-4000-8000-000000000009'
    const token = await foreignToken(appOnlyClaims(Math.floor(Date.now() / 1000), { tid, iss: `https://sts.windows.net/${tid}/` }))
    const sig = check(await validateToken(token, verify), 'signature')
    assert.equal(sig.ok, false)
    assert.match(sig.message, /HTTP 400 \(invalid_tenant AADSTS90002\)/)
    assert.ok(sig.fix)
  })

  test('fetch is injectable: the in-process emulator stands in for login.microsoftonline.com', async () => {
    const token = await emulatorToken(srv.url, WELL_KNOWN.contosoTenantId, DEFENDER)
    const seen: string[] = []
    const fetchImpl: typeof fetch = (input, init) => {
      seen.push(String(input instanceof Request ? input.url : input))
      return emu.fetch(input, init)
    }
    const report = await validateToken(token, { verifySignature: true, fetch: fetchImpl })
    assert.equal(check(report, 'signature').ok, true, check(report, 'signature').message)
    assert.deepEqual(seen, [
      `https://login.microsoftonline.com/${WELL_KNOWN.contosoTenantId}/.well-known/openid-configuration`,
      'https://login.microsoftonline.com/common/discovery/keys',
    ])
  })

  test('unreachable authority fails the check instead of throwing', async () => {
    const token = await emulatorToken(srv.url, WELL_KNOWN.contosoTenantId, DEFENDER)
    const report = await validateToken(token, { verifySignature: true, authorityHost: 'http://127.0.0.1:9' })
    assert.equal(check(report, 'signature').ok, false)
    assert.match(check(report, 'signature').message, /could not load discovery/)
  })

  test('an authority whose TLS certificate is not trusted: the fix names NODE_EXTRA_CA_CERTS', async () => {
    const token = await emulatorToken(srv.url, WELL_KNOWN.contosoTenantId, DEFENDER)
    const cert = await generateCertificate({ commonName: 'localhost', days: 1, altNames: ['127.0.0.1'] })
    const https = await serve(emu, { tls: { certificatePem: cert.certificatePem, privateKeyPem: cert.privateKeyPem } })
    try {
      const report = await validateToken(token, { verifySignature: true, authorityHost: https.url })
      assert.equal(check(report, 'signature').ok, false)
      assert.match(check(report, 'signature').fix ?? '', /NODE_EXTRA_CA_CERTS=<ca\.pem>/)
    } finally {
      await https.close()
    }
  })

  test('a nonce header (Graph tokens) cannot be verified and is not waved through', async () => {
    const token = await foreignToken(appOnlyClaims(Math.floor(Date.now() / 1000)), { nonce: 'abc' })
    const sig = check(await validateToken(token, verify), 'signature')
    assert.equal(sig.ok, false)
    assert.match(sig.message, /nonce/)
  })
})

function payloadKid(token: string): string {
  return JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString('utf8')).kid as string
}

describe('authorityHost forms', () => {
  test('a bare host, a full URL and an MSAL authority with a tenant path all name the same origin', async () => {
    const { authorityOrigin } = await import('../../src/jwt/signature.js')
    assert.equal(authorityOrigin('login.microsoftonline.us'), 'https://login.microsoftonline.us')
    assert.equal(authorityOrigin('https://login.microsoftonline.com/contoso.onmicrosoft.com/'), 'https://login.microsoftonline.com')
    assert.equal(authorityOrigin('http://127.0.0.1:8080'), 'http://127.0.0.1:8080')
    assert.equal(authorityOrigin('not a host at all'), undefined)
    // An unusable authorityHost does not throw out of validateToken.
    const token = await foreignToken(appOnlyClaims(Math.floor(Date.now() / 1000)))
    const report = await validateToken(token, { authorityHost: 'not a host at all' })
    assert.equal(check(report, 'issuer').ok, true)
  })
})
