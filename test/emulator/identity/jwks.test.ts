import assert from 'node:assert/strict'
import { createPublicKey, X509Certificate } from 'node:crypto'
import { after, before, describe, test } from 'node:test'
import { createRemoteJWKSet, jwtVerify } from 'jose'
import { createEmulator, serve, WELL_KNOWN, type Emulator, type RunningEmulator } from '../../../src/emulator/index.js'
import { x5t } from '../../../src/emulator/x509.js'
import { ManualClock } from '../../../src/lib/clock.js'

interface Key { kty: string; use: string; kid: string; x5t: string; n: string; e: string; x5c: string[]; issuer?: string }

describe('JWKS and signing-key rotation', () => {
  let emulator: Emulator
  let running: RunningEmulator
  let clock: ManualClock
  const keysAt = async (path: string) => ((await (await fetch(running.url + path)).json()) as { keys: Key[] }).keys
  before(async () => {
    clock = new ManualClock(Date.now())
    emulator = await createEmulator({ clock, signingKeyGraceMs: 3600_000 })
    running = await serve(emulator)
  })
  after(() => running.close())

  test('v2 keys: RSA sig keys with kid = x5t = SHA-1 of x5c[0], n/e matching the certificate, per-key issuer', async () => {
    const res = await fetch(`${running.url}/${WELL_KNOWN.contosoTenantId}/discovery/v2.0/keys`)
    assert.equal(res.headers.get('cache-control'), 'max-age=86400, private')
    const [key] = ((await res.json()) as { keys: Key[] }).keys
    assert.ok(key)
    assert.equal(key.kty, 'RSA')
    assert.equal(key.use, 'sig')
    assert.equal(key.e, 'AQAB')
    const cert = new X509Certificate(Buffer.from(key.x5c[0]!, 'base64'))
    assert.equal(key.kid, x5t(cert))
    assert.equal(key.x5t, key.kid)
    assert.equal(key.n, cert.publicKey.export({ format: 'jwk' }).n)
    assert.deepEqual(createPublicKey({ key: { kty: 'RSA', n: key.n, e: key.e }, format: 'jwk' }).export({ format: 'jwk' }), cert.publicKey.export({ format: 'jwk' }))
    assert.equal(key.issuer, `${running.url}/${WELL_KNOWN.contosoTenantId}/v2.0`)
    assert.equal(key.kid, emulator.keys.active.kid)
  })

  test('common/organizations v2 keys carry the templated issuer; v1 keys carry none', async () => {
    for (const seg of ['common', 'organizations']) for (const k of await keysAt(`/${seg}/discovery/v2.0/keys`)) assert.equal(k.issuer, `${running.url}/{tenantid}/v2.0`)
    for (const path of ['/common/discovery/keys', `/${WELL_KNOWN.fabrikamTenantId}/discovery/keys`])
      for (const k of await keysAt(path)) assert.equal('issuer' in k, false)
  })

  test('unknown tenant keys: 400 invalid_tenant', async () => {
    const res = await fetch(`${running.url}/nosuch.example/discovery/v2.0/keys`)
    assert.equal(res.status, 400)
    assert.deepEqual(((await res.json()) as { error_codes: number[] }).error_codes, [90002])
  })

  test('rotation keeps the previous key published for the grace period, then drops it', async () => {
    const before = emulator.keys.active.kid
    const rotated = (await (await fetch(`${running.url}/_emulator/keys/rotate`, { method: 'POST', headers: { 'content-type': 'application/json' }, })).json()) as { activeKid: string; value: { kid: string; active: boolean }[] }
    assert.notEqual(rotated.activeKid, before)
    assert.deepEqual(rotated.value.map((k) => k.kid).sort(), [before, rotated.activeKid].sort())
    let kids = (await keysAt('/common/discovery/v2.0/keys')).map((k) => k.kid)
    assert.deepEqual(kids.sort(), [before, rotated.activeKid].sort())
    clock.advance(3600_000 - 1)
    kids = (await keysAt('/common/discovery/keys')).map((k) => k.kid)
    assert.ok(kids.includes(before), 'still published just inside the grace period')
    clock.advance(1)
    kids = (await keysAt('/common/discovery/keys')).map((k) => k.kid)
    assert.deepEqual(kids, [rotated.activeKid])
  })

  test('a resource server validates an emulator token with jose from discovery + JWKS, across a rotation', async () => {
    const tid = WELL_KNOWN.contosoTenantId
    const res = await fetch(`${running.url}/${tid}/oauth2/v2.0/token`, {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: WELL_KNOWN.clientId, client_secret: WELL_KNOWN.clientSecret, scope: 'https://graph.microsoft.com/.default' }),
    })
    const { access_token } = (await res.json()) as { access_token: string }
    // Microsoft Graph takes v1 tokens: validate against the v1 document (entra-app-only.md §5.1, §5.6).
    const doc = (await (await fetch(`${running.url}/${tid}/.well-known/openid-configuration`)).json()) as { issuer: string; jwks_uri: string }
    const verify = () => jwtVerify(access_token, createRemoteJWKSet(new URL(doc.jwks_uri)), { issuer: doc.issuer, audience: 'https://graph.microsoft.com', currentDate: new Date(clock.now()) })
    assert.equal((await verify()).payload.tid, tid)
    await fetch(`${running.url}/_emulator/keys/rotate`, { method: 'POST', headers: { 'content-type': 'application/json' }, })
    assert.equal((await verify()).payload.tid, tid, 'the retired key is still published')
    await fetch(`${running.url}/_emulator/keys/rotate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"emergency":true}' })
    await assert.rejects(verify(), (e: { code?: string }) => e.code === 'ERR_JWKS_NO_MATCHING_KEY')
  })

  test('emergency rotation removes the old key at once', async () => {
    const before = emulator.keys.active.kid
    const res = await fetch(`${running.url}/_emulator/keys/rotate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ emergency: true }) })
    assert.equal(res.status, 200)
    const kids = (await keysAt(`/${WELL_KNOWN.contosoTenantId}/discovery/v2.0/keys`)).map((k) => k.kid)
    assert.equal(kids.length, 1)
    assert.notEqual(kids[0], before)
  })
})
