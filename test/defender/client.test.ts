// DefenderClient against the real emulator over HTTP (both surfaces), with tokens from the
// emulator's own token endpoint through src/auth TokenProvider.
import assert from 'node:assert/strict'
import diagnostics_channel from 'node:diagnostics_channel'
import { after, before, describe, test } from 'node:test'
import { TokenProvider } from '../../src/auth/index.js'
import { createEmulator, serve, WELL_KNOWN, type Emulator, type RunningEmulator } from '../../src/emulator/index.js'
import { ManualClock } from '../../src/lib/clock.js'
import { DefenderClient } from '../../src/defender/client.js'
import { incidentLastUpdate } from '../../src/defender/models.js'
import { untilSleeping } from './_peer.js'

const W = WELL_KNOWN
let emu: Emulator
let srv: RunningEmulator
let provider: TokenProvider

async function control(method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(`${srv.url}/_emulator${path}`, { method, headers: { 'content-type': 'application/json' }, ...(body !== undefined && { body: JSON.stringify(body) }) })
  assert.ok(res.ok, `${method} ${path} → ${res.status} ${await res.clone().text()}`)
  return res.status === 204 ? undefined : res.json()
}

function client<S extends 'legacy' | 'graph'>(surface: S, tenant: string = W.contosoTenantId, extra: object = {}) {
  return new DefenderClient<S>({ tokenProvider: provider, tenant, surface, baseUrl: srv.url, limits: false, retry: { baseDelayMs: 1, maxDelayMs: 5 }, ...extra })
}

/** Epoch ms from the control API (numbers) or the wire (ISO strings). */
const ms = (t: number | string) => (typeof t === 'number' ? t : Date.parse(t))

/** The retained incidents of a tenant straight from the control API (the ground truth). */
async function truth(tenant: string): Promise<any[]> {
  return (await control('GET', `/defender/tenants/${tenant}/incidents`)).value.filter((i: any) => i.retained)
}

