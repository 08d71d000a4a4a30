// Graph quotas in the emulator: one per app + tenant budget per resource (all operations together),
// 429 in Graph's shape with Retry-After, and the app-wide budget every tenant of the app shares
// (incidents, alerts_v2 and runHuntingQuery alike); then the client's limiter against it: tenants
// sharing one RateLimiter stay under the app budget (no 429) and none starves.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { TokenProvider } from '../../../src/auth/index.js'
import { DefenderClient, RateLimiter, type RateLimits } from '../../../src/defender/index.js'
import { ManualClock } from '../../../src/lib/clock.js'
import { createEmulator, serve, type Emulator, type RunningEmulator } from '../../../src/emulator/index.js'
import { WELL_KNOWN as W } from '../../../src/emulator/well_known.js'
import { untilSleeping } from '../../defender/_peer.js'
import { call, getToken, GRAPH_SCOPE, LEGACY_SCOPE, type ApiError } from './helpers.js'

describe('Graph quotas in the emulator', () => {
  const clock = new ManualClock(Date.now())
  let emu: Emulator
  let srv: RunningEmulator
  let url: string
  const tokens: Record<string, string> = {}
  before(async () => {
    emu = await createEmulator({ clock, defender: { incidentsPerTenant: 5 } })
    srv = await serve(emu)
    url = srv.url
    for (const [name, tid] of [['contoso', W.contosoTenantId], ['fabrikam', W.fabrikamTenantId], ['home', W.homeTenantId]] as const) tokens[name] = await getToken(url, tid, GRAPH_SCOPE)
    tokens.legacy = await getToken(url, W.contosoTenantId, LEGACY_SCOPE)
  })
  after(() => srv.close())

  const putLimits = (body: unknown) => call<Record<string, any>>(`${url}/_emulator/defender/limits`, undefined, { method: 'PUT', body: JSON.stringify(body) })
  const incidents = (who: string) => call<ApiError>(`${url}/v1.0/security/incidents?$top=1`, tokens[who])

  test('defaults: 150/min per tenant per Graph resource, 130,000/10 s per app; per-operation Graph quotas empty', async () => {
    const limits = (await call<Record<string, any>>(`${url}/_emulator/defender/limits`, undefined)).body
    assert.deepEqual(limits.quotas['graph.incidents'], [{ limit: 150, windowMs: 60_000 }])
    assert.deepEqual(limits.quotas['graph.alerts'], [{ limit: 150, windowMs: 60_000 }])
    assert.deepEqual(limits.quotas['graph.incidents.get'], [])
    assert.deepEqual(limits.appQuotas, [{ limit: 130_000, windowMs: 10_000 }])
    assert.deepEqual(limits.quotas['legacy.list'], [{ limit: 50, windowMs: 60_000 }, { limit: 1500, windowMs: 3_600_000 }])
  })

  test('per tenant: list and get of incidents share one budget; 429 in Graph’s shape with Retry-After; alerts_v2 apart', async () => {
    await putLimits({ quotas: { 'graph.incidents': [{ limit: 3, windowMs: 60_000 }] } })
    const id = ((await call<{ value: { id: string }[] }>(`${url}/v1.0/security/incidents?$top=1`, tokens.contoso)).body.value[0]!).id
    assert.equal((await call(`${url}/v1.0/security/incidents/${id}`, tokens.contoso)).status, 200)
    assert.equal((await incidents('contoso')).status, 200)
    const res = await call<ApiError>(`${url}/v1.0/security/incidents/${id}`, tokens.contoso)
    assert.equal(res.status, 429)
    assert.equal(res.headers.get('retry-after'), '60')
    assert.equal(res.body.error.code, 'TooManyRequests')
    assert.deepEqual([res.body.error.innerError?.code, res.body.error.innerError?.status, res.body.error.innerError?.message], ['429', '429', 'Please retry after'])
    assert.ok(res.body.error.innerError?.['request-id'] && res.body.error.innerError?.date)
    assert.equal((await call(`${url}/v1.0/security/alerts_v2?$top=1`, tokens.contoso)).status, 200, 'alerts_v2 has its own 150')
    assert.equal((await incidents('fabrikam')).status, 200, 'another tenant has its own budget')
    await putLimits({ quotas: { 'graph.incidents': [{ limit: 150, windowMs: 60_000 }] } })
  })

  test('app-wide: one budget for every tenant of the app, runHuntingQuery included; legacy is not counted; control API sets it', async () => {
    const set = await putLimits({ appQuotas: [{ limit: 5, windowMs: 10_000 }] })
    assert.deepEqual(set.body.appQuotas, [{ limit: 5, windowMs: 10_000 }])
    assert.equal((await incidents('contoso')).status, 200)
    assert.equal((await incidents('contoso')).status, 200)
    assert.equal((await incidents('fabrikam')).status, 200)
    assert.equal((await call(`${url}/v1.0/security/alerts_v2?$top=1`, tokens.home)).status, 200)
    const hunt = await call(`${url}/v1.0/security/runHuntingQuery`, tokens.fabrikam, { method: 'POST', body: JSON.stringify({ Query: 'DeviceInfo | take 1' }) })
    assert.equal(hunt.status, 200)
    for (const who of ['home', 'fabrikam', 'contoso']) {
      const res = await incidents(who)
      assert.equal(res.status, 429, who)
      assert.equal(res.headers.get('retry-after'), '10')
      assert.match(res.body.error.message, /maximum allowed 5 per 00:00:10/)
    }
    assert.equal((await call(`${url}/v1.0/security/runHuntingQuery`, tokens.home, { method: 'POST', body: JSON.stringify({ Query: 'DeviceInfo | take 1' }) })).status, 429)
    assert.equal((await call(`${url}/api/incidents?$top=1`, tokens.legacy)).status, 200, 'the legacy API has no app-wide budget')
    clock.set(clock.now() + 10_000)
    assert.equal((await incidents('home')).status, 200)
    assert.equal((await putLimits({ appQuotas: [{ limit: -1, windowMs: 1 }] })).status, 400)
  })

  test('client limiter shared by three tenants under the same app budget: no 429, every tenant served in turn', async () => {
    await putLimits({ appQuotas: [{ limit: 4, windowMs: 1000 }] })
    clock.set(clock.now() + 60_000)
    const before = emu.requests.list().length
    const provider = new TokenProvider({ clientId: W.clientId, credential: { kind: 'secret', secret: W.clientSecret }, authorityHost: url, clock })
    const limits: RateLimits = { list: [], get: [], update: [], shared: [{ groups: ['list', 'get', 'update'], quotas: [{ limit: 150, windowMs: 60_000 }] }], app: [{ limit: 4, windowMs: 1000 }] }
    const limiter = new RateLimiter({ limits, clock })
    try {
      // Warm the tokens first: token requests are not Graph calls.
      for (const t of [W.contosoTenantId, W.fabrikamTenantId, W.homeTenantId]) await provider.getToken({ tenant: t, resource: 'https://graph.microsoft.com' })
      const client = (tenant: string) => new DefenderClient({ tokenProvider: provider, tenant, baseUrl: url, clock, rateLimiter: limiter, retry: { maxRetries: 0 } })
      const done: { tenant: string; at: number }[] = []
      const start = clock.now()
      const run = (name: string, tenant: string, n: number) =>
        Array.from({ length: n }, () => client(tenant).listIncidents({ limit: 1 }).toArray().then(() => done.push({ tenant: name, at: clock.now() - start })))
      const all = [...run('big', W.contosoTenantId, 16), ...run('small1', W.fabrikamTenantId, 2), ...run('small2', W.homeTenantId, 2)]
      // Before time moves, every call the limiter let go has been answered (else it would reach the
      // emulator in the next window, a race no real clock has at this scale).
      const settled = async () => {
        for (let i = 0; i < 1000; i++) {
          const queued = [...limiter.queued().values()].reduce((a, b) => a + b, 0)
          if (done.length === 20 - queued) return
          await new Promise((r) => setTimeout(r, 5))
        }
      }
      for (let i = 0; i < 20 && done.length < 20; i++) {
        await settled()
        if (done.length === 20) break
        await untilSleeping(clock).catch(() => {})
        await clock.advance(1000)
      }
      await Promise.all(all)
      const mine = emu.requests.list().slice(before).filter((r) => r.group === 'graph')
      assert.equal(mine.filter((r) => r.status === 429).length, 0, 'the shared limiter kept every tenant under the app budget')
      const last = (t: string) => Math.max(...done.filter((d) => d.tenant === t).map((d) => d.at))
      // The big tenant's 16 calls came first and took the first window; from then on each window
      // serves the queues in turn, so each small tenant gets one of every window's 4 slots.
      for (const t of ['small1', 'small2']) assert.deepEqual(done.filter((d) => d.tenant === t).map((d) => d.at), [1000, 2000], `${t}: ${JSON.stringify(done)}`)
      assert.equal(last('big'), 4000)
    } finally {
      provider.close()
      await putLimits({ appQuotas: [{ limit: 130_000, windowMs: 10_000 }] })
    }
  })
})
