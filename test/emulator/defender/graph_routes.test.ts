import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { ManualClock } from '../../../src/lib/clock.js'
import { createEmulator, serve, type Emulator, type RunningEmulator } from '../../../src/emulator/index.js'
import { WELL_KNOWN } from '../../../src/emulator/well_known.js'
import { call, getToken, GRAPH_SCOPE, type ApiError } from './helpers.js'

interface GraphIncident {
  id: string
  tenantId: string
  status: string
  severity: string
  classification: string
  determination: string
  assignedTo: string | null
  displayName: string
  createdDateTime: string
  lastUpdateDateTime: string
  incidentWebUrl: string
  redirectIncidentId: string | null
  customTags: string[]
  systemTags: string[]
  comments: { comment: string; createdByDisplayName: string; createdDateTime: string }[]
  alerts?: GraphAlert[]
}
interface GraphAlert {
  id: string
  incidentId: string
  status: string
  severity: string
  serviceSource: string
  createdDateTime: string
  evidence: { '@odata.type': string }[]
}
interface Page<T> {
  '@odata.context': string
  '@odata.count'?: number
  '@odata.nextLink'?: string
  value: T[]
}

describe('Graph /v1.0/security incidents and alerts_v2', () => {
  const clock = new ManualClock(Date.now())
  let emu: Emulator
  let srv: RunningEmulator
  let url: string
  let token: string
  before(async () => {
    emu = await createEmulator({ clock, defender: { limits: { enabled: false } } })
    srv = await serve(emu)
    url = srv.url
    token = await getToken(url, WELL_KNOWN.contosoTenantId, GRAPH_SCOPE)
  })
  after(() => srv.close())

  async function all<T>(first: string): Promise<{ items: T[]; pages: number; count?: number }> {
    const items: T[] = []
    let next: string | undefined = first
    let pages = 0
    let count: number | undefined
    while (next) {
      const res: { status: number; body: Page<T> } = await call<Page<T>>(next, token)
      assert.equal(res.status, 200, next)
      items.push(...res.body.value)
      count ??= res.body['@odata.count']
      next = res.body['@odata.nextLink']
      if (next) assert.ok(next.startsWith(`${url}/v1.0/security/`), `nextLink on the request origin: ${next}`)
      pages++
    }
    return { items, pages, count }
  }

  test('Graph field names, enums in camelCase, envelope with context and request-id', async () => {
    const res = await call<Page<GraphIncident>>(`${url}/v1.0/security/incidents?$top=5`, token)
    assert.equal(res.status, 200)
    assert.equal(res.body['@odata.context'], `${url}/v1.0/$metadata#security/incidents`)
    assert.ok(res.headers.get('request-id'))
    assert.equal(res.body.value.length, 5)
    const inc = res.body.value[0]!
    assert.equal(typeof inc.id, 'string')
    assert.equal(inc.tenantId, WELL_KNOWN.contosoTenantId)
    assert.match(inc.incidentWebUrl, /^https:\/\/security\.microsoft\.com\/incidents\//)
    assert.match(inc.status, /^(active|inProgress|resolved|redirected)$/)
    assert.match(inc.severity, /^(informational|low|medium|high)$/)
    for (const key of ['displayName', 'createdDateTime', 'lastUpdateDateTime', 'classification', 'determination', 'customTags', 'systemTags', 'comments', 'redirectIncidentId']) assert.ok(key in inc, key)
    assert.equal(inc.alerts, undefined)
  })

  test('paging by @odata.nextLink over more than 1,000 incidents: no gap, no duplicate; $count; $top clamped to 50', async () => {
    const gen = await call(`${url}/_emulator/defender/tenants/${WELL_KNOWN.contosoTenantId}/generate`, undefined, { method: 'POST', body: JSON.stringify({ count: 1300, seed: 3 }) })
    assert.equal(gen.status, 201)
    const raw = await call<{ value: { incidentId: number; retained: boolean }[] }>(`${url}/_emulator/defender/tenants/${WELL_KNOWN.contosoTenantId}/incidents`, undefined)
    const retained = raw.body.value.filter((i) => i.retained).map((i) => String(i.incidentId))
    assert.ok(retained.length > 1000)
    const { items, pages, count } = await all<GraphIncident>(`${url}/v1.0/security/incidents?$top=500&$count=true`)
    assert.equal(pages, Math.ceil(retained.length / 50))
    assert.equal(count, retained.length)
    const ids = items.map((i) => i.id)
    assert.equal(new Set(ids).size, ids.length)
    assert.deepEqual([...ids].sort(), [...retained].sort())
  })

  test('$top=0 answers an empty page without a nextLink', async () => {
    const res = await call<Page<GraphIncident>>(`${url}/v1.0/security/incidents?$top=0&$count=true`, token)
    assert.equal(res.status, 200)
    assert.deepEqual(res.body.value, [])
    assert.equal(res.body['@odata.nextLink'], undefined)
    assert.ok(res.body['@odata.count']! > 0)
  })

  test('$filter on every Graph incident field, with $orderby', async () => {
    const { items } = await all<GraphIncident>(`${url}/v1.0/security/incidents`)
    const pivot = items[Math.floor(items.length / 3)]!
    const lit = pivot.lastUpdateDateTime
    const cases: [string, (i: GraphIncident) => boolean][] = [
      [`lastUpdateDateTime ge ${lit}`, (i) => i.lastUpdateDateTime >= lit],
      [`lastUpdateDateTime gt ${lit}`, (i) => i.lastUpdateDateTime > lit],
      [`createdDateTime lt ${pivot.createdDateTime}`, (i) => i.createdDateTime < pivot.createdDateTime],
      [`createdDateTime le ${pivot.createdDateTime}`, (i) => i.createdDateTime <= pivot.createdDateTime],
      [`createdDateTime eq ${pivot.createdDateTime}`, (i) => i.createdDateTime === pivot.createdDateTime],
      ["status eq 'active'", (i) => i.status === 'active'],
      ["severity eq 'high' or severity eq 'medium'", (i) => i.severity === 'high' || i.severity === 'medium'],
      ["classification eq 'truePositive'", (i) => i.classification === 'truePositive'],
      ["determination eq 'malware'", (i) => i.determination === 'malware'],
      ["assignedTo eq null", (i) => i.assignedTo === null],
      [`status ne 'resolved' and lastUpdateDateTime ge ${lit}`, (i) => i.status !== 'resolved' && i.lastUpdateDateTime >= lit],
    ]
    for (const [filter, predicate] of cases) {
      const got = (await all<GraphIncident>(`${url}/v1.0/security/incidents?$filter=${encodeURIComponent(filter)}`)).items.map((i) => i.id).sort()
      const want = items.filter(predicate).map((i) => i.id).sort()
      assert.deepEqual(got, want, filter)
      assert.ok(want.length > 0, `${filter} selects something`)
    }
    const asc = await all<GraphIncident>(`${url}/v1.0/security/incidents?$orderby=lastUpdateDateTime asc&$filter=${encodeURIComponent(`lastUpdateDateTime ge ${lit}`)}`)
    const times = asc.items.map((i) => i.lastUpdateDateTime)
    assert.deepEqual(times, [...times].sort())
    const bySeverity = await all<GraphIncident>(`${url}/v1.0/security/incidents?$orderby=severity desc,createdDateTime asc&$top=50`)
    const rank = ['informational', 'low', 'medium', 'high']
    const sev = bySeverity.items.map((i) => rank.indexOf(i.severity))
    assert.deepEqual(sev, [...sev].sort((x, y) => y - x))
    assert.equal(bySeverity.items[0]!.severity, 'high')
    for (const q of ["$filter=severity eq 'critical'", '$filter=lastUpdateTime ge 2026-01-01T00:00:00Z', '$orderby=bogus desc', '$expand=evidence', '$top=abc', '$select=bogus']) {
      const res = await call<ApiError>(`${url}/v1.0/security/incidents?${q}`, token)
      assert.equal(res.status, 400, q)
      assert.equal(res.body.error.code, 'BadRequest', q)
      assert.ok(res.body.error.innerError?.['request-id'], q)
    }
  })

  test('$expand=alerts embeds alerts with evidence; configurable 500 above a page size', async () => {
    const res = await call<Page<GraphIncident>>(`${url}/v1.0/security/incidents?$top=20&$expand=alerts`, token)
    assert.equal(res.status, 200)
    const withAlerts = res.body.value.filter((i) => i.alerts!.length > 0)
    assert.ok(withAlerts.length > 0)
    for (const i of withAlerts) assert.ok(i.alerts!.every((a) => a.incidentId === i.id))
    assert.ok(withAlerts[0]!.alerts![0]!.evidence.some((e) => e['@odata.type'] === '#microsoft.graph.security.userEvidence'))
    await call(`${url}/_emulator/defender/limits`, undefined, { method: 'PUT', body: JSON.stringify({ expandFailAbove: 10 }) })
    const failing = await call<ApiError>(`${url}/v1.0/security/incidents?$top=20&$expand=alerts`, token)
    assert.equal(failing.status, 500)
    assert.equal(failing.body.error.code, 'InternalServerError')
    assert.equal((await call(`${url}/v1.0/security/incidents?$top=10&$expand=alerts`, token)).status, 200)
    assert.equal((await call(`${url}/v1.0/security/incidents?$top=20`, token)).status, 200)
    await call(`${url}/_emulator/defender/limits`, undefined, { method: 'PUT', body: JSON.stringify({ expandFailAbove: null }) })
  })

  test('get by id (+$expand), 404 NotFound, 400 for a non-numeric id', async () => {
    const first = (await call<Page<GraphIncident>>(`${url}/v1.0/security/incidents?$top=1`, token)).body.value[0]!
    const res = await call<GraphIncident & { '@odata.context': string }>(`${url}/v1.0/security/incidents/${first.id}?$expand=alerts`, token)
    assert.equal(res.status, 200)
    assert.equal(res.body.id, first.id)
    assert.ok(Array.isArray(res.body.alerts))
    const missing = await call<ApiError>(`${url}/v1.0/security/incidents/1`, token)
    assert.equal(missing.status, 404)
    assert.equal(missing.body.error.code, 'NotFound')
    assert.equal((await call<ApiError>(`${url}/v1.0/security/incidents/abc`, token)).status, 400)
  })

  test('PATCH with Graph enum names, validation, comments endpoint; same data as the legacy view', async () => {
    const inc = (await call<Page<GraphIncident>>(`${url}/v1.0/security/incidents?$top=1&$filter=status eq 'active'`, token)).body.value[0]!
    clock.set(clock.now() + 1000)
    const res = await call<GraphIncident>(`${url}/v1.0/security/incidents/${inc.id}`, token, {
      method: 'PATCH',
      body: JSON.stringify({ status: 'resolved', classification: 'falsePositive', determination: 'notMalicious', assignedTo: 'soc@contoso.com', customTags: ['Demo'] }),
    })
    assert.equal(res.status, 200)
    assert.equal(res.body.status, 'resolved')
    assert.equal(res.body.classification, 'falsePositive')
    assert.equal(res.body.determination, 'notMalicious')
    assert.deepEqual(res.body.customTags, ['Demo'])
    assert.equal(Date.parse(res.body.lastUpdateDateTime), clock.now())
    const bad = await call<ApiError>(`${url}/v1.0/security/incidents/${inc.id}`, token, { method: 'PATCH', body: JSON.stringify({ classification: 'truePositive', determination: 'securityTesting' }) })
    assert.equal(bad.status, 400)
    assert.match(bad.body.error.message, /Valid determinations for 'truePositive': multiStagedAttack, .*malware/)
    const legacyCase = await call<ApiError>(`${url}/v1.0/security/incidents/${inc.id}`, token, { method: 'PATCH', body: JSON.stringify({ status: 'Resolved' }) })
    assert.equal(legacyCase.status, 400)
    assert.match(legacyCase.body.error.message, /active, inProgress, resolved, redirected/)
    const comments = await call<{ value: { comment: string; createdByDisplayName: string }[] }>(`${url}/v1.0/security/incidents/${inc.id}/comments`, token, { method: 'POST', body: JSON.stringify({ '@odata.type': 'microsoft.graph.security.alertComment', comment: 'triaged' }) })
    assert.equal(comments.status, 200)
    assert.deepEqual(comments.body.value.at(-1), { '@odata.type': 'microsoft.graph.security.alertComment', comment: 'triaged', createdByDisplayName: 'm365d demo partner app', createdDateTime: comments.body.value.at(-1)!['createdDateTime' as 'comment'] })
    const raw = await call<{ value: { incidentId: number; status: string; classification: string; determination: string; tags: string[] }[] }>(`${url}/_emulator/defender/tenants/${WELL_KNOWN.contosoTenantId}/incidents`, undefined)
    const canonical = raw.body.value.find((i) => String(i.incidentId) === inc.id)!
    assert.deepEqual([canonical.status, canonical.classification, canonical.determination, canonical.tags], ['Resolved', 'FalsePositive', 'Clean', ['Demo']])
  })

  test('alerts_v2: paging with nextLink (no gap/duplicate), filters, get by id', async () => {
    const { items, count } = await all<GraphAlert>(`${url}/v1.0/security/alerts_v2?$top=400&$count=true`)
    const ids = items.map((a) => a.id)
    assert.equal(new Set(ids).size, ids.length)
    assert.equal(count, ids.length)
    assert.ok(ids.length > 1000, String(ids.length))
    const high = await all<GraphAlert>(`${url}/v1.0/security/alerts_v2?$filter=${encodeURIComponent("severity eq 'high' and serviceSource eq 'microsoftDefenderForEndpoint'")}`)
    assert.ok(high.items.length > 0)
    assert.ok(high.items.every((a) => a.severity === 'high' && a.serviceSource === 'microsoftDefenderForEndpoint'))
    const one = await call<GraphAlert>(`${url}/v1.0/security/alerts_v2/${ids[0]}`, token)
    assert.equal(one.status, 200)
    assert.equal(one.body.id, ids[0])
    assert.equal((await call<ApiError>(`${url}/v1.0/security/alerts_v2/nope`, token)).status, 404)
  })

  test('alerts_v2 PATCH needs SecurityAlert.ReadWrite.All, validates pairs and moves the incident lastUpdateDateTime', async () => {
    const first = (await call<Page<GraphAlert>>(`${url}/v1.0/security/alerts_v2?$top=1&$filter=status eq 'new'`, token)).body.value[0]!
    // The dev app may write alerts; a tenant whose admin granted only the read role may not.
    const readOnly = await call(`${url}/_emulator/tenants/${WELL_KNOWN.contosoTenantId}/grants/${WELL_KNOWN.clientId}`, undefined, {
      method: 'PUT',
      body: JSON.stringify({ consent: [{ resource: 'https://graph.microsoft.com', roles: ['SecurityIncident.ReadWrite.All', 'SecurityAlert.Read.All'] }] }),
    })
    assert.ok(readOnly.status < 300)
    const reader = await getToken(url, WELL_KNOWN.contosoTenantId, GRAPH_SCOPE)
    const denied = await call<ApiError>(`${url}/v1.0/security/alerts_v2/${first.id}`, reader, { method: 'PATCH', body: '{"status":"resolved"}' })
    assert.equal(denied.status, 403)
    assert.match(denied.body.error.message, /API required roles: SecurityAlert\.ReadWrite\.All, application roles: .*SecurityAlert\.Read\.All/)
    const grant = await call(`${url}/_emulator/tenants/${WELL_KNOWN.contosoTenantId}/grants/${WELL_KNOWN.clientId}`, undefined, {
      method: 'PUT',
      body: JSON.stringify({ consent: [{ resource: 'https://graph.microsoft.com', roles: ['SecurityIncident.ReadWrite.All', 'SecurityAlert.ReadWrite.All'] }] }),
    })
    assert.ok(grant.status < 300)
    const writer = await getToken(url, WELL_KNOWN.contosoTenantId, GRAPH_SCOPE)
    clock.set(clock.now() + 1000)
    const res = await call<GraphAlert & { classification: string; determination: string; lastUpdateDateTime: string; resolvedDateTime: string }>(`${url}/v1.0/security/alerts_v2/${first.id}`, writer, {
      method: 'PATCH',
      body: JSON.stringify({ status: 'resolved', classification: 'informationalExpectedActivity', determination: 'securityTesting' }),
    })
    assert.equal(res.status, 200)
    assert.deepEqual([res.body.status, res.body.classification, res.body.determination], ['resolved', 'informationalExpectedActivity', 'securityTesting'])
    assert.equal(Date.parse(res.body.resolvedDateTime), clock.now())
    const incident = await call<GraphIncident>(`${url}/v1.0/security/incidents/${first.incidentId}`, writer)
    assert.equal(Date.parse(incident.body.lastUpdateDateTime), clock.now())
    const bad = await call<ApiError>(`${url}/v1.0/security/alerts_v2/${first.id}`, writer, { method: 'PATCH', body: JSON.stringify({ classification: 'falsePositive', determination: 'malware' }) })
    assert.equal(bad.status, 400)
    assert.match(bad.body.error.message, /notMalicious, notEnoughDataToValidate, other/)
    assert.equal((await call<ApiError>(`${url}/v1.0/security/alerts_v2/${first.id}`, writer, { method: 'PATCH', body: '{"status":"closed"}' })).status, 400)
    token = writer
  })

  test('tenant isolation on Graph', async () => {
    const fabrikam = await getToken(url, WELL_KNOWN.fabrikamTenantId, GRAPH_SCOPE)
    const mine = (await call<Page<GraphIncident>>(`${url}/v1.0/security/incidents?$top=3`, token)).body.value
    for (const i of mine) assert.equal((await call(`${url}/v1.0/security/incidents/${i.id}`, fabrikam)).status, 404)
    const theirs = await call<Page<GraphIncident>>(`${url}/v1.0/security/incidents?$top=50`, fabrikam)
    assert.ok(theirs.body.value.every((i) => i.tenantId === WELL_KNOWN.fabrikamTenantId))
    const alerts = await call<Page<GraphAlert>>(`${url}/v1.0/security/alerts_v2?$top=50`, fabrikam)
    assert.ok(!alerts.body.value.some((a) => mine.some((i) => i.id === a.incidentId)))
  })
})