describe('DefenderClient against the emulator', () => {
  before(async () => {
    emu = await createEmulator()
    srv = await serve(emu)
    provider = new TokenProvider({ clientId: W.clientId, credential: { kind: 'secret', secret: W.clientSecret }, authorityHost: srv.url })
    await control('PUT', '/defender/limits', { enabled: false })
    await control('POST', `/defender/tenants/${W.contosoTenantId}/generate`, { count: 1200, seed: 7 })
  })
  after(async () => {
    provider.close()
    await srv.close()
  })

  for (const surface of ['legacy', 'graph'] as const) {
    test(`${surface}: paging over >1,000 incidents has no gap and no duplicate`, async () => {
      const expected = (await truth(W.contosoTenantId)).map((i) => String(i.incidentId)).sort()
      assert.ok(expected.length > 1000, `only ${expected.length} retained incidents`)
      const ids: string[] = []
      let pages = 0
      for await (const page of client(surface).listIncidents().pages()) {
        pages++
        for (const i of page.items) ids.push(surface === 'graph' ? (i as any).id : String((i as any).incidentId))
      }
      assert.equal(new Set(ids).size, ids.length, 'duplicates')
      assert.deepEqual([...ids].sort(), expected)
      assert.equal(pages, Math.ceil(expected.length / (surface === 'graph' ? 50 : 100)))
    })

    test(`${surface}: date, status and assignedTo filters are built so the emulator accepts and applies them`, async () => {
      const all = await truth(W.contosoTenantId)
      const sorted = all.map((i) => ms(i.lastUpdateTime)).sort((a, b) => a - b)
      const since = new Date(sorted[Math.floor(sorted.length / 2)]!)
      const created = new Date(ms(all[10].createdTime))
      const owner = all.find((i) => i.assignedTo)?.assignedTo as string
      const cases: Array<[object, (i: any) => boolean]> = [
        [{ lastUpdateTime: { ge: since } }, (i) => ms(i.lastUpdateTime) >= since.getTime()],
        [{ lastUpdateTime: { gt: since } }, (i) => ms(i.lastUpdateTime) > since.getTime()],
        [{ lastUpdateTime: { lt: since } }, (i) => ms(i.lastUpdateTime) < since.getTime()],
        [{ lastUpdateTime: { le: since } }, (i) => ms(i.lastUpdateTime) <= since.getTime()],
        [{ createdTime: { eq: created } }, (i) => ms(i.createdTime) === created.getTime()],
        [{ status: 'Active', lastUpdateTime: { ge: since } }, (i) => i.status === 'Active' && ms(i.lastUpdateTime) >= since.getTime()],
        [{ status: ['Resolved', 'InProgress'] }, (i) => i.status === 'Resolved' || i.status === 'InProgress'],
        [{ assignedTo: owner }, (i) => i.assignedTo === owner],
      ]
      for (const [filter, pred] of cases) {
        const got = (await client(surface).listIncidents({ filter }).toArray()).map((i: any) => String(i.incidentId ?? i.id)).sort()
        const want = all.filter(pred).map((i) => String(i.incidentId)).sort()
        assert.ok(want.length > 0, `empty expectation for ${JSON.stringify(filter)}`)
        assert.deepEqual(got, want, JSON.stringify(filter))
      }
    })
  }

  test('legacy: live mode opens/updates incidents while the client pages; no duplicate, none of the original missing', async () => {
    const start = new Set((await truth(W.contosoTenantId)).map((i) => i.incidentId as number))
    const seen: number[] = []
    let ticks = 0
    for await (const page of client('legacy').listIncidents().pages()) {
      seen.push(...page.items.map((i) => i.incidentId))
      const { changes } = await control('POST', '/defender/live/tick', { steps: 3 })
      ticks += changes.filter((c: any) => c.tenantId === W.contosoTenantId && c.action === 'created').length
    }
    assert.ok(ticks > 0, 'live mode created nothing')
    assert.equal(new Set(seen).size, seen.length, 'duplicates')
    const missing = [...start].filter((id) => !seen.includes(id))
    assert.deepEqual(missing, [])
  })

  test('graph: severity/classification filters, $expand=alerts, alerts_v2 list and get', async () => {
    const all = await truth(W.contosoTenantId)
    const high = (await client('graph').listIncidents({ filter: { severity: 'High' } }).toArray())
    assert.equal(high.length, all.filter((i) => i.severity === 'High').length)
    assert.ok(high.every((i) => i.severity === 'high'))
    const expanded = await client('graph').listIncidents({ expandAlerts: true, pageSize: 10, limit: 10 }).toArray()
    assert.equal(expanded.length, 10)
    assert.ok(expanded.some((i) => Array.isArray(i.alerts) && i.alerts.length > 0))
    const alerts = await client('graph').listAlerts({ limit: 120, pageSize: 50 }).toArray()
    assert.equal(alerts.length, 120)
    assert.equal(new Set(alerts.map((a) => a.id)).size, 120)
    const one = await client('graph').getAlert(alerts[0]!.id)
    assert.equal(one.id, alerts[0]!.id)
    assert.throws(() => client('legacy').listAlerts(), (e: any) => e.code === 'ERR_INVALID_ARGUMENT')
  })

  test('legacy: get, update (lastUpdateTime bumped, comment appended), 404, invalid pair rejected before any call', async () => {
    const [first] = await client('legacy').listIncidents({ limit: 1, filter: { status: 'Active' } }).toArray()
    const id = first!.incidentId
    const before = await client('legacy').getIncident(id)
    assert.equal(before.incidentId, id)
    const updated = await client('legacy').updateIncident(id, { status: 'InProgress', assignedTo: 'soc@contoso.com', classification: 'TruePositive', determination: 'Malware', tags: ['m365d'], comment: 'triaged by m365d' })
    assert.equal(updated.status, 'InProgress')
    assert.equal(updated.assignedTo, 'soc@contoso.com')
    assert.equal(updated.determination, 'Malware')
    assert.deepEqual(updated.tags, ['m365d'])
    assert.equal(updated.comments.at(-1)!.comment, 'triaged by m365d')
    assert.ok(incidentLastUpdate(updated) >= incidentLastUpdate(before))
    const count = emu.requests.list().length
    await assert.rejects(client('legacy').updateIncident(id, { classification: 'FalsePositive', determination: 'Malware' }), (e: any) => e.code === 'ERR_INVALID_ARGUMENT' && /Clean, NoEnoughDataToValidate, Other/.test(e.hint))
    assert.equal(emu.requests.list().length, count, 'a request was sent for an invalid pair')
    await assert.rejects(client('legacy').getIncident(987654321), (e: any) => e.code === 'ERR_HTTP_STATUS' && e.status === 404 && typeof e.serverCode === 'string')
  })

  test('graph: update maps names and values, comment goes to …/comments', async () => {
    const [first] = await client('graph').listIncidents({ limit: 1 }).toArray()
    const updated = await client('graph').updateIncident(first!.id, { status: 'Resolved', classification: 'FalsePositive', determination: 'Clean', tags: ['fp'], comment: 'benign' })
    assert.equal(updated.status, 'resolved')
    assert.equal(updated.classification, 'falsePositive')
    assert.equal(updated.determination, 'notMalicious')
    assert.ok(updated.comments?.some((c) => c.comment === 'benign'))
  })

  test('tenant isolation: a fabrikam client cannot read a contoso incident', async () => {
    const [first] = await client('legacy').listIncidents({ limit: 1 }).toArray()
    const fabrikamIds = new Set((await client('legacy', W.fabrikamTenantId).listIncidents().toArray()).map((i) => i.incidentUri))
    assert.ok(!fabrikamIds.has(first!.incidentUri))
    const other = await client('legacy', W.fabrikamTenantId).getIncident(first!.incidentId).catch((e) => e)
    if (!(other instanceof Error)) assert.notEqual(other.incidentUri, first!.incidentUri)
    else assert.equal((other as any).status, 404)
  })

  test('403 (tailspin lacks Incident.Read.All) names the permission and the token roles', async () => {
    await assert.rejects(client('legacy', W.tailspinTenantId).listIncidents().toArray(), (e: any) => {
      assert.equal(e.code, 'ERR_HTTP_FORBIDDEN')
      assert.deepEqual(e.requiredPermissions, ['Incident.Read.All', 'Incident.ReadWrite.All'])
      assert.deepEqual(e.tokenRoles, ['AdvancedHunting.Read.All'])
      return true
    })
    await assert.rejects(client('graph', W.tailspinTenantId).listIncidents().toArray(), (e: any) => {
      assert.equal(e.code, 'ERR_HTTP_FORBIDDEN')
      assert.deepEqual(e.requiredPermissions, ['SecurityIncident.Read.All', 'SecurityIncident.ReadWrite.All'])
      assert.deepEqual(e.tokenRoles, ['ThreatHunting.Read.All'])
      assert.match(e.hint, /\(Microsoft Graph\)/)
      assert.equal(typeof e.serverCode, 'string')
      return true
    })
  })

  test('injected faults: 503 ×2, truncated body, invalid JSON, connection reset — all retried to success', async () => {
    for (const fault of [{ status: 503, count: 2 }, { truncate: true }, { invalidJson: true }, { reset: true }]) {
      emu.faults.add({ target: 'defender', ...fault })
      const page = await client('legacy').listIncidents({ limit: 5 }).toArray()
      assert.equal(page.length, 5, JSON.stringify(fault))
      assert.equal(emu.faults.list().length, 0)
    }
    emu.faults.add({ target: 'graph', status: 500, count: 10 })
    await assert.rejects(client('graph', W.contosoTenantId, { retry: { maxRetries: 2, baseDelayMs: 1 } }).listIncidents().toArray(), (e: any) => e.code === 'ERR_HTTP_RETRIES_EXHAUSTED' && e.lastStatus === 500 && e.attempts === 3)
    emu.faults.clear()
  })

  test('a 401 from the API (token revoked by key rotation is out of scope) is refreshed once: foreign token', async () => {
    // A token source that first hands out a token the emulator did not issue, then real ones.
    let n = 0
    const source = {
      async getToken(req: { tenant: string; resource: string; forceRefresh?: boolean }) {
        if (n++ === 0) return { token: 'eyJhbGciOiJub25lIn0.eyJyb2xlcyI6W119.x', expiresAt: Date.now() + 60_000 }
        return provider.getToken(req)
      },
    }
    const got = await client('legacy', W.contosoTenantId, { tokenProvider: source }).listIncidents({ limit: 1 }).toArray()
    assert.equal(got.length, 1)
    assert.equal(n, 2)
  })
})

