import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, describe, test } from 'node:test'
import { createEmulator, serve, WELL_KNOWN, type Emulator, type RunningEmulator } from '../../../src/emulator/index.js'
import {
  DISABLED_APP_ID,
  EXPIRED_SECRET_APP_ID,
  expectOAuthError,
  OTHER_SECRET,
  PLUS_SECRET,
  PLUS_SECRET_APP_ID,
  postForm,
  secretForm,
  SINGLE_TENANT_APP_ID,
  tokenTestConfig,
  decodeJwt,
} from './token_test_helpers.js'

const CONTOSO = WELL_KNOWN.contosoTenantId
const MTP = 'https://api.security.microsoft.com'

describe('token endpoints: success bodies and request parsing', () => {
  let emu: Emulator
  let srv: RunningEmulator
  let v1: string
  let v2: string
  before(async () => {
    emu = await createEmulator({ config: tokenTestConfig() })
    srv = await serve(emu)
    v1 = `${srv.url}/${CONTOSO}/oauth2/token`
    v2 = `${srv.url}/${CONTOSO}/oauth2/v2.0/token`
  })
  after(() => srv.close())

  test('v2 client secret: numbers, field order and no-store headers like the real service', async () => {
    const res = await postForm(v2, secretForm({ scope: `${MTP}/.default` }))
    assert.equal(res.status, 200)
    assert.equal(res.headers.get('cache-control'), 'no-store, no-cache')
    assert.equal(res.headers.get('pragma'), 'no-cache')
    assert.equal(res.headers.get('content-type'), 'application/json; charset=utf-8')
    assert.match(res.headers.get('x-ms-request-id') ?? '', /^[0-9a-f-]{36}$/)
    const body = (await res.json()) as Record<string, unknown>
    assert.deepEqual(Object.keys(body), ['token_type', 'expires_in', 'ext_expires_in', 'access_token'])
    assert.equal(body.token_type, 'Bearer')
    assert.equal(typeof body.expires_in, 'number')
    assert.equal(typeof body.ext_expires_in, 'number')
    assert.ok((body.expires_in as number) >= 3600 && (body.expires_in as number) <= 5400)
    assert.equal(decodeJwt(body.access_token as string).claims.tid, CONTOSO)
  })

  test('v1 client secret: strings, expires_on/not_before/resource echoed as sent', async () => {
    const res = await postForm(v1, secretForm({ resource: 'https://graph.microsoft.com/' }))
    assert.equal(res.status, 200)
    const body = (await res.json()) as Record<string, string>
    assert.deepEqual(Object.keys(body), ['token_type', 'expires_in', 'ext_expires_in', 'expires_on', 'not_before', 'resource', 'access_token'])
    for (const k of ['expires_in', 'ext_expires_in', 'expires_on', 'not_before']) assert.equal(typeof body[k], 'string', k)
    assert.equal(body.resource, 'https://graph.microsoft.com/')
    assert.equal(Number(body.expires_on) - Number(body.not_before), Number(body.expires_in) + 300)
    assert.equal(decodeJwt(body.access_token!).claims.aud, 'https://graph.microsoft.com/')
  })

  test('tenant as verified domain name resolves to the tenant GUID', async () => {
    const res = await postForm(`${srv.url}/contoso.onmicrosoft.com/oauth2/v2.0/token`, secretForm({ scope: `${MTP}/.default` }))
    assert.equal(res.status, 200)
    assert.equal(decodeJwt(((await res.json()) as { access_token: string }).access_token).claims.tid, CONTOSO)
  })

  test('MSAL Node wire format: raw spaces, | and , unencoded, client-request-id in query and body', async () => {
    const crid = randomUUID()
    const body =
      `client_id=${WELL_KNOWN.clientId}&scope=https%3A%2F%2Fgraph.microsoft.com%2F.default&grant_type=client_credentials` +
      `&x-client-SKU=msal.js.node&x-client-VER=2.15.0&x-client-OS=linux&x-client-CPU=x64&x-ms-lib-capability=retry-after, h429` +
      `&x-client-current-telemetry=5|771,2,,,|,&x-client-last-telemetry=5|0|||0,0&client-request-id=${crid}` +
      `&client_secret=${encodeURIComponent(WELL_KNOWN.clientSecret)}`
    const res = await postForm(`${v2}?client-request-id=${crid}`, body, { 'content-type': 'application/x-www-form-urlencoded;charset=utf-8' })
    assert.equal(res.status, 200)
  })

  test('older MSAL: openid profile offline_access beside /.default are ignored', async () => {
    const res = await postForm(v2, secretForm({ scope: `${MTP}/.default openid profile offline_access` }))
    assert.equal(res.status, 200)
  })

  test('documented curl sample (v2 form, Graph) and Defender Python sample (v1 urlencode) work', async () => {
    const curl = `client_id=${WELL_KNOWN.clientId}\n&scope=https%3A%2F%2Fgraph.microsoft.com%2F.default\n&client_secret=${encodeURIComponent(WELL_KNOWN.clientSecret)}\n&grant_type=client_credentials`
    // Line breaks in the doc sample are "for clarity"; curl -d sends it on one line.
    assert.equal((await postForm(v2, curl.replace(/\n/g, ''))).status, 200)
    // Python: urllib.parse.urlencode({'resource':…,'client_id':…,'client_secret':…,'grant_type':…}) uses quote_plus.
    const python = new URLSearchParams({ resource: 'https://api.securitycenter.microsoft.com', client_id: WELL_KNOWN.clientId, client_secret: WELL_KNOWN.clientSecret, grant_type: 'client_credentials' })
    const res = await postForm(v1, python.toString())
    assert.equal(res.status, 200)
    assert.equal(((await res.json()) as { resource: string }).resource, 'https://api.securitycenter.microsoft.com')
  })

  test('v1 doc sample with an unencoded + in the secret is accepted', async () => {
    const res = await postForm(
      `${srv.url}/${WELL_KNOWN.homeTenantDomain}/oauth2/token`,
      `grant_type=client_credentials&client_id=${PLUS_SECRET_APP_ID}&client_secret=${PLUS_SECRET}&resource=https%3A%2F%2Fgraph.microsoft.com%2F`,
    )
    assert.equal(res.status, 200, await res.clone().text())
  })

  test('client secret in HTTP Basic (RFC 6749 §2.3.1, urlencoded id:secret)', async () => {
    const basic = Buffer.from(`${encodeURIComponent(WELL_KNOWN.clientId)}:${encodeURIComponent(WELL_KNOWN.clientSecret)}`).toString('base64')
    const ok = await postForm(v2, { scope: `${MTP}/.default`, grant_type: 'client_credentials' }, { authorization: `Basic ${basic}` })
    assert.equal(ok.status, 200)
    assert.equal(decodeJwt(((await ok.json()) as { access_token: string }).access_token).claims.appidacr, '1')
    const wrong = Buffer.from(`${WELL_KNOWN.clientId}:nope`).toString('base64')
    await expectOAuthError(await postForm(v2, { scope: `${MTP}/.default`, grant_type: 'client_credentials' }, { authorization: `Basic ${wrong}` }), 401, 'invalid_client', 7000215)
  })

  test('/organizations issues for the app home tenant', async () => {
    const res = await postForm(`${srv.url}/organizations/oauth2/v2.0/token`, secretForm({ scope: `${MTP}/.default` }))
    assert.equal(res.status, 200)
    assert.equal(decodeJwt(((await res.json()) as { access_token: string }).access_token).claims.tid, WELL_KNOWN.homeTenantId)
  })

  test('client secrets never reach the request log', async () => {
    await postForm(v2, secretForm({ scope: `${MTP}/.default` }))
    const logged = emu.requests.list({ group: 'token' })
    assert.ok(logged.length > 0)
    for (const entry of logged) assert.ok(!JSON.stringify(entry).includes(WELL_KNOWN.clientSecret))
  })
})

