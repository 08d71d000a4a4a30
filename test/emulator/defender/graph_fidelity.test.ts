// Graph fidelity over real HTTP: $select, Prefer: include-unknown-enum-members, the exact v1.0
// property sets, Graph response headers and the 401 challenge, determination spellings, customTags
// replacement, and write-back (alert PATCH + comments, incident comments) with the roles each needs.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { ManualClock } from '../../../src/lib/clock.js'
import { createEmulator, serve, type Emulator, type RunningEmulator } from '../../../src/emulator/index.js'
import { WELL_KNOWN as W } from '../../../src/emulator/well_known.js'
import { GRAPH_ALERT_PROPERTIES, GRAPH_INCIDENT_PROPERTIES } from '../../../src/emulator/defender/views.js'
import { call, getToken, GRAPH_SCOPE, type ApiError } from './helpers.js'

type Json = Record<string, any>
interface Page {
  '@odata.context': string
  value: Json[]
}

describe('Graph fidelity', () => {
  const clock = new ManualClock(Date.now())
  let emu: Emulator
  let srv: RunningEmulator
  let url: string
  let reader: string
  let writer: string
  before(async () => {
    emu = await createEmulator({ clock, defender: { limits: { enabled: false } } })
    srv = await serve(emu)
    url = srv.url
    // fabrikam keeps the dev app's read and write roles; contoso's admin consents to write incidents
    // but only to read alerts (no SecurityAlert.ReadWrite.All).
    const grant = await call(`${url}/_emulator/tenants/${W.contosoTenantId}/grants/${W.clientId}`, undefined, {
      method: 'PUT',
      body: JSON.stringify({ consent: [{ resource: 'https://graph.microsoft.com', roles: ['SecurityIncident.ReadWrite.All', 'SecurityAlert.Read.All'] }] }),
    })
    assert.ok(grant.status < 300)
    reader = await getToken(url, W.contosoTenantId, GRAPH_SCOPE)
    writer = await getToken(url, W.fabrikamTenantId, GRAPH_SCOPE)
  })
  after(() => srv.close())

  test('v1.0 incidents carry exactly the v1.0 properties (no priorityScore); alerts_v2 has customDetails, additionalData, alertPolicyId', async () => {
    const inc = (await call<Page>(`${url}/v1.0/security/incidents?$top=1&$expand=alerts`, reader)).body.value[0]!
    assert.deepEqual(Object.keys(inc).sort(), [...GRAPH_INCIDENT_PROPERTIES].sort())
    assert.ok(!('priorityScore' in inc))
    const alert = inc.alerts[0]
    assert.deepEqual(Object.keys(alert).sort(), [...GRAPH_ALERT_PROPERTIES].sort())
    for (const k of ['customDetails', 'additionalData']) assert.equal(typeof alert[k], 'object', k)
    assert.ok('alertPolicyId' in alert)
  })

  test('$select on lists and gets: only the named properties, any case, in the context URL; an unknown name is Graph’s 400', async () => {
    const list = await call<Page>(`${url}/v1.0/security/incidents?$top=2&$select=id,Status,displayName`, reader)
    assert.equal(list.status, 200)
    assert.match(list.body['@odata.context'], /#security\/incidents\(id,status,displayName\)$/)
    for (const i of list.body.value) assert.deepEqual(Object.keys(i), ['id', 'status', 'displayName'])
    const id = list.body.value[0]!.id
    const one = await call<Json>(`${url}/v1.0/security/incidents/${id}?$select=severity&$expand=alerts`, reader)
    assert.deepEqual(Object.keys(one.body).filter((k) => !k.startsWith('@')), ['severity', 'alerts'])
    const alerts = await call<Page>(`${url}/v1.0/security/alerts_v2?$top=3&$select=id,title,evidence`, reader)
    for (const a of alerts.body.value) assert.deepEqual(Object.keys(a), ['id', 'title', 'evidence'])
    const alert = await call<Json>(`${url}/v1.0/security/alerts_v2/${alerts.body.value[0]!.id}?$select=customDetails`, reader)
    assert.deepEqual(Object.keys(alert.body).filter((k) => !k.startsWith('@')), ['customDetails'])
    assert.equal((await call<Page>(`${url}/v1.0/security/incidents?$top=1&$select=*`, reader)).body.value[0]!.customTags !== undefined, true)
    const bad = await call<ApiError>(`${url}/v1.0/security/alerts_v2?$select=id,priorityScore`, reader)
    assert.equal(bad.status, 400)
    assert.equal(bad.body.error.code, 'BadRequest')
    assert.equal(bad.body.error.message, "Could not find a property named 'priorityScore' on type 'microsoft.graph.security.alert'.")
    assert.ok(bad.body.error.innerError?.['request-id'])
  })

  test('Prefer: include-unknown-enum-members — awaitingAction only when asked, else unknownFutureValue; Preference-Applied', async () => {
    const id = (await call<Page>(`${url}/v1.0/security/incidents?$top=1`, reader)).body.value[0]!.id
    const set = await call(`${url}/_emulator/defender/tenants/${W.contosoTenantId}/incidents/${id}`, undefined, { method: 'PATCH', body: JSON.stringify({ status: 'AwaitingAction' }) })
    assert.equal(set.status, 200)
    const plain = await call<Json>(`${url}/v1.0/security/incidents/${id}`, reader)
    assert.equal(plain.body.status, 'unknownFutureValue')
    assert.equal(plain.headers.get('preference-applied'), null)
    const asked = await call<Json>(`${url}/v1.0/security/incidents/${id}`, reader, { headers: { prefer: 'odata.maxpagesize=5, include-unknown-enum-members' } })
    assert.equal(asked.body.status, 'awaitingAction')
    assert.equal(asked.headers.get('preference-applied'), 'include-unknown-enum-members')
    const filtered = await call<Page>(`${url}/v1.0/security/incidents?$filter=status eq 'awaitingAction'`, reader, { headers: { prefer: 'include-unknown-enum-members' } })
    assert.deepEqual(filtered.body.value.map((i) => i.id), [id])
    // Only Defender Experts set it: a PATCH cannot.
    assert.equal((await call<ApiError>(`${url}/v1.0/security/incidents/${id}`, reader, { method: 'PATCH', body: '{"status":"awaitingAction"}' })).status, 400)
  })

  test('Graph headers: request-id, client-request-id echoed (or minted), x-ms-ags-diagnostic JSON; 401 challenge in Graph’s form', async () => {
    const mine = '3f1d2c4b-0000-4000-8000-000000000001'
    const res = await call<Page>(`${url}/v1.0/security/incidents?$top=1`, reader, { headers: { 'client-request-id': mine } })
    assert.match(res.headers.get('request-id') ?? '', /^[0-9a-f-]{36}$/)
    assert.equal(res.headers.get('client-request-id'), mine)
    assert.ok(JSON.parse(res.headers.get('x-ms-ags-diagnostic')!).ServerInfo)
    const minted = await call<Page>(`${url}/v1.0/security/incidents?$top=1`, reader)
    assert.match(minted.headers.get('client-request-id') ?? '', /^[0-9a-f-]{36}$/)
    const denied = await call<ApiError>(`${url}/v1.0/security/incidents`, undefined, { headers: { 'client-request-id': mine } })
    assert.equal(denied.status, 401)
    assert.equal(denied.body.error.code, 'InvalidAuthenticationToken')
    assert.equal(denied.body.error.innerError?.['client-request-id'], mine)
    assert.equal(denied.headers.get('www-authenticate'), `Bearer realm="", authorization_uri="${url}/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"`)
  })

  test('incident PATCH: customTags replaced (not merged), assignment, status, classification with either determination spelling', async () => {
    const id = (await call<Page>(`${url}/v1.0/security/incidents?$top=1&$filter=status eq 'active'`, writer)).body.value[0]!.id
    const patch = (body: object) => call<Json>(`${url}/v1.0/security/incidents/${id}`, writer, { method: 'PATCH', body: JSON.stringify(body) })
    await patch({ customTags: ['a', 'b'] })
    const replaced = await patch({ customTags: ['c'], assignedTo: 'soc@fabrikam.com', status: 'inProgress' })
    assert.equal(replaced.status, 200)
    assert.deepEqual(replaced.body.customTags, ['c'])
    assert.deepEqual([replaced.body.assignedTo, replaced.body.status], ['soc@fabrikam.com', 'inProgress'])
    // The docs spell these two ways (resource page vs update page / alertDetermination table).
    for (const [classification, given, stored] of [
      ['truePositive', 'compromisedUser', 'compromisedAccount'],
      ['truePositive', 'compromisedAccount', 'compromisedAccount'],
      ['falsePositive', 'clean', 'notMalicious'],
      ['falsePositive', 'notMalicious', 'notMalicious'],
      ['falsePositive', 'insufficientData', 'notEnoughDataToValidate'],
      ['falsePositive', 'notEnoughDataToValidate', 'notEnoughDataToValidate'],
      ['informationalExpectedActivity', 'confirmedUserActivity', 'confirmedActivity'],
      ['informationalExpectedActivity', 'confirmedActivity', 'confirmedActivity'],
    ]) {
      const r = await patch({ classification, determination: given })
      assert.equal(r.status, 200, `${given}: ${JSON.stringify(r.body)}`)
      assert.equal(r.body.determination, stored, given)
    }
    const comment = await call<Page>(`${url}/v1.0/security/incidents/${id}/comments`, writer, { method: 'POST', body: JSON.stringify({ '@odata.type': 'microsoft.graph.security.alertComment', comment: 'contained' }) })
    assert.equal(comment.status, 200)
    assert.equal(comment.body.value.at(-1)!.comment, 'contained')
  })

  test('alert write-back: PATCH and comments need SecurityAlert.ReadWrite.All; 404 and 400 as documented; the incident moves', async () => {
    const alert = (await call<Page>(`${url}/v1.0/security/alerts_v2?$top=1`, reader)).body.value[0]!
    const forbidden = await call<ApiError>(`${url}/v1.0/security/alerts_v2/${alert.id}/comments`, reader, { method: 'POST', body: '{"comment":"x"}' })
    assert.equal(forbidden.status, 403)
    assert.equal(forbidden.body.error.code, 'Forbidden')
    assert.match(forbidden.body.error.message, /API required roles: SecurityAlert\.ReadWrite\.All/)

    const mine = (await call<Page>(`${url}/v1.0/security/alerts_v2?$top=1`, writer)).body.value[0]!
    assert.equal((await call<ApiError>(`${url}/v1.0/security/alerts_v2/da0000000000000000_1/comments`, writer, { method: 'POST', body: '{"comment":"x"}' })).status, 404)
    assert.equal((await call<ApiError>(`${url}/v1.0/security/alerts_v2/${mine.id}/comments`, writer, { method: 'POST', body: '{"comment":""}' })).status, 400)
    clock.set(clock.now() + 5000)
    const posted = await call<Page>(`${url}/v1.0/security/alerts_v2/${mine.id}/comments`, writer, { method: 'POST', body: JSON.stringify({ '@odata.type': 'microsoft.graph.security.alertComment', comment: 'triaged by m365d' }) })
    assert.equal(posted.status, 200)
    assert.match(posted.body['@odata.context'], /Collection\(microsoft\.graph\.security\.alertComment\)$/)
    assert.deepEqual(posted.body.value.map((c) => c.comment), ['triaged by m365d'])
    assert.equal(posted.body.value[0]!.createdByDisplayName, 'm365d demo partner app')
    const after = await call<Json>(`${url}/v1.0/security/alerts_v2/${mine.id}`, writer)
    assert.deepEqual(after.body.comments.map((c: Json) => c.comment), ['triaged by m365d'])
    assert.equal(Date.parse(after.body.lastUpdateDateTime), clock.now())
    const incident = await call<Json>(`${url}/v1.0/security/incidents/${mine.incidentId}`, writer)
    assert.equal(Date.parse(incident.body.lastUpdateDateTime), clock.now())

    const patched = await call<Json>(`${url}/v1.0/security/alerts_v2/${mine.id}`, writer, { method: 'PATCH', body: JSON.stringify({ assignedTo: 'analyst@fabrikam.com', status: 'inProgress', classification: 'truePositive', determination: 'compromisedUser' }) })
    assert.equal(patched.status, 200)
    assert.deepEqual([patched.body.assignedTo, patched.body.status, patched.body.determination], ['analyst@fabrikam.com', 'inProgress', 'compromisedAccount'])
    assert.equal((await call<ApiError>(`${url}/v1.0/security/alerts_v2/${mine.id}`, writer, { method: 'PATCH', body: '{"title":"x"}' })).status, 400)
  })
})
