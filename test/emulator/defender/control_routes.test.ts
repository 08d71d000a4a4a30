import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { ManualClock } from '../../../src/lib/clock.js'
import { createEmulator, serve, type Emulator, type RunningEmulator } from '../../../src/emulator/index.js'
import { WELL_KNOWN } from '../../../src/emulator/well_known.js'
import { call, getToken, GRAPH_SCOPE, LEGACY_SCOPE } from './helpers.js'

interface RawIncident {
  incidentId: number
  status: string
  redirectIncidentId: number | null
  lastUpdateTime: number
  alerts: { alertId: string }[]
  retained: boolean
}
const T = WELL_KNOWN.contosoTenantId

describe('Defender control API, live mode and faults', () => {
  const clock = new ManualClock(Date.now())
  let emu: Emulator
  let srv: RunningEmulator
  let url: string
  let legacy: string
  let graph: string
  before(async () => {
    emu = await createEmulator({ clock, defender: { incidentsPerTenant: 40, limits: { enabled: false } } })
    srv = await serve(emu)
    url = srv.url
    legacy = await getToken(url, T, LEGACY_SCOPE)
    graph = await getToken(url, T, GRAPH_SCOPE)
  })
  after(() => srv.close())

  const control = <R = Record<string, unknown>>(method: string, path: string, body?: unknown) =>
    call<R>(`${url}/_emulator/defender${path}`, undefined, { method, ...(body !== undefined && { body: JSON.stringify(body) }) })
  const raw = async () => (await control<{ value: RawIncident[] }>('GET', `/tenants/${T}/incidents`)).body.value

  test('generation is deterministic per seed and tenant', async () => {
    const a = await control<{ firstId: number; count: number }>('POST', `/tenants/${T}/generate`, { count: 30, seed: 11 })
    assert.equal(a.status, 201)
    assert.equal(a.body.count, 30)
    const first = (await raw()).map((i) => [i.incidentId, i.alerts.map((x) => x.alertId)])
    await control('POST', `/tenants/${T}/generate`, { count: 30, seed: 11 })
    assert.deepEqual((await raw()).map((i) => [i.incidentId, i.alerts.map((x) => x.alertId)]), first)
    await control('POST', `/tenants/${T}/generate`, { count: 30, seed: 12 })
    assert.notDeepEqual((await raw()).map((i) => [i.incidentId, i.alerts.map((x) => x.alertId)]), first)
    const other = await control<{ firstId: number }>('POST', `/tenants/${WELL_KNOWN.fabrikamTenantId}/generate`, { count: 30, seed: 11 })
    assert.notEqual(other.body.firstId, a.body.firstId)
    assert.equal((await control('POST', `/tenants/not-a-tenant/generate`, {})).status, 404)
    assert.equal((await control('POST', `/tenants/${T}/generate`, { count: -1 })).status, 400)
  })

  test('create, raw patch (incl. merge) and delete are visible through both APIs', async () => {
    const created = await control<{ incidentId: number; incidentName: string; severity: string }>('POST', `/tenants/${T}/incidents`, { incidentName: 'Control-made incident', severity: 'High', tags: ['ctl'] })
    assert.equal(created.status, 201)
    const id = created.body.incidentId
    const viaLegacy = await call<{ incidentName: string; status: string; tags: string[] }>(`${url}/api/incidents/${id}`, legacy)
    assert.deepEqual([viaLegacy.body.incidentName, viaLegacy.body.status, viaLegacy.body.tags], ['Control-made incident', 'Active', ['ctl']])
    const viaGraph = await call<{ displayName: string; severity: string }>(`${url}/v1.0/security/incidents/${id}`, graph)
    assert.deepEqual([viaGraph.body.displayName, viaGraph.body.severity], ['Control-made incident', 'high'])

    const target = (await raw()).find((i) => i.status === 'Active' && i.incidentId !== id)!
    const merged = await control<{ status: string; redirectIncidentId: number; alerts: unknown[] }>('PATCH', `/tenants/${T}/incidents/${id}`, { mergeInto: target.incidentId })
    assert.equal(merged.status, 200)
    assert.deepEqual([merged.body.status, merged.body.redirectIncidentId, merged.body.alerts.length], ['Redirected', target.incidentId, 0])
    const old = await control('PATCH', `/tenants/${T}/incidents/${target.incidentId}`, { lastUpdateTime: clock.now() - 200 * 86_400_000 })
    assert.equal(old.status, 200)
    assert.equal((await call(`${url}/api/incidents/${target.incidentId}`, legacy)).status, 404, 'pushed past retention')
    assert.equal((await control('PATCH', `/tenants/${T}/incidents/${id}`, { status: 'Closed' })).status, 400)
    assert.equal((await control('DELETE', `/tenants/${T}/incidents/${id}`)).status, 204)
    assert.equal((await call(`${url}/api/incidents/${id}`, legacy)).status, 404)
  })

  test('live tick opens, updates and merges incidents, visible to a lastUpdateTime poller', async () => {
    const since = new Date(clock.now()).toISOString()
    const before = await raw()
    clock.set(clock.now() + 1000)
    const tick = await control<{ changes: { tenantId: string; action: string; incidentId: number }[] }>('POST', '/live/tick', { steps: 60 })
    assert.equal(tick.status, 200)
    const mine = tick.body.changes.filter((c) => c.tenantId === T)
    assert.equal(mine.length, 60)
    const actions = new Set(mine.map((c) => c.action.split(':')[0]))
    for (const a of ['created', 'status', 'alert-added', 'merged-into']) assert.ok(actions.has(a), `${a} in ${[...actions]}`)
    const after = await raw()
    assert.ok(after.length > before.length)
    const changed = new Set(mine.map((c) => c.incidentId))
    const polled = await call<{ value: { incidentId: number }[] }>(`${url}/api/incidents?$filter=lastUpdateTime+gt+${since}`, legacy)
    for (const id of changed) assert.ok(polled.body.value.some((i) => i.incidentId === id), `incident ${id} seen by the poller`)
    const merge = mine.find((c) => c.action.startsWith('merged-into'))!
    const redirected = after.find((i) => i.incidentId === merge.incidentId)!
    assert.equal(redirected.status, 'Redirected')
    assert.equal(redirected.redirectIncidentId, Number(merge.action.split(':')[1]))
    assert.deepEqual(redirected.alerts, [])
  })

  test('live mode on a real interval can be started and stopped', async () => {
    const start = await control<{ running: boolean; intervalMs: number }>('POST', '/live', { running: true, intervalMs: 20 })
    assert.deepEqual(start.body, { running: true, intervalMs: 20 })
    const count = (await raw()).length
    let grew = false
    for (let i = 0; i < 50 && !grew; i++) {
      await new Promise((r) => setTimeout(r, 20))
      grew = (await raw()).length > count
    }
    assert.ok(grew, 'live mode opened incidents')
    const stop = await control<{ running: boolean }>('POST', '/live', { running: false })
    assert.equal(stop.body.running, false)
    assert.equal((await control('POST', '/live', { intervalMs: 5 })).status, 400)
  })

  test('faults for groups defender and graph: status, truncate, invalid JSON, latency, reset', async () => {
    const fault = (body: unknown) => call(`${url}/_emulator/faults`, undefined, { method: 'POST', body: JSON.stringify(body) })
    assert.equal((await fault({ target: 'defender', status: 503, count: 2, retryAfter: 7 })).status, 201)
    for (let i = 0; i < 2; i++) {
      const res = await fetch(`${url}/api/incidents?$top=1`, { headers: { authorization: `Bearer ${legacy}` } })
      assert.equal(res.status, 503)
      assert.equal(res.headers.get('retry-after'), '7')
    }
    assert.equal((await fetch(`${url}/api/incidents?$top=1`, { headers: { authorization: `Bearer ${legacy}` } })).status, 200)

    await fault({ target: 'graph', status: 429, body: { error: { code: 'TooManyRequests', message: 'slow down' } } })
    assert.equal((await fetch(`${url}/api/incidents?$top=1`, { headers: { authorization: `Bearer ${legacy}` } })).status, 200, 'legacy unaffected by a graph fault')
    assert.equal((await fetch(`${url}/v1.0/security/incidents?$top=1`, { headers: { authorization: `Bearer ${graph}` } })).status, 429)

    await fault({ target: 'graph', truncate: true })
    // Over a real socket the cut may surface at fetch() or while reading the body.
    await assert.rejects(async () => (await fetch(`${url}/v1.0/security/incidents?$top=5`, { headers: { authorization: `Bearer ${graph}` } })).text(), TypeError)
    assert.equal(emu.faults.list().length, 0)

    await fault({ target: 'defender', invalidJson: true })
    const invalid = await fetch(`${url}/api/incidents?$top=1`, { headers: { authorization: `Bearer ${legacy}` } })
    assert.equal(invalid.status, 200)
    await assert.rejects(invalid.json())

    await fault({ target: 'defender', latencyMs: 150 })
    const t0 = performance.now()
    assert.equal((await fetch(`${url}/api/incidents?$top=1`, { headers: { authorization: `Bearer ${legacy}` } })).status, 200)
    assert.ok(performance.now() - t0 >= 140)

    await fault({ target: 'defender', status: 500, pathPattern: '^/api/incidents/\\d+$' })
    assert.equal((await fetch(`${url}/api/incidents?$top=1`, { headers: { authorization: `Bearer ${legacy}` } })).status, 200)
    const id = (await call<{ value: { incidentId: number }[] }>(`${url}/api/incidents?$top=1`, legacy)).body.value[0]!.incidentId
    assert.equal((await fetch(`${url}/api/incidents/${id}`, { headers: { authorization: `Bearer ${legacy}` } })).status, 500)

    await fault({ target: 'graph', reset: true })
    await assert.rejects(fetch(`${url}/v1.0/security/alerts_v2?$top=1`, { headers: { authorization: `Bearer ${graph}` } }), TypeError)
  })

  test('requests are logged under their group; control routes are not', async () => {
    const log = await call<{ value: { group: string; url: string }[] }>(`${url}/_emulator/requests`, undefined)
    const groups = new Set(log.body.value.map((r) => r.group))
    assert.ok(groups.has('defender') && groups.has('graph'))
    assert.ok(!log.body.value.some((r) => r.url.startsWith('/_emulator/')))
  })
})
