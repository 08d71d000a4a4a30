import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { ManualClock } from '../../../src/lib/clock.js'
import { createEmulator, serve, type Emulator, type RunningEmulator } from '../../../src/emulator/index.js'
import { WELL_KNOWN } from '../../../src/emulator/well_known.js'
import { call, getToken, LEGACY_SCOPE, type ApiError } from './helpers.js'

interface LegacyIncident {
  incidentId: number
  incidentUri: string
  redirectIncidentId: number | null
  createdTime: string
  lastUpdateTime: string
  status: string
  assignedTo: string | null
  classification: string
  determination: string
  tags: string[]
  comments: { comment: string; createdBy: string; createdTime: string }[]
  alerts: { alertId: string; incidentId: number; providerAlertId: string; detectorId: string; devices: Record<string, unknown>[]; entities: { entityType: string }[] }[]
}
type List = { '@odata.context': string; value: LegacyIncident[]; '@odata.nextLink'?: string }

const DAY = 86_400_000

describe('legacy /api/incidents', () => {
  const clock = new ManualClock(Date.now())
  let emu: Emulator
  let srv: RunningEmulator
  let token: string
  let url: string
  before(async () => {
    emu = await createEmulator({ clock, defender: { limits: { enabled: false } } })
    srv = await serve(emu)
    url = srv.url
    token = await getToken(url, WELL_KNOWN.contosoTenantId, LEGACY_SCOPE)
  })
  after(() => srv.close())

  const list = (query = '') => call<List>(`${url}/api/incidents${query}`, token)

  test('envelope, default order newest first, full schema incl. undocumented fields', async () => {
    const res = await list()
    assert.equal(res.status, 200)
    assert.equal(res.headers.get('odata-version'), '4.0')
    assert.equal(res.body['@odata.context'], `${url}/api/$metadata#Incidents`)
    assert.equal(res.body.value.length, 100)
    assert.equal(res.body['@odata.nextLink'], undefined)
    const created = res.body.value.map((i) => Date.parse(i.createdTime))
    assert.deepEqual(created, [...created].sort((a, b) => b - a))
    const withAlerts = res.body.value.find((i) => i.alerts.length > 0)!
    assert.match(withAlerts.incidentUri, /^https:\/\/security\.microsoft\.com\/incidents\/\d+\?tid=c0de0000-/)
    assert.match(withAlerts.createdTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z$/)
    const alert = withAlerts.alerts[0]!
    assert.equal(alert.incidentId, withAlerts.incidentId)
    assert.ok(alert.alertId.endsWith(alert.providerAlertId))
    assert.match(alert.detectorId, /^[0-9a-f-]{36}$/)
    const allEntities = res.body.value.flatMap((i) => i.alerts.flatMap((a) => a.entities.map((e) => e.entityType)))
    for (const type of ['User', 'Ip', 'File', 'Process', 'Mailbox', 'MailMessage', 'Url']) assert.ok(allEntities.includes(type), type)
    const device = res.body.value.flatMap((i) => i.alerts.flatMap((a) => a.devices))[0]!
    for (const key of ['mdatpDeviceId', 'deviceDnsName', 'osPlatform', 'osBuild', 'healthStatus', 'riskScore', 'tags', 'defenderAvStatus', 'onboardingStatus', 'vmMetadata']) assert.ok(key in device, key)
  })

  test('merged incidents are Redirected with redirectIncidentId and no alerts', async () => {
    const raw = await call<{ value: { incidentId: number; status: string; retained: boolean }[] }>(`${url}/_emulator/defender/tenants/${WELL_KNOWN.contosoTenantId}/incidents`, undefined)
    const redirected = raw.body.value.find((i) => i.status === 'Redirected' && i.retained)
    assert.ok(redirected, 'generator produced a merged incident')
    const res = await call<LegacyIncident>(`${url}/api/incidents/${redirected.incidentId}`, token)
    assert.equal(res.status, 200)
    assert.equal(res.body.status, 'Redirected')
    assert.equal(typeof res.body.redirectIncidentId, 'number')
    assert.deepEqual(res.body.alerts, [])
  })

  test('$filter on each field and operator', async () => {
    const all = await collect('')
    const pivot = all[Math.floor(all.length / 2)]!
    const lit = pivot.lastUpdateTime
    const cases: [string, (i: LegacyIncident) => boolean][] = [
      [`lastUpdateTime ge ${lit}`, (i) => i.lastUpdateTime >= lit],
      [`lastUpdateTime gt ${lit}`, (i) => i.lastUpdateTime > lit],
      [`lastUpdateTime le ${lit}`, (i) => i.lastUpdateTime <= lit],
      [`lastUpdateTime lt ${lit}`, (i) => i.lastUpdateTime < lit],
      [`lastUpdateTime eq ${lit}`, (i) => i.lastUpdateTime === lit],
      [`createdTime gt ${pivot.createdTime}`, (i) => i.createdTime > pivot.createdTime],
      [`createdTime le ${pivot.createdTime}`, (i) => i.createdTime <= pivot.createdTime],
      ["status eq 'Active'", (i) => i.status === 'Active'],
      ["status eq 'Resolved' or status eq 'InProgress'", (i) => i.status === 'Resolved' || i.status === 'InProgress'],
      [`assignedTo eq '${pivot.assignedTo ?? 'nobody'}'`, (i) => i.assignedTo === (pivot.assignedTo ?? 'nobody')],
      [`status eq 'Active' and createdTime ge ${pivot.createdTime}`, (i) => i.status === 'Active' && i.createdTime >= pivot.createdTime],
    ]
    for (const [filter, predicate] of cases) {
      const got = (await collect(`$filter=${encodeURIComponent(filter)}`)).map((i) => i.incidentId).sort()
      const want = all.filter(predicate).map((i) => i.incidentId).sort()
      assert.deepEqual(got, want, filter)
      assert.ok(want.length > 0 || filter.startsWith('assignedTo'), `${filter} selects something`)
    }
    // The documented SIEM form with '+' for spaces.
    const plus = await list(`?$filter=lastUpdateTime+ge+${lit}`)
    assert.equal(plus.status, 200)
    assert.ok(plus.body.value.every((i) => i.lastUpdateTime >= lit))
  })

  test('bad $filter, $top and $skip answer 400 ODataError with the position', async () => {
    const cases = [
      "$filter=severity eq 'High'",
      "$filter=status eq 'Closed'",
      "$filter=lastUpdateTime ge '2026-01-01T00:00:00Z'",
      '$filter=lastUpdateTime ge 2026-01-01',
      "$filter=assignedTo gt 'a'",
      '$filter=status eq',
      '$top=101',
      '$top=-1',
      '$skip=abc',
      '$orderby=createdTime',
    ]
    for (const q of cases) {
      const res = await call<ApiError>(`${url}/api/incidents?${q.replace(/ /g, '%20')}`, token)
      assert.equal(res.status, 400, q)
      assert.equal(res.body.error.code, 'ODataError', q)
      assert.match(res.body.error.target!, /^[0-9a-f-]{36}$/)
    }
    const res = await call<ApiError>(`${url}/api/incidents?$filter=${encodeURIComponent("status eq 'Active' and severity eq 'High'")}`, token)
    assert.match(res.body.error.message, /position 23/)
    const top = await call<ApiError>(`${url}/api/incidents?$top=500`, token)
    assert.match(top.body.error.message, /limit of '100' for Top query has been exceeded.*'500'/)
  })

  test('paging over more than 1,000 incidents by $skip: no gap, no duplicate; /api/v1.0 alias', async () => {
    const gen = await call<{ count: number }>(`${url}/_emulator/defender/tenants/${WELL_KNOWN.fabrikamTenantId}/generate`, undefined, { method: 'POST', body: JSON.stringify({ count: 1400, seed: 7 }) })
    assert.equal(gen.status, 201)
    const fabrikam = await getToken(url, WELL_KNOWN.fabrikamTenantId, LEGACY_SCOPE)
    const raw = await call<{ value: { incidentId: number; retained: boolean }[] }>(`${url}/_emulator/defender/tenants/${WELL_KNOWN.fabrikamTenantId}/incidents`, undefined)
    const retained = raw.body.value.filter((i) => i.retained).map((i) => i.incidentId)
    assert.ok(retained.length > 1000 && retained.length < 1400, `some incidents are past retention (${retained.length})`)
    const seen: number[] = []
    for (let skip = 0; ; skip += 100) {
      const page = await call<List>(`${url}/api/v1.0/incidents?$top=100&$skip=${skip}`, fabrikam)
      assert.equal(page.status, 200)
      seen.push(...page.body.value.map((i) => i.incidentId))
      if (page.body.value.length < 100) break
    }
    assert.equal(new Set(seen).size, seen.length, 'no duplicates')
    assert.deepEqual([...seen].sort(), [...retained].sort(), 'exactly the retained incidents')
  })

  test('retention: incidents last updated more than 180 days ago are gone from list and get', async () => {
    const raw = await call<{ value: { incidentId: number; retained: boolean; lastUpdateTime: number }[] }>(`${url}/_emulator/defender/tenants/${WELL_KNOWN.contosoTenantId}/incidents`, undefined)
    const expired = raw.body.value.find((i) => !i.retained)!
    assert.ok(clock.now() - expired.lastUpdateTime > 180 * DAY)
    const get = await call<ApiError>(`${url}/api/incidents/${expired.incidentId}`, token)
    assert.equal(get.status, 404)
    const all = await collect('')
    assert.ok(!all.some((i) => i.incidentId === expired.incidentId))
    assert.ok(all.every((i) => clock.now() - Date.parse(i.lastUpdateTime) <= 180 * DAY))
  })

  test('get: non-numeric id 400 InvalidInput, missing 404 ResourceNotFound, entity context', async () => {
    const bad = await call<ApiError>(`${url}/api/incidents/abc`, token)
    assert.equal(bad.status, 400)
    assert.equal(bad.body.error.code, 'InvalidInput')
    const missing = await call<ApiError>(`${url}/api/incidents/1`, token)
    assert.equal(missing.status, 404)
    assert.equal(missing.body.error.code, 'ResourceNotFound')
    assert.equal(missing.body.error.message, 'Incident 1 was not found')
    const id = (await list('?$top=1')).body.value[0]!.incidentId
    const ok = await call<LegacyIncident & { '@odata.context': string }>(`${url}/api/incidents/${id}`, token)
    assert.equal(ok.body['@odata.context'], `${url}/api/$metadata#Incidents/$entity`)
    assert.equal(ok.body.incidentId, id)
  })

  test('tenant isolation: another tenant never sees these incidents', async () => {
    const fabrikam = await getToken(url, WELL_KNOWN.fabrikamTenantId, LEGACY_SCOPE)
    const mine = (await list('?$top=20')).body.value.map((i) => i.incidentId)
    for (const id of mine.slice(0, 5)) {
      const res = await call<ApiError>(`${url}/api/incidents/${id}`, fabrikam)
      assert.equal(res.status, 404, String(id))
    }
    const theirs = await call<List>(`${url}/api/incidents?$top=100`, fabrikam)
    assert.ok(theirs.body.value.every((i) => i.incidentUri.includes(`tid=${WELL_KNOWN.fabrikamTenantId}`)))
    assert.ok(!theirs.body.value.some((i) => mine.includes(i.incidentId)))
  })

  test('PATCH updates fields, appends the comment as the app, bumps lastUpdateTime', async () => {
    const before = (await list("?$top=1&$filter=status+eq+'Active'")).body.value[0]!
    clock.set(clock.now() + 5000)
    const res = await call<LegacyIncident & { '@odata.context': string }>(`${url}/api/incidents/${before.incidentId}`, token, {
      method: 'PATCH',
      body: JSON.stringify({ status: 'Resolved', assignedTo: 'secop2@contoso.com', classification: 'TruePositive', determination: 'Malware', tags: ["Yossi's playground", 'x'], comment: 'pen testing' }),
    })
    assert.equal(res.status, 200)
    assert.equal(res.body['@odata.context'], `${url}/api/$metadata#Incidents/$entity`)
    assert.equal(res.body.status, 'Resolved')
    assert.equal(res.body.assignedTo, 'secop2@contoso.com')
    assert.equal(res.body.classification, 'TruePositive')
    assert.equal(res.body.determination, 'Malware')
    assert.deepEqual(res.body.tags, ["Yossi's playground", 'x'])
    const last = res.body.comments.at(-1)!
    assert.equal(last.comment, 'pen testing')
    assert.equal(last.createdBy, 'm365d demo partner app')
    assert.equal(Date.parse(res.body.lastUpdateTime), clock.now())
    assert.ok(res.body.lastUpdateTime > before.lastUpdateTime)
    // A poller using `lastUpdateTime gt <previous>` sees the change.
    const seen = await collect(`$filter=lastUpdateTime+gt+${before.lastUpdateTime}`)
    assert.ok(seen.some((i) => i.incidentId === before.incidentId))
    // Aliased determination spellings are accepted and stored canonically; "" unassigns.
    const alias = await call<LegacyIncident>(`${url}/api/incidents/${before.incidentId}`, token, { method: 'PATCH', body: JSON.stringify({ classification: 'FalsePositive', determination: 'InsufficientData', assignedTo: '' }) })
    assert.equal(alias.status, 200)
    assert.equal(alias.body.determination, 'NoEnoughDataToValidate')
    assert.equal(alias.body.assignedTo, null)
  })

  test('PATCH validation: 400 with the valid choices listed; malformed JSON; missing incident', async () => {
    const id = (await list('?$top=1')).body.value[0]!.incidentId
    const patch = (body: string) => call<ApiError>(`${url}/api/incidents/${id}`, token, { method: 'PATCH', body })
    const cases: [string, RegExp][] = [
      ['{"status":"Closed"}', /Active, InProgress, Resolved, Redirected/],
      ['{"classification":"Maybe"}', /TruePositive, InformationalExpectedActivity, FalsePositive/],
      ['{"classification":"FalsePositive","determination":"Malware"}', /Clean, NoEnoughDataToValidate, Other/],
      ['{"classification":"TruePositive","determination":"Apt"}', /MultiStagedAttack/],
      ['{"tags":"one"}', /array of strings/],
      ['{"severity":"High"}', /cannot be updated/],
      ['{}', /no property/],
    ]
    for (const [body, message] of cases) {
      const res = await patch(body)
      assert.equal(res.status, 400, body)
      assert.equal(res.body.error.code, 'InvalidInput', body)
      assert.match(res.body.error.message, message, body)
    }
    const malformed = await patch('{"status":')
    assert.equal(malformed.status, 400)
    assert.equal(malformed.body.error.code, 'InvalidRequestBody')
    const missing = await call<ApiError>(`${url}/api/incidents/2`, token, { method: 'PATCH', body: '{"status":"Active"}' })
    assert.equal(missing.status, 404)
  })

  async function collect(query: string): Promise<LegacyIncident[]> {
    const out: LegacyIncident[] = []
    for (let skip = 0; ; skip += 100) {
      const res = await list(`?${query}${query ? '&' : ''}$top=100&$skip=${skip}`)
      assert.equal(res.status, 200, query)
      out.push(...res.body.value)
      if (res.body.value.length < 100) return out
    }
  }
})