describe('token endpoints: AADSTS errors', () => {
  let srv: RunningEmulator
  let v1: string
  let v2: string
  before(async () => {
    srv = await serve(await createEmulator({ config: tokenTestConfig() }))
    v1 = `${srv.url}/${CONTOSO}/oauth2/token`
    v2 = `${srv.url}/${CONTOSO}/oauth2/v2.0/token`
  })
  after(() => srv.close())

  test('JSON body instead of a form → 900144 grant_type (400 invalid_request)', async () => {
    const res = await fetch(v2, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(secretForm({ scope: `${MTP}/.default` })) })
    const body = await expectOAuthError(res, 400, 'invalid_request', 900144)
    assert.ok(body.error_description.includes("'grant_type'"))
    assert.equal(body.error_uri, `${srv.url}/error?code=900144`)
  })

  test('missing client_id / scope / resource → 900144 naming the parameter', async () => {
    const noClient = secretForm({ scope: `${MTP}/.default` })
    delete (noClient as Partial<typeof noClient>).client_id
    assert.ok((await expectOAuthError(await postForm(v2, noClient), 400, 'invalid_request', 900144)).error_description.includes("'client_id'"))
    const noScope = { client_id: WELL_KNOWN.clientId, client_secret: WELL_KNOWN.clientSecret, grant_type: 'client_credentials' }
    assert.ok((await expectOAuthError(await postForm(v2, noScope), 400, 'invalid_request', 900144)).error_description.includes("'scope'"))
    assert.ok((await expectOAuthError(await postForm(v1, noScope), 400, 'invalid_request', 900144)).error_description.includes("'resource'"))
  })

  test('unknown grant type → AADSTS70003 unsupported_grant_type', async () => {
    await expectOAuthError(await postForm(v2, secretForm({ scope: `${MTP}/.default` }, { grant_type: 'password' })), 400, 'unsupported_grant_type', 70003)
  })

  test('tenant errors: 90002 unknown GUID/domain and empty GUID, 900023 malformed, 9001023 /common', async () => {
    const form = secretForm({ scope: `${MTP}/.default` })
    const unknown = await expectOAuthError(await postForm(`${srv.url}/${randomUUID()}/oauth2/v2.0/token`, form), 400, 'invalid_tenant', 90002)
    assert.ok(unknown.error_description.includes('not found'))
    await expectOAuthError(await postForm(`${srv.url}/nowhere.example.org/oauth2/v2.0/token`, form), 400, 'invalid_tenant', 90002)
    const empty = await expectOAuthError(await postForm(`${srv.url}/00000000-0000-0000-0000-000000000000/oauth2/token`, secretForm({ resource: MTP })), 400, 'invalid_tenant', 90002)
    assert.ok(empty.error_description.includes('empty GUID'))
    await expectOAuthError(await postForm(`${srv.url}/not_a_tenant/oauth2/v2.0/token`, form), 400, 'invalid_request', 900023)
    await expectOAuthError(await postForm(`${srv.url}/common/oauth2/v2.0/token`, form), 400, 'invalid_request', 9001023)
    await expectOAuthError(await postForm(`${srv.url}/consumers/oauth2/token`, secretForm({ resource: MTP })), 400, 'invalid_request', 9001023)
  })

  test('never-consented tenant → 700016 naming client id and tenant', async () => {
    const res = await postForm(`${srv.url}/woodgrove.onmicrosoft.com/oauth2/v2.0/token`, secretForm({ scope: `${MTP}/.default` }))
    const body = await expectOAuthError(res, 400, 'unauthorized_client', 700016)
    assert.ok(body.error_description.includes(`'${WELL_KNOWN.clientId}'`))
    assert.ok(body.error_description.includes("'woodgrove.onmicrosoft.com'"))
  })

  test('unknown client id → 700016; single-tenant app in another tenant → 700016', async () => {
    await expectOAuthError(await postForm(v2, secretForm({ scope: `${MTP}/.default` }, { client_id: randomUUID() })), 400, 'unauthorized_client', 700016)
    const single = await createEmulator({ config: tokenTestConfig() })
    // Even with a service principal planted in Contoso, an AzureADMyOrg app only works at home.
    single.directory.ensureServicePrincipal(CONTOSO, SINGLE_TENANT_APP_ID)
    const res = await single.fetch(`http://emulator.test/${CONTOSO}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: SINGLE_TENANT_APP_ID, client_secret: OTHER_SECRET, scope: `${MTP}/.default`, grant_type: 'client_credentials' }),
    })
    await expectOAuthError(res, 400, 'unauthorized_client', 700016)
    const home = await single.fetch(`http://emulator.test/${WELL_KNOWN.homeTenantId}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: SINGLE_TENANT_APP_ID, client_secret: OTHER_SECRET, scope: `${MTP}/.default`, grant_type: 'client_credentials' }),
    })
    assert.equal(home.status, 200)
  })

  test('disabled app → 7000112', async () => {
    const res = await postForm(`${srv.url}/${WELL_KNOWN.homeTenantId}/oauth2/v2.0/token`, secretForm({ scope: `${MTP}/.default` }, { client_id: DISABLED_APP_ID, client_secret: OTHER_SECRET }))
    const body = await expectOAuthError(res, 400, 'unauthorized_client', 7000112)
    assert.ok(body.error_description.includes(`'${DISABLED_APP_ID}'(disabled app) is disabled.`))
  })

  test('credential errors: 7000218 none, 7000215 wrong value, 7000222 expired', async () => {
    const none = { client_id: WELL_KNOWN.clientId, scope: `${MTP}/.default`, grant_type: 'client_credentials' }
    await expectOAuthError(await postForm(v2, none), 401, 'invalid_client', 7000218)
    const wrong = await expectOAuthError(await postForm(v2, secretForm({ scope: `${MTP}/.default` }, { client_secret: randomUUID() })), 401, 'invalid_client', 7000215)
    assert.ok(wrong.error_description.includes('client secret value, not the client secret ID'))
    assert.ok(!wrong.error_description.includes(WELL_KNOWN.clientSecret))
    const expired = await postForm(`${srv.url}/${WELL_KNOWN.homeTenantId}/oauth2/token`, secretForm({ resource: MTP }, { client_id: EXPIRED_SECRET_APP_ID, client_secret: OTHER_SECRET }))
    await expectOAuthError(expired, 401, 'invalid_client', 7000222)
  })

  test('scope errors: 1002012 without /.default, 70011 unknown or several resources, 901002 resource on v2', async () => {
    const noDefault = await expectOAuthError(await postForm(v2, secretForm({ scope: `${MTP}/Incident.Read.All` })), 400, 'invalid_scope', 1002012)
    assert.ok(noDefault.error_description.includes(`${MTP}/Incident.Read.All`))
    await expectOAuthError(await postForm(v2, secretForm({ scope: 'openid' })), 400, 'invalid_scope', 1002012)
    await expectOAuthError(await postForm(v2, secretForm({ scope: 'https://foo.microsoft.com/.default' })), 400, 'invalid_scope', 70011)
    await expectOAuthError(await postForm(v2, secretForm({ scope: `${MTP}/.default https://graph.microsoft.com/.default` })), 400, 'invalid_scope', 70011)
    await expectOAuthError(await postForm(v2, secretForm({ resource: MTP })), 400, 'invalid_request', 901002)
  })

  test('v1 unknown resource → 500011 invalid_resource', async () => {
    const body = await expectOAuthError(await postForm(v1, secretForm({ resource: 'https://nothing.example.com' })), 400, 'invalid_resource', 500011)
    assert.ok(body.error_description.includes('The resource principal named https://nothing.example.com was not found'))
  })

  test('validation order: grant_type before tenant, tenant before client, client before credential', async () => {
    await expectOAuthError(await postForm(`${srv.url}/${randomUUID()}/oauth2/v2.0/token`, { client_id: WELL_KNOWN.clientId }), 400, 'invalid_request', 900144)
    await expectOAuthError(await postForm(`${srv.url}/${randomUUID()}/oauth2/v2.0/token`, secretForm({ scope: `${MTP}/.default` }, { client_id: randomUUID() })), 400, 'invalid_tenant', 90002)
    await expectOAuthError(await postForm(`${srv.url}/woodgrove.onmicrosoft.com/oauth2/v2.0/token`, secretForm({ scope: `${MTP}/.default` }, { client_secret: 'wrong' })), 400, 'unauthorized_client', 700016)
    await expectOAuthError(await postForm(v2, secretForm({ scope: 'https://foo.example/.default' }, { client_secret: 'wrong' })), 401, 'invalid_client', 7000215)
  })

  test('client-request-id is echoed as correlation_id', async () => {
    const crid = randomUUID()
    const body = await expectOAuthError(await postForm(`${v2}?client-request-id=${crid}`, { grant_type: 'client_credentials' }), 400, 'invalid_request', 900144)
    assert.equal(body.correlation_id, crid)
    assert.ok(body.error_description.includes(`Correlation ID: ${crid}`))
  })

  test('GET (or PUT) on the token endpoint → 900561', async () => {
    await expectOAuthError(await fetch(v2), 400, 'invalid_request', 900561)
    await expectOAuthError(await fetch(v2, { method: 'PUT', body: 'grant_type=client_credentials' }), 400, 'invalid_request', 900561)
  })
})