describe('diagnostics_channel events through the client pipeline', () => {
  test('request/response per attempt, retry, token refresh on 401 — none carries a token', async () => {
    const e = await createEmulator()
    const s = await serve(e)
    const tokens = new TokenProvider({ clientId: W.clientId, credential: { kind: 'secret', secret: W.clientSecret }, authorityHost: s.url })
    const seen: Array<{ channel: string; message: any }> = []
    const names = ['m365d:http:request', 'm365d:http:response', 'm365d:http:retry', 'm365d:token:refresh']
    const on = (message: unknown, channel: string | symbol) => seen.push({ channel: String(channel), message })
    for (const n of names) diagnostics_channel.subscribe(n, on)
    try {
      e.defender.limits = { ...e.defender.limits, enabled: false }
      e.faults.add({ target: 'defender', status: 503, count: 1 })
      // A stale cached token (not issued by this emulator → 401) until a forced refresh replaces it.
      let stale = true
      const source = {
        async getToken(req: { tenant: string; resource: string; forceRefresh?: boolean }) {
          if (req.forceRefresh) stale = false
          return stale ? { token: 'eyJhbGciOiJub25lIn0.eyJyb2xlcyI6W119.x', expiresAt: Date.now() + 60_000 } : tokens.getToken(req)
        },
      }
      const c = new DefenderClient({ tokenProvider: source, tenant: W.contosoTenantId, surface: 'legacy', baseUrl: s.url, limits: false, retry: { baseDelayMs: 1, maxDelayMs: 5 } })
      assert.equal((await c.listIncidents({ limit: 1 }).toArray()).length, 1)
      const mine = seen.filter((x) => !x.channel.startsWith('m365d:http:re') || x.channel === 'm365d:http:retry' || String(x.message.url).startsWith(s.url))
      const statuses = mine.filter((x) => x.channel === 'm365d:http:response').map((x) => x.message.status)
      // 503 (fault) → retry → 401 (foreign token) → refresh → 200.
      assert.deepEqual(statuses, [503, 401, 200])
      assert.equal(mine.filter((x) => x.channel === 'm365d:http:request').length, 3)
      assert.equal(mine.filter((x) => x.channel === 'm365d:http:retry').length, 1)
      // The client layer says why (http-401); the token provider then reports its forced refresh.
      const refresh = mine.filter((x) => x.channel === 'm365d:token:refresh').map((x) => x.message.reason)
      assert.deepEqual(refresh.filter((r) => r === 'http-401'), ['http-401'])
      assert.ok(refresh.includes('forced'))
      const text = JSON.stringify(mine.map((x) => x.message))
      assert.ok(!text.includes('eyJ'), 'a token leaked into a diagnostics event')
    } finally {
      for (const n of names) diagnostics_channel.unsubscribe(n, on)
      tokens.close()
      await s.close()
    }
  })
})

