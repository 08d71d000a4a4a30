import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { parseRetryAfter, processTokenResponse, type TokenError, type TokenRequestParams } from '../../src/auth/index.js'

// Pure function tests: the bodies below are the documented samples (entra-app-only.md §1–3, §8),
// several of which the emulator does not produce (refresh_in, expires_on-only, HTTP-date Retry-After).
const TENANT = 'c0de0000-0000-4000-8000-000000000002'
const params: TokenRequestParams = {
  authorityHost: 'https://login.microsoftonline.com',
  tenant: TENANT,
  clientId: 'd3f3e4d0-0000-4000-8000-00000000a001',
  credential: { kind: 'secret', secret: 'x' },
  resource: 'https://api.security.microsoft.com',
}
const T0 = Date.parse('2026-05-01T00:00:00Z')
const jwt = (claims: object) => `eyJhbGciOiJSUzI1NiJ9.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.c2ln`
const TOKEN = jwt({ tid: TENANT })
const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json; charset=utf-8', ...headers } })
const run = (res: Response, over: Partial<Parameters<typeof processTokenResponse>[1]> = {}) => processTokenResponse(res, { params, requestedAt: T0, ...over })
const fail = (res: Response, over = {}) => run(res, over).then(() => assert.fail('expected an error'), (e: TokenError) => e)

