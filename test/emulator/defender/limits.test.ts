import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { ManualClock } from '../../../src/lib/clock.js'
import { createEmulator, serve, type Emulator, type RunningEmulator } from '../../../src/emulator/index.js'
import { WELL_KNOWN } from '../../../src/emulator/well_known.js'
import { call, getToken, GRAPH_SCOPE, LEGACY_SCOPE, type ApiError } from './helpers.js'

describe('Defender API quotas (per app + tenant + method)', () => {
  const clock = new ManualClock(Date.now())
  let emu: Emulator
  let srv: RunningEmulator
  let url: string
  let contoso: string
  let fabrikam: string
  let graph: string
  before(async () => {
    emu = await createEmulator({ clock, defender: { incidentsPerTenant: 5 } })
    srv = await serve(emu)
    url = srv.url
    contoso = await getToken(url, WELL_KNOWN.contosoTenantId, LEGACY_SCOPE)
    fabrikam = await getToken(url, WELL_KNOWN.fabrikamTenantId, LEGACY_SCOPE)
    graph = await getToken(url, WELL_KNOWN.contosoTenantId, GRAPH_SCOPE)
  })
  after(() => srv.close())

  const putLimits = (body: unknown) => call<Record<string, unknown>>(`${url}/_emulator/defender/limits`, undefined, { method: 'PUT', body: JSON.stringify(body) })

  test('documented defaults: list 50/min → the 51st call is 429 with the real body and Retry-After', async () => {
    for (let i = 0; i < 50; i++) assert.equal((await call(`${url}/api/incidents?$top=1`, contoso)).status, 200, `call ${i + 1}`)
    clock.set(clock.now() + 15_000)
    const res = await call<ApiError>(`${url}/api/incidents?$top=1`, contoso)
    assert.equal(res.status, 429)
    assert.equal(res.body.error.code, '429')
    assert.equal(res.body.error.message, 'API calls quota exceeded! maximum allowed 50 per 00:01:00. You can send requests again in 45 seconds.')
    assert.match(res.body.error.target!, /^[0-9a-f-]{36}$/)
    assert.equal(res.headers.get('retry-after'), '45')
    // Another tenant (same app) and another method have their own quota.
    assert.equal((await call(`${url}/api/incidents?$top=1`, fabrikam)).status, 200)
    const list = await call<{ value: { incidentId: number }[] }>(`${url}/api/incidents?$top=1`, fabrikam)
    assert.equal((await call(`${url}/api/incidents/${list.body.value[0]!.incidentId}`, fabrikam)).status, 200)
    // The window resets.
    clock.set(clock.now() + 45_000)
    assert.equal((await call(`${url}/api/incidents?$top=1`, contoso)).status, 200)
  })

  test('get allows 100/min; the defaults are visible through the control API', async () => {
    const limits = await call<{ quotas: Record<string, { limit: number; windowMs: number }[]> }>(`${url}/_emulator/defender/limits`, undefined)
    assert.deepEqual(limits.body.quotas['legacy.get'], [{ limit: 100, windowMs: 60_000 }, { limit: 1500, windowMs: 3_600_000 }])
    assert.deepEqual(limits.body.quotas['legacy.update'], [{ limit: 50, windowMs: 60_000 }, { limit: 1500, windowMs: 3_600_000 }])
    const id = (await call<{ value: { incidentId: number }[] }>(`${url}/api/incidents?$top=1`, contoso)).body.value[0]!.incidentId
    for (let i = 0; i < 100; i++) assert.equal((await call(`${url}/api/incidents/${id}`, contoso)).status, 200)
    const res = await call<ApiError>(`${url}/api/incidents/${id}`, contoso)
    assert.equal(res.status, 429)
    assert.match(res.body.error.message, /maximum allowed 100 per 00:01:00/)
  })

  test('configurable: an hourly quota of 3 on update, then limits turned off', async () => {
    const put = await putLimits({ quotas: { 'legacy.update': [{ limit: 3, windowMs: 3_600_000 }] } })
    assert.equal(put.status, 200)
    const id = (await call<{ value: { incidentId: number }[] }>(`${url}/api/incidents?$top=1`, fabrikam)).body.value[0]!.incidentId
    const patch = () => call<ApiError>(`${url}/api/incidents/${id}`, fabrikam, { method: 'PATCH', body: '{"comment":"x"}' })
    for (let i = 0; i < 3; i++) assert.equal((await patch()).status, 200)
    const res = await patch()
    assert.equal(res.status, 429)
    assert.match(res.body.error.message, /maximum allowed 3 per 01:00:00\. You can send requests again in 3600 seconds\./)
    assert.equal(res.headers.get('retry-after'), '3600')
    assert.equal((await putLimits({ enabled: false })).status, 200)
    assert.equal((await patch()).status, 200)
    const bad = await putLimits({ quotas: { 'legacy.nope': [] } })
    assert.equal(bad.status, 400)
    assert.equal((await putLimits({ enabled: true })).status, 200)
  })

  test('createEmulator limits option merges per operation with the documented defaults', async () => {
    const e = await createEmulator({ clock, defender: { limits: { quotas: { 'legacy.list': [{ limit: 1, windowMs: 1000 }] }, expandFailAbove: 5 } } })
    assert.deepEqual(e.defender.limits.quotas['legacy.list'], [{ limit: 1, windowMs: 1000 }])
    assert.deepEqual(e.defender.limits.quotas['legacy.get'], [{ limit: 100, windowMs: 60_000 }, { limit: 1500, windowMs: 3_600_000 }])
    assert.equal(e.defender.limits.expandFailAbove, 5)
    assert.equal(e.defender.limits.enabled, true)
    await assert.rejects(createEmulator({ defender: { limits: { quotas: { 'legacy.list': [{ limit: -1, windowMs: 1 }] } } } }), TypeError)
  })

  test('Graph 429 uses the Graph error body and Retry-After', async () => {
    await putLimits({ quotas: { 'graph.incidents.list': [{ limit: 2, windowMs: 60_000 }] } })
    for (let i = 0; i < 2; i++) assert.equal((await call(`${url}/v1.0/security/incidents?$top=1`, graph)).status, 200)
    const res = await call<ApiError>(`${url}/v1.0/security/incidents?$top=1`, graph)
    assert.equal(res.status, 429)
    assert.equal(res.body.error.code, 'TooManyRequests')
    assert.ok(res.body.error.innerError?.date)
    assert.equal(res.headers.get('retry-after'), '60')
    // alerts_v2 has its own quota.
    assert.equal((await call(`${url}/v1.0/security/alerts_v2?$top=1`, graph)).status, 200)
  })
})