describe('429 from the emulator quota, under one ManualClock', () => {
  test('client limiter off: the 429 Retry-After is honoured; client limiter on: no 429 at all', async () => {
    const clock = new ManualClock(Date.now())
    const e = await createEmulator({ clock })
    const s = await serve(e)
    const tokens = new TokenProvider({ clientId: W.clientId, credential: { kind: 'secret', secret: W.clientSecret }, authorityHost: s.url, clock })
    try {
      e.defender.limits = { ...e.defender.limits, quotas: { ...e.defender.limits.quotas, 'legacy.get': [{ limit: 2, windowMs: 60_000 }] } }
      const ids = (await new DefenderClient({ tokenProvider: tokens, tenant: W.contosoTenantId, surface: 'legacy', baseUrl: s.url, limits: false, clock }).listIncidents({ limit: 3 }).toArray()).map((i) => i.incidentId)
      const raw = new DefenderClient({ tokenProvider: tokens, tenant: W.contosoTenantId, surface: 'legacy', baseUrl: s.url, limits: false, clock })
      await raw.getIncident(ids[0]!)
      await raw.getIncident(ids[1]!)
      const third = raw.getIncident(ids[2]!)
      await untilSleeping(clock)
      const throttled = e.requests.list().filter((r) => r.status === 429)
      assert.equal(throttled.length, 1)
      await clock.advance(60_000)
      assert.equal((await third).incidentId, ids[2])

      // Same quota on the client side: it waits instead of provoking a 429.
      await clock.advance(60_000)
      const limited = new DefenderClient({ tokenProvider: tokens, tenant: W.contosoTenantId, surface: 'legacy', baseUrl: s.url, clock, limits: { list: [{ limit: 50, windowMs: 60_000 }], get: [{ limit: 2, windowMs: 60_000 }], update: [{ limit: 50, windowMs: 60_000 }] } })
      await limited.getIncident(ids[0]!)
      await limited.getIncident(ids[1]!)
      const waiting = limited.getIncident(ids[2]!)
      await untilSleeping(clock)
      await clock.advance(60_000)
      await waiting
      assert.equal(e.requests.list().filter((r) => r.status === 429).length, 1, 'the limited client caused a 429')
    } finally {
      tokens.close()
      await s.close()
    }
  })
})
