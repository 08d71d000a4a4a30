// Quota profiles (legacy vs Graph), the app-wide budget shared by every tenant of one app, and
// round-robin fairness between tenants waiting for it — under a ManualClock.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { ManualClock } from '../../src/lib/clock.js'
import { RateLimiter } from '../../src/defender/rate_limiter.js'
import { GRAPH_LIMITS, LEGACY_LIMITS, scaleLimits, type RateLimits } from '../../src/defender/quotas.js'
import { untilSleeping } from './_peer.js'

const G = 'https://graph.microsoft.com'
const graph = { surface: 'graph' as const, app: G }

describe('quota profiles', () => {
  test('Graph: 150/min per tenant across list, get and update of incidents; alerts_v2 counted apart; hunting 45/min', async () => {
    const rl = new RateLimiter({ clock: new ManualClock() })
    for (let i = 0; i < 150; i++) await rl.acquire(`${G}|a`, (['list', 'get', 'update'] as const)[i % 3]!, undefined, graph)
    assert.equal(rl.waitMs(`${G}|a`, 'list', graph), 60_000)
    assert.equal(rl.waitMs(`${G}|a`, 'update', graph), 60_000)
    assert.equal(rl.waitMs(`${G}|a|alerts`, 'list', graph), 0, 'alerts_v2 has its own 150')
    assert.equal(rl.waitMs(`${G}|b`, 'list', graph), 0, 'another tenant has its own 150')
    for (let i = 0; i < 45; i++) await rl.acquire(`${G}|a`, 'hunting', undefined, graph)
    assert.equal(rl.waitMs(`${G}|a`, 'hunting', graph), 60_000)
  })

  test('legacy: per method 50/min list (independent of get), no app-wide budget', async () => {
    const rl = new RateLimiter({ clock: new ManualClock() })
    const legacy = { surface: 'legacy' as const, app: 'https://api.security.microsoft.com' }
    for (let i = 0; i < 50; i++) await rl.acquire('x|a', 'list', undefined, legacy)
    assert.equal(rl.waitMs('x|a', 'list', legacy), 60_000)
    assert.equal(rl.waitMs('x|a', 'get', legacy), 0)
    assert.equal(LEGACY_LIMITS.app, undefined)
  })

  test('Graph app-wide budget: 130,000 calls per 10 s are shared by every tenant of the app', async () => {
    const clock = new ManualClock()
    const rl = new RateLimiter({ clock })
    // 1,000 tenants × 130 calls: each tenant is far below its own 150/min, the app is at its limit.
    for (let t = 0; t < 1000; t++) for (let i = 0; i < 130; i++) await rl.acquire(`${G}|t${t}`, 'list', undefined, graph)
    assert.equal(rl.waitMs(`${G}|fresh`, 'list', graph), 10_000, 'a tenant with no call of its own still waits for the app budget')
    assert.equal(rl.waitMs(`${G}|fresh`, 'list', { surface: 'graph', app: 'https://other.example' }), 0, 'another origin is another budget')
    const p = rl.acquire(`${G}|fresh`, 'list', undefined, graph)
    await untilSleeping(clock)
    await clock.advance(10_000)
    await p
    assert.deepEqual(GRAPH_LIMITS.app, [{ limit: 130_000, windowMs: 10_000 }])
  })
})

describe('fairness under the app-wide budget', () => {
  const tight: RateLimits = { list: [{ limit: 1000, windowMs: 60_000 }], get: [], update: [], app: [{ limit: 3, windowMs: 1000 }] }

  test('round-robin: a tenant with a deep backlog does not starve the others; the budget is never exceeded', async () => {
    const clock = new ManualClock()
    const rl = new RateLimiter({ limits: tight, clock })
    const grants: { tenant: string; at: number }[] = []
    const start = clock.now()
    const ask = (tenant: string) => rl.acquire(`o|${tenant}`, 'list', undefined, { app: 'o' }).then(() => grants.push({ tenant, at: clock.now() - start }))
    const all: Promise<unknown>[] = []
    for (let i = 0; i < 30; i++) all.push(ask('big')) // queued first
    for (let i = 0; i < 3; i++) all.push(ask('small1'), ask('small2'))
    while (grants.length < 36) {
      await untilSleeping(clock)
      await clock.advance(1000)
    }
    await Promise.all(all)
    const doneAt = (t: string) => Math.max(...grants.filter((g) => g.tenant === t).map((g) => g.at))
    // 3 slots a second shared by 3 tenants: the small ones get one slot each per second.
    assert.ok(doneAt('small1') <= 4000 && doneAt('small2') <= 4000, JSON.stringify(grants.slice(0, 14)))
    assert.ok(doneAt('big') >= 10_000)
    for (let s = 0; s <= doneAt('big'); s += 1000) assert.ok(grants.filter((g) => g.at >= s && g.at < s + 1000).length <= 3, `over budget in second ${s / 1000}`)
  })

  test('an aborted waiter leaves the queue; the next tenant gets its slot', async () => {
    const clock = new ManualClock()
    const rl = new RateLimiter({ limits: tight, clock })
    for (let i = 0; i < 3; i++) await rl.acquire('o|a', 'list', undefined, { app: 'o' })
    const ac = new AbortController()
    const gone = rl.acquire('o|a', 'list', ac.signal, { app: 'o' })
    const kept = rl.acquire('o|b', 'list', undefined, { app: 'o' })
    assert.deepEqual([...rl.queued()], [['o|a|list', 1], ['o|b|list', 1]])
    ac.abort(new Error('stop'))
    await assert.rejects(gone, /stop/)
    await untilSleeping(clock)
    await clock.advance(1000)
    await kept
    assert.equal(rl.queued().size, 0)
  })

  test('scaleLimits compresses every window (benchmarks)', () => {
    const s = scaleLimits(GRAPH_LIMITS, 10)
    assert.deepEqual(s.app, [{ limit: 130_000, windowMs: 1000 }])
    assert.deepEqual(s.shared![0]!.quotas, [{ limit: 150, windowMs: 6000 }])
  })
})