describe('processTokenResponse', () => {
  test('v1 sample: numbers as strings, expiry stamped from the request time', async () => {
    const t = await run(json({ token_type: 'Bearer', expires_in: '3599', ext_expires_in: '3599', expires_on: '1612794445', not_before: '1612790545', resource: 'https://api.security.microsoft.com', access_token: jwt({ tid: TENANT }) }), {
      params: { ...params, endpointVersion: 1 },
    })
    assert.equal(t.expiresAt, T0 + 3_599_000)
    assert.equal(t.refreshAt, t.expiresAt - 300_000)
    assert.equal(t.extExpiresAt, T0 + 3_599_000)
    assert.equal(t.endpointVersion, 1)
    assert.equal(t.tenantId, TENANT)
  })

  test('v2 sample with ext_expires_in 0 (Defender docs); refresh_in wins when earlier', async () => {
    const t = await run(json({ token_type: 'Bearer', expires_in: 3599, ext_expires_in: 0, access_token: TOKEN }))
    assert.equal(t.expiresAt, T0 + 3_599_000)
    assert.equal(t.extExpiresAt, undefined)
    assert.equal(t.tenantId, TENANT)
    const r = await run(json({ token_type: 'Bearer', expires_in: 3599, refresh_in: 1800, access_token: TOKEN }))
    assert.equal(r.refreshAt, T0 + 1_800_000)
  })

  test('long-lived tokens refresh at half-life; short ones too; custom refresh-ahead', async () => {
    const long = await run(json({ token_type: 'Bearer', expires_in: 86399, access_token: TOKEN }))
    assert.equal(long.refreshAt, T0 + 86_399_000 / 2)
    const short = await run(json({ token_type: 'Bearer', expires_in: 300, access_token: TOKEN }))
    assert.equal(short.refreshAt, T0 + 150_000)
    const custom = await run(json({ token_type: 'Bearer', expires_in: 3600, access_token: TOKEN }), { refreshAheadMs: 60_000 })
    assert.equal(custom.refreshAt, T0 + 3_540_000)
  })

  test('expires_on alone is used; missing expiry / token / wrong type are invalid', async () => {
    const t = await run(json({ token_type: 'Bearer', expires_on: String(T0 / 1000 + 600), access_token: TOKEN }))
    assert.equal(t.expiresAt, T0 + 600_000)
    assert.equal((await fail(json({ token_type: 'Bearer', access_token: TOKEN }))).code, 'ERR_TOKEN_RESPONSE_INVALID')
    assert.equal((await fail(json({ token_type: 'Bearer', expires_in: 3599 }))).code, 'ERR_TOKEN_RESPONSE_INVALID')
    assert.equal((await fail(json({ token_type: 'pop', expires_in: 3599, access_token: TOKEN }))).code, 'ERR_TOKEN_RESPONSE_INVALID')
    assert.equal((await fail(new Response('<html>proxy login</html>', { status: 200 }))).code, 'ERR_TOKEN_RESPONSE_INVALID')
  })

  test('tid guard: GUID asked, another tid returned; domain asked with its resolved tenant id', async () => {
    const e = await fail(json({ token_type: 'Bearer', expires_in: 3599, access_token: jwt({ tid: 'fab00000-0000-4000-8000-000000000003' }) }))
    assert.equal(e.code, 'ERR_TOKEN_TENANT_MISMATCH')
    const d = await fail(json({ token_type: 'Bearer', expires_in: 3599, access_token: jwt({ tid: 'fab00000-0000-4000-8000-000000000003' }) }), {
      params: { ...params, tenant: 'contoso.com' },
      expectedTenantId: TENANT,
    })
    assert.equal(d.code, 'ERR_TOKEN_TENANT_MISMATCH')
    const byDomain = await run(json({ token_type: 'Bearer', expires_in: 3599, access_token: TOKEN }), { params: { ...params, tenant: 'contoso.com' }, expectedTenantId: TENANT })
    assert.equal(byDomain.tenantId, TENANT)
    // A domain without its tenant id cannot be checked: nothing is handed out (the first token no longer teaches the guard).
    assert.equal((await fail(json({ token_type: 'Bearer', expires_in: 3599, access_token: TOKEN }), { params: { ...params, tenant: 'contoso.com' } })).code, 'ERR_INVALID_ARGUMENT')
  })

  test('tid guard fails closed: no tid, a non-string or empty tid, or no JWT at all is a mismatch', async () => {
    const unreadable: [string, string][] = [
      ['absent', jwt({ aud: 'https://api.security.microsoft.com' })],
      ['number', jwt({ tid: 42 })],
      ['object', jwt({ tid: { toString: TENANT } })],
      ['array', jwt({ tid: [TENANT] })],
      ['empty', jwt({ tid: '' })],
      ['null', jwt({ tid: null })],
      ['opaque', 'opaque-token'],
      ['payload not JSON', 'eyJhbGciOiJSUzI1NiJ9.bm90IGpzb24.c2ln'],
    ]
    for (const [what, token] of unreadable) {
      const e = (await fail(json({ token_type: 'Bearer', expires_in: 3599, access_token: token }))) as TokenError & { actualTenantId?: string; expectedTenantId: string }
      assert.equal(e.code, 'ERR_TOKEN_TENANT_MISMATCH', what)
      assert.equal(e.actualTenantId, undefined, what)
      assert.equal(e.expectedTenantId, TENANT, what)
    }
  })

  test('documented error body: fields kept, message is the AADSTS line, error_codes as strings accepted', async () => {
    const body = {
      error: 'invalid_scope',
      error_description:
        "AADSTS70011: The provided value for the input parameter 'scope' isn't valid. The scope https://example.contoso.com/activity.read isn't valid.\r\nTrace ID: 0000aaaa-11bb-cccc-dd33-eeeeee333333\r\nCorrelation ID: aaaa0000-bb11-2222-33cc-444444dddddd\r\nTimestamp: 2016-01-09 02:02:12Z",
      error_codes: ['70011'],
      timestamp: '2016-01-09 02:02:12Z',
      trace_id: '0000aaaa-11bb-cccc-dd33-eeeeee333333',
      correlation_id: 'aaaa0000-bb11-2222-33cc-444444dddddd',
      error_uri: 'https://login.microsoftonline.com/error?code=70011',
    }
    const e = await fail(json(body, 400))
    assert.equal(e.code, 'ERR_TOKEN_SERVER')
    assert.equal(e.message, "AADSTS70011: The provided value for the input parameter 'scope' isn't valid. The scope https://example.contoso.com/activity.read isn't valid.")
    assert.deepEqual(e.errorCodes, [70011])
    assert.equal(e.traceId, body.trace_id)
    assert.equal(e.correlationId, body.correlation_id)
    assert.equal(e.timestamp, body.timestamp)
    assert.equal(e.errorUri, body.error_uri)
    assert.equal(e.error, 'invalid_scope')
    assert.equal(e.status, 400)
    assert.match(e.hint!, /\.default/)
    const json1 = e.toJSON()
    assert.equal(json1.code, 'ERR_TOKEN_SERVER')
    assert.deepEqual(json1.errorCodes, [70011])
  })

  test('429 text body: default 60 s, Retry-After seconds or HTTP date, capped at 3600 s', async () => {
    const text = (headers: Record<string, string>) => new Response('Too Many Requests', { status: 429, headers })
    assert.equal((await fail(text({}))).retryAfterMs, 60_000)
    assert.equal((await fail(text({ 'retry-after': '120' }))).retryAfterMs, 120_000)
    assert.equal((await fail(text({ 'retry-after': new Date(T0 + 90_000).toUTCString() }))).retryAfterMs, 90_000)
    assert.equal((await fail(text({ 'retry-after': '999999' }))).retryAfterMs, 3_600_000)
    assert.equal((await fail(text({}))).code, 'ERR_TOKEN_THROTTLED')
    assert.equal(parseRetryAfter('soon', T0), undefined)
    assert.equal(parseRetryAfter(null, T0), undefined)
  })

  test('non-JSON errors: 5xx → ERR_TOKEN_SERVER with status and Retry-After; 4xx → ERR_TOKEN_RESPONSE_INVALID', async () => {
    const e = await fail(new Response('Service Unavailable', { status: 503, headers: { 'retry-after': '5' } }))
    assert.equal(e.code, 'ERR_TOKEN_SERVER')
    assert.equal(e.status, 503)
    assert.equal(e.retryAfterMs, 5000)
    assert.equal((await fail(new Response('nope', { status: 404 }))).code, 'ERR_TOKEN_RESPONSE_INVALID')
  })

  test('a token or secret echoed in an error description never reaches the message', async () => {
    const leaked = jwt({ tid: TENANT })
    const e = await fail(json({ error: 'invalid_request', error_description: `AADSTS900144: bad request client_secret=SuperSecret123 token ${leaked}` }, 400))
    const all = JSON.stringify(e.toJSON()) + e.message + (e.errorDescription ?? '')
    assert.ok(!all.includes('SuperSecret123'))
    assert.ok(!all.includes(leaked))
  })
})
