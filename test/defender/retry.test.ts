import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import diagnostics_channel from 'node:diagnostics_channel'
import { ManualClock } from '../../src/lib/clock.js'
import { DefenderClient } from '../../src/defender/client.js'
import { backoffMs, retryAfterMs } from '../../src/defender/retry_after.js'
import { startPeer, tokenSource, untilSleeping, type Peer } from './_peer.js'

const quota429 = (s: number) => ({ status: 429, body: { error: { code: '429', message: `API calls quota exceeded! maximum allowed 50 per 00:01:00. You can send requests again in ${s} seconds.`, target: 't-1' } } })
const incident = (id: number) => ({ incidentId: id, lastUpdateTime: '2026-01-01T00:00:00Z', status: 'Active' })

describe('retry layer', () => {
  let peer: Peer
  before(async () => (peer = await startPeer()))
  after(() => peer.close())

  const client = (clock: ManualClock, retry = {}) =>
    new DefenderClient({ tokenProvider: tokenSource(), tenant: 'contoso', surface: 'legacy', baseUrl: peer.url, clock, limits: false, retry: { random: () => 0.5, ...retry } })

  test('retryAfterMs: header seconds, HTTP date, body sentence, none', () => {
    const now = Date.parse('2026-01-01T00:00:00Z')
    assert.equal(retryAfterMs(new Headers({ 'retry-after': '7' }), undefined, now), 7000)
    assert.equal(retryAfterMs(new Headers({ 'retry-after': 'Thu, 01 Jan 2026 00:00:30 GMT' }), undefined, now), 30_000)
    assert.equal(retryAfterMs(new Headers(), 'Maximum allowed 30 per 00:01:00. You can send requests again in 8 seconds.', now), 8000)
    assert.equal(retryAfterMs(new Headers(), '{"error":{"message":"boom"}}', now), undefined)
    assert.equal(backoffMs(1, 500, 30_000, () => 0.999), 499)
    assert.equal(backoffMs(10, 500, 30_000, () => 0.999), 29_970)
  })

  test('429 with Retry-After is honoured under a manual clock, then succeeds', async () => {
    const clock = new ManualClock()
    peer.script({ ...quota429(8), headers: { 'retry-after': '7' } }, { body: incident(5) })
    const waits: unknown[] = []
    const onRetry = (m: unknown) => waits.push(m)
    diagnostics_channel.subscribe('m365d:http:retry', onRetry)
    try {
      const p = client(clock).getIncident(5)
      await untilSleeping(clock)
      await clock.advance(6_999)
      assert.equal(peer.seen.length, 1, 'no retry before Retry-After elapsed')
      await clock.advance(1)
      const got = await p
      assert.equal(got.incidentId, 5)
      assert.equal(peer.seen.length, 2)
      assert.deepEqual((waits[0] as { delayMs: number; status: number }).delayMs, 7000)
    } finally {
      diagnostics_channel.unsubscribe('m365d:http:retry', onRetry)
    }
  })

  test('429 without header: the body "again in N seconds" is honoured', async () => {
    const clock = new ManualClock()
    peer.script(quota429(3), { body: incident(6) })
    const p = client(clock).getIncident(6)
    await untilSleeping(clock)
    await clock.advance(2_999)
    assert.equal(peer.seen.length, 1)
    await clock.advance(1)
    assert.equal((await p).incidentId, 6)
  })

  test('5xx retried with backoff, then RetriesExhausted keeps status, body and Retry-After', async () => {
    const clock = new ManualClock()
    peer.script({ status: 503, headers: { 'retry-after': '2' }, body: { error: { code: 'ServiceUnavailable', message: 'try later', target: 'x' } } })
    const p = client(clock, { maxRetries: 2 }).getIncident(7)
    const outcome = assert.rejects(p, (e: any) => {
      assert.equal(e.code, 'ERR_HTTP_RETRIES_EXHAUSTED')
      assert.equal(e.attempts, 3)
      assert.equal(e.lastStatus, 503)
      assert.equal(e.retryAfterMs, 2000)
      assert.match(e.lastBody, /ServiceUnavailable/)
      return true
    })
    for (let i = 0; i < 2; i++) {
      await untilSleeping(clock)
      await clock.advance(2000)
    }
    await outcome
    assert.equal(peer.seen.length, 3)
  })

  test('500 without Retry-After uses capped exponential backoff with jitter', async () => {
    const clock = new ManualClock()
    peer.script({ status: 500, body: {} }, { status: 500, body: {} }, { body: incident(8) })
    const p = client(clock, { baseDelayMs: 1000, random: () => 0.5 }).getIncident(8)
    await untilSleeping(clock)
    await clock.advance(499)
    assert.equal(peer.seen.length, 1)
    await clock.advance(1) // 0.5 × 1000
    await untilSleeping(clock)
    await clock.advance(1000) // 0.5 × 2000
    assert.equal((await p).incidentId, 8)
    assert.equal(peer.seen.length, 3)
  })

  test('PATCH is not retried on 503 but is retried on 429', async () => {
    const clock = new ManualClock()
    peer.script({ status: 503, body: { error: { code: 'InternalServerError', message: 'x' } } })
    await assert.rejects(client(clock).updateIncident(9, { status: 'Resolved' }), (e: any) => e.code === 'ERR_HTTP_STATUS' && e.status === 503)
    assert.equal(peer.seen.length, 1)
    peer.script({ ...quota429(1) }, { body: incident(9) })
    const p = client(clock).updateIncident(9, { status: 'Resolved' })
    await untilSleeping(clock)
    await clock.advance(1000)
    assert.equal((await p).incidentId, 9)
    assert.equal(peer.seen.length, 2)
    assert.deepEqual(JSON.parse(peer.seen[1]!.body), { status: 'Resolved' })
  })

  test('connection reset, truncated body and invalid JSON are retried on GET', async () => {
    const clock = new ManualClock()
    peer.script('reset', 'truncate', { body: '{"incidentId": 1,' }, { body: incident(10) })
    const c = client(clock, { baseDelayMs: 100 })
    const p = c.getIncident(10)
    for (let i = 0; i < 3; i++) {
      await untilSleeping(clock)
      await clock.advance(30_000)
    }
    assert.equal((await p).incidentId, 10)
    assert.equal(peer.seen.length, 4)
  })

  test('invalid JSON that never heals → RetriesExhausted caused by ERR_HTTP_INVALID_BODY', async () => {
    const clock = new ManualClock()
    peer.script({ body: 'not json' })
    const p = client(clock, { maxRetries: 1 }).getIncident(11)
    const outcome = assert.rejects(p, (e: any) => e.code === 'ERR_HTTP_RETRIES_EXHAUSTED' && e.cause.code === 'ERR_HTTP_INVALID_BODY')
    await untilSleeping(clock)
    await clock.advance(60_000)
    await outcome
  })

  test('network errors are not retried for PATCH (it may have been executed)', async () => {
    peer.script('reset')
    await assert.rejects(client(new ManualClock()).updateIncident(12, { assignedTo: 'a@b.c' }), (e: any) => e.code === 'ERR_HTTP_NETWORK')
    assert.equal(peer.seen.length, 1)
  })

  test('nothing listening: retries exhaust with the network hint, not "the service is failing"', async () => {
    const closed = await startPeer()
    const url = closed.url
    await closed.close()
    const c = new DefenderClient({ tokenProvider: tokenSource(), tenant: 'contoso', baseUrl: url, limits: false, retry: { maxRetries: 1, baseDelayMs: 1, maxDelayMs: 1 } })
    await assert.rejects(c.getIncident(1), (e: any) => {
      assert.equal(e.code, 'ERR_HTTP_RETRIES_EXHAUSTED')
      assert.equal(e.lastStatus, undefined)
      assert.equal(e.cause.code, 'ERR_HTTP_NETWORK')
      assert.match(e.hint, /base URL and network connectivity/)
      return true
    })
  })

  test('abort during a Retry-After wait rejects with the abort reason at once', async () => {
    const clock = new ManualClock()
    peer.script({ ...quota429(60), headers: { 'retry-after': '60' } })
    const ac = new AbortController()
    const p = client(clock).getIncident(13, { signal: ac.signal })
    await untilSleeping(clock)
    ac.abort(new Error('stop'))
    await assert.rejects(p, /stop/)
    assert.equal(peer.seen.length, 1)
  })

  test('a hung attempt times out (ERR_HTTP_TIMEOUT) and is retried', async () => {
    const clock = new ManualClock()
    peer.script('hang', { body: incident(14) })
    const c = new DefenderClient({ tokenProvider: tokenSource(), tenant: 'contoso', baseUrl: peer.url, clock, limits: false, timeoutMs: 150, retry: { random: () => 0 } })
    const retries: any[] = []
    const onRetry = (m: unknown) => retries.push(m)
    diagnostics_channel.subscribe('m365d:http:retry', onRetry)
    try {
      const p = c.getIncident(14)
      await untilSleeping(clock)
      await clock.advance(1)
      assert.equal((await p).incidentId, 14)
      assert.equal(retries[0].error, 'ERR_HTTP_TIMEOUT')
    } finally {
      diagnostics_channel.unsubscribe('m365d:http:retry', onRetry)
    }
    peer.script('hang')
    const noRetry = new DefenderClient({ tokenProvider: tokenSource(), tenant: 'contoso', baseUrl: peer.url, clock, limits: false, timeoutMs: 100, retry: { maxRetries: 0 } })
    await assert.rejects(noRetry.getIncident(15), (e: any) => e.code === 'ERR_HTTP_RETRIES_EXHAUSTED' && e.cause.code === 'ERR_HTTP_TIMEOUT')
  })

  test('a Retry-After above maxRetryAfterMs gives up at once', async () => {
    peer.script({ ...quota429(3600), headers: { 'retry-after': '3600' } })
    await assert.rejects(client(new ManualClock(), { maxRetryAfterMs: 60_000 }).getIncident(16), (e: any) => e.code === 'ERR_HTTP_RETRIES_EXHAUSTED' && e.retryAfterMs === 3_600_000)
    assert.equal(peer.seen.length, 1)
  })

  test('404 is not retried and keeps the Defender error fields', async () => {
    peer.script({ status: 404, body: { error: { code: 'ResourceNotFound', message: 'Incident 99 was not found', target: 'abc-123' } } })
    await assert.rejects(client(new ManualClock()).getIncident(99), (e: any) => {
      assert.equal(e.code, 'ERR_HTTP_STATUS')
      assert.equal(e.status, 404)
      assert.equal(e.serverCode, 'ResourceNotFound')
      assert.equal(e.target, 'abc-123')
      return true
    })
    assert.equal(peer.seen.length, 1)
  })
})
