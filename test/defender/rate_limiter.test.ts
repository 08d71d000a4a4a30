import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import diagnostics_channel from 'node:diagnostics_channel'
import { ManualClock } from '../../src/lib/clock.js'
import { RateLimiter } from '../../src/defender/rate_limiter.js'
import { DefenderClient } from '../../src/defender/client.js'
import { startPeer, tokenSource, untilSleeping, type Peer } from './_peer.js'

const limits = {
  list: [{ limit: 3, windowMs: 60_000 }, { limit: 5, windowMs: 3_600_000 }],
  get: [{ limit: 2, windowMs: 60_000 }],
  update: [{ limit: 1, windowMs: 60_000 }],
}

describe('rate limiter', () => {
  let peer: Peer
  before(async () => (peer = await startPeer()))
  after(() => peer.close())

  test('sliding window: the 4th call waits until the 1st leaves the window', async () => {
    const clock = new ManualClock()
    const rl = new RateLimiter({ limits, clock })
    await rl.acquire('t', 'list')
    await clock.advance(10_000)
    await rl.acquire('t', 'list')
    await rl.acquire('t', 'list')
    assert.equal(rl.waitMs('t', 'list'), 50_000)
    let done = false
    const p = rl.acquire('t', 'list').then(() => (done = true))
    await untilSleeping(clock)
    await clock.advance(49_999)
    assert.equal(done, false)
    await clock.advance(1)
    await p
    assert.equal(done, true)
  })

  test('the hourly quota applies too, and keys (tenants) and groups are independent', async () => {
    const clock = new ManualClock()
    const rl = new RateLimiter({ limits, clock })
    for (let i = 0; i < 5; i++) {
      await rl.acquire('a', 'list')
      await clock.advance(60_000)
    }
    // 5 calls in the hour: the next waits for the first to be an hour old.
    assert.equal(rl.waitMs('a', 'list'), 3_600_000 - 5 * 60_000)
    assert.equal(rl.waitMs('b', 'list'), 0)
    assert.equal(rl.waitMs('a', 'get'), 0)
  })

  test('abort during a wait rejects with the reason and does not count', async () => {
    const clock = new ManualClock()
    const rl = new RateLimiter({ limits, clock })
    await rl.acquire('t', 'update')
    const ac = new AbortController()
    const p = rl.acquire('t', 'update', ac.signal)
    await untilSleeping(clock)
    ac.abort(new Error('cancelled'))
    await assert.rejects(p, /cancelled/)
    await clock.advance(60_000)
    assert.equal(rl.waitMs('t', 'update'), 0)
  })

  test('through the client: calls over the quota wait (emitting rateLimitWait) instead of failing', async () => {
    const clock = new ManualClock()
    peer.script({ body: { incidentId: 1 } })
    const waits: any[] = []
    const on = (m: unknown) => waits.push(m)
    diagnostics_channel.subscribe('m365d:ratelimit:wait', on)
    try {
      const client = new DefenderClient({ tokenProvider: tokenSource(), tenant: 'contoso', baseUrl: peer.url, clock, limits })
      await client.getIncident(1)
      await client.getIncident(1)
      const third = client.getIncident(1)
      await untilSleeping(clock)
      assert.equal(peer.seen.length, 2)
      assert.equal(waits[0].delayMs, 60_000)
      assert.match(waits[0].key, /contoso\|get$/)
      await clock.advance(60_000)
      await third
      assert.equal(peer.seen.length, 3)
    } finally {
      diagnostics_channel.unsubscribe('m365d:ratelimit:wait', on)
    }
  })

  test('concurrent waiters never exceed the quota', async () => {
    const clock = new ManualClock()
    const rl = new RateLimiter({ limits: { ...limits, get: [{ limit: 2, windowMs: 1000 }] }, clock })
    const times: number[] = []
    const all = Promise.all(Array.from({ length: 6 }, () => rl.acquire('t', 'get').then(() => times.push(clock.now()))))
    for (let i = 0; i < 10 && times.length < 6; i++) {
      await untilSleeping(clock).catch(() => {})
      await clock.advance(1000)
    }
    await all
    const start = times[0]!
    const perSecond = new Map<number, number>()
    for (const t of times) perSecond.set(Math.floor((t - start) / 1000), (perSecond.get(Math.floor((t - start) / 1000)) ?? 0) + 1)
    for (const n of perSecond.values()) assert.ok(n <= 2)
    assert.equal(times.length, 6)
  })
})
