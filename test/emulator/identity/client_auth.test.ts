import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { createEmulator, serve, WELL_KNOWN, type Emulator, type RunningEmulator } from '../../../src/emulator/index.js'
import { generateCertificate } from '../../../src/emulator/x509.js'
import { buildAssertion, decodeJwt, expectOAuthError, JWT_BEARER, postForm, thumbprints, tokenTestConfig } from './token_test_helpers.js'

const CONTOSO = WELL_KNOWN.contosoTenantId
const SCOPE = 'https://api.security.microsoft.com/.default'

describe('client assertion (certificate) authentication', () => {
  let emu: Emulator
  let srv: RunningEmulator
  let v2: string
  before(async () => {
    emu = await createEmulator({ config: tokenTestConfig() })
    srv = await serve(emu)
    v2 = `${srv.url}/${CONTOSO}/oauth2/v2.0/token`
  })
  after(() => srv.close())

  const form = (assertion: string, extra: Record<string, string> = {}) => ({
    client_id: WELL_KNOWN.clientId,
    scope: SCOPE,
    client_assertion_type: JWT_BEARER,
    client_assertion: assertion,
    grant_type: 'client_credentials',
    ...extra,
  })

  test('RS256 with x5t (unpadded, as MSAL sends) → token with appidacr "2"', async () => {
    const res = await postForm(v2, form(buildAssertion({ aud: v2 })))
    const text = await res.text()
    assert.equal(res.status, 200, text)
    assert.equal(decodeJwt((JSON.parse(text) as { access_token: string }).access_token).claims.appidacr, '2')
  })

  test('x5t padded with = (the docs example form) is accepted too', async () => {
    const padded = thumbprints(WELL_KNOWN.certificatePem).sha1.toString('base64').replace(/\+/g, '-').replace(/\//g, '_')
    assert.ok(padded.endsWith('='))
    const res = await postForm(v2, form(buildAssertion({ aud: v2, header: { x5t: padded } })))
    assert.equal(res.status, 200, await res.clone().text())
  })

  test('PS256 with x5t#S256 (MSAL Node thumbprintSha256) → token', async () => {
    const res = await postForm(v2, form(buildAssertion({ aud: v2, alg: 'PS256' })))
    assert.equal(res.status, 200, await res.clone().text())
  })

  test('aud may be the v1 endpoint, the domain form, or end with a slash; v1 endpoint accepts a v2 aud', async () => {
    for (const aud of [`${srv.url}/${CONTOSO}/oauth2/token`, `${srv.url}/contoso.onmicrosoft.com/oauth2/v2.0/token`, `${v2}/`, v2.toUpperCase()]) {
      const res = await postForm(v2, form(buildAssertion({ aud })))
      assert.equal(res.status, 200, `${aud}: ${await res.clone().text()}`)
    }
    const v1 = await postForm(`${srv.url}/contoso.com/oauth2/token`, { ...form(buildAssertion({ aud: v2 })), scope: '', resource: 'https://graph.microsoft.com' })
    assert.equal(v1.status, 200, await v1.clone().text())
  })

  test('aud of another host or tenant → 50012; two audiences → 5002741', async () => {
    await expectOAuthError(await postForm(v2, form(buildAssertion({ aud: `https://login.microsoftonline.com/${CONTOSO}/oauth2/v2.0/token` }))), 401, 'invalid_client', 50012)
    await expectOAuthError(await postForm(v2, form(buildAssertion({ aud: `${srv.url}/${WELL_KNOWN.fabrikamTenantId}/oauth2/v2.0/token` }))), 401, 'invalid_client', 50012)
    await expectOAuthError(await postForm(v2, form(buildAssertion({ aud: [v2, srv.url] }))), 401, 'invalid_client', 5002741)
  })

  test('unregistered certificate → 700027 with the thumbprint in the message', async () => {
    const other = await generateCertificate({ commonName: 'not registered', days: 30 })
    const body = await expectOAuthError(
      await postForm(v2, form(buildAssertion({ aud: v2, privateKeyPem: other.privateKeyPem, certificatePem: other.certificatePem }))),
      401,
      'invalid_client',
      700027,
    )
    const hex = thumbprints(other.certificatePem).sha1.toString('hex').toUpperCase()
    assert.ok(body.error_description.includes(`Thumbprint of key used by client: '${hex}'`), body.error_description)
    assert.ok(body.error_description.includes(WELL_KNOWN.clientId))
  })

  test('registered thumbprint but wrong signature → 700027', async () => {
    const good = buildAssertion({ aud: v2 })
    const [h, , s] = good.split('.')
    const forged = Buffer.from(JSON.stringify({ aud: v2, iss: WELL_KNOWN.clientId, sub: WELL_KNOWN.clientId, jti: 'x', nbf: 0, exp: 4102444800 })).toString('base64url')
    const body = await expectOAuthError(await postForm(v2, form(`${h}.${forged}.${s}`)), 401, 'invalid_client', 700027)
    assert.ok(body.error_description.includes('did not match the expected signature value'))
    const none = buildAssertion({ aud: v2, header: { alg: 'none' } })
    await expectOAuthError(await postForm(v2, form(none)), 401, 'invalid_client', 700027)
  })

  test('expired or not-yet-valid assertion → 700024 with the real message template', async () => {
    const now = Math.floor(Date.now() / 1000)
    const body = await expectOAuthError(await postForm(v2, form(buildAssertion({ aud: v2, claims: { nbf: now - 1200, exp: now - 600 } }))), 401, 'invalid_client', 700024)
    assert.match(
      body.error_description,
      /^AADSTS700024: Client assertion is not within its valid time range\. Current time: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z, assertion valid from \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.0000000Z, expiry time of assertion \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.0000000Z\. Review the documentation at https:\/\/learn\.microsoft\.com\/entra\/identity-platform\/certificate-credentials \./,
    )
    assert.ok(body.error_description.includes(new Date((now - 600) * 1000).toISOString().slice(0, 19)))
    await expectOAuthError(await postForm(v2, form(buildAssertion({ aud: v2, claims: { nbf: now + 3600, exp: now + 4200 } }))), 401, 'invalid_client', 700024)
  })

  test('claim errors: sub ≠ iss → 50048, iss ≠ client_id → 700021, no jti → 50027', async () => {
    await expectOAuthError(await postForm(v2, form(buildAssertion({ aud: v2, claims: { sub: 'someone-else' } }))), 401, 'invalid_client', 50048)
    const otherId = 'a0000000-0000-4000-8000-000000000000'
    await expectOAuthError(await postForm(v2, form(buildAssertion({ aud: v2, claims: { iss: otherId, sub: otherId } }))), 401, 'invalid_client', 700021)
    await expectOAuthError(await postForm(v2, form(buildAssertion({ aud: v2, claims: { jti: undefined } }))), 400, 'invalid_request', 50027)
  })

  test('malformed assertion → 50027; missing or wrong client_assertion_type → 900144', async () => {
    await expectOAuthError(await postForm(v2, form('not-a-jwt')), 400, 'invalid_request', 50027)
    await expectOAuthError(await postForm(v2, form(buildAssertion({ aud: v2 }), { client_assertion_type: 'jwt' })), 400, 'invalid_request', 900144)
  })

  test('assertions never reach the request log', async () => {
    const assertion = buildAssertion({ aud: v2 })
    await postForm(v2, form(assertion))
    for (const entry of emu.requests.list({ group: 'token' })) assert.ok(!JSON.stringify(entry).includes(assertion.split('.')[2]!))
  })
})
