import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { decodeJwt, JwtFormatError } from '../../src/jwt/index.js'
import { appOnlyClaims, foreignToken } from './fixtures.js'

const b64 = (text: string) => Buffer.from(text).toString('base64url')

function assertFormatError(fn: () => unknown, code: string, part: string, secret?: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof JwtFormatError)
    assert.equal(e.code, code)
    assert.equal(e.part, part)
    if (secret !== undefined) assert.ok(!e.message.includes(secret) && !String(e.hint).includes(secret), 'message echoes the token')
    return true
  })
}

describe('decodeJwt', () => {
  test('splits a signed token into header, payload and base64url signature', async () => {
    const token = await foreignToken(appOnlyClaims(1_800_000_000))
    const decoded = decodeJwt(token)
    assert.deepEqual(decoded.header, { alg: 'RS256', typ: 'JWT', kid: 'foreign-key' })
    assert.equal(decoded.payload.tid, 'c0de0000-0000-4000-8000-000000000002')
    assert.deepEqual(decoded.payload.roles, ['Incident.Read.All', 'AdvancedHunting.Read.All'])
    assert.equal(decoded.signature, token.split('.')[2])
  })

  test('accepts a pasted "Bearer " prefix, quotes and a trailing newline', async () => {
    const token = await foreignToken(appOnlyClaims(1_800_000_000))
    assert.equal(decodeJwt(`Bearer ${token}\n`).payload.ver, '1.0')
    assert.equal(decodeJwt(`"${token}"`).payload.ver, '1.0')
  })

  test('a string that is not a JWT fails with ERR_JWT_MALFORMED and a hint about opaque tokens', () => {
    const opaque = 'EwBwA8l6BAAUs5+HQn0N+h2FxWzLS31ZgQVuHsYAAQAAAOpaquesecret'
    assertFormatError(() => decodeJwt(opaque), 'ERR_JWT_MALFORMED', 'token', opaque)
    assert.throws(() => decodeJwt(opaque), (e: JwtFormatError) => typeof e.hint === 'string' && e.hint.length > 0)
    assertFormatError(() => decodeJwt('   '), 'ERR_JWT_MALFORMED', 'token')
  })

  test('two parts fail with ERR_JWT_MALFORMED', () => {
    const token = `${b64('{"alg":"RS256"}')}.${b64('{"secretclaim":1}')}`
    assertFormatError(() => decodeJwt(token), 'ERR_JWT_MALFORMED', 'token', token)
  })

  test('bad base64url in the header or payload names the part', () => {
    assertFormatError(() => decodeJwt(`ab$c.${b64('{}')}.sig`), 'ERR_JWT_MALFORMED', 'header')
    assertFormatError(() => decodeJwt(`${b64('{"alg":"RS256"}')}.a+b/c.sig`), 'ERR_JWT_MALFORMED', 'payload')
    assertFormatError(() => decodeJwt(`${b64('{"alg":"RS256"}')}.${b64('{}')}.si=g`), 'ERR_JWT_MALFORMED', 'token')
  })

  test('bad JSON fails without quoting the claim text', () => {
    const payload = b64('{"tid": "leaky-secret-value"')
    assertFormatError(() => decodeJwt(`${b64('{"alg":"RS256"}')}.${payload}.sig`), 'ERR_JWT_MALFORMED', 'payload', 'leaky-secret-value')
    assert.throws(
      () => decodeJwt(`${b64('{"alg":"RS256"}')}.${payload}.sig`),
      (e: JwtFormatError) => !String((e.cause as Error).message).includes('leaky'),
    )
    assertFormatError(() => decodeJwt(`${b64('not json')}.${b64('{}')}.sig`), 'ERR_JWT_MALFORMED', 'header')
  })

  test('JSON that is not an object fails', () => {
    assertFormatError(() => decodeJwt(`${b64('{"alg":"RS256"}')}.${b64('[1,2]')}.sig`), 'ERR_JWT_MALFORMED', 'payload')
    assertFormatError(() => decodeJwt(`${b64('null')}.${b64('{}')}.sig`), 'ERR_JWT_MALFORMED', 'header')
  })

  test('a five-part JWE fails with ERR_JWT_ENCRYPTED', () => {
    const jwe = [b64('{"alg":"RSA-OAEP","enc":"A256GCM"}'), 'a2V5', 'aXY', 'Y2lwaGVydGV4dA', 'dGFn'].join('.')
    assertFormatError(() => decodeJwt(jwe), 'ERR_JWT_ENCRYPTED', 'token', jwe)
  })
})
