// The one Timespan parser (client and emulator), the client's `timespan` hunt option over real
// HTTP, and the headers every Graph call carries (Prefer, client-request-id stable across retries).
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { DefenderClient, HuntingClient, parseTimespan, timespanWindow, DEFAULT_TIMESPAN_MS } from '../../src/defender/index.js'
import { startPeer, tokenSource, type Peer } from './_peer.js'

const DAY = 86_400_000
const d = (s: string) => Date.parse(s)
const now = d('2026-12-03T12:00:00Z')

describe('Timespan parser', () => {
  test('every documented form', () => {
    assert.deepEqual(parseTimespan('2026-11-01T08:00:00Z/2026-11-15T08:00:00Z', now), { start: d('2026-11-01T08:00:00Z'), end: d('2026-11-15T08:00:00Z') })
    assert.deepEqual(parseTimespan('P30D/2026-11-15T08:00:00Z', now), { start: d('2026-11-15T08:00:00Z') - 30 * DAY, end: d('2026-11-15T08:00:00Z') })
    assert.deepEqual(parseTimespan('2026-11-01T08:00:00Z/P1DT12H', now), { start: d('2026-11-01T08:00:00Z'), end: d('2026-11-01T08:00:00Z') + 1.5 * DAY })
    assert.deepEqual(parseTimespan('P7D', now), { start: now - 7 * DAY, end: now })
    assert.deepEqual(parseTimespan('PT90M', now), { start: now - 90 * 60_000, end: now })
    assert.deepEqual(parseTimespan('P2W', now), { start: now - 14 * DAY, end: now })
    assert.deepEqual(parseTimespan('2026-11-01', now), { start: d('2026-11-01T00:00:00Z'), end: now })
    assert.deepEqual(parseTimespan('2026-11-01T08:00:00+02:00/2026-11-02', now), { start: d('2026-11-01T06:00:00Z'), end: d('2026-11-02T00:00:00Z') })
  })

  test('what is not a Timespan', () => {
    for (const bad of ['', 'P', 'PT', 'P0D', 'P1M', 'P1Y', 'yesterday', '7d', '2026-11-15/2026-11-01', '2026-11-01/2026-11-01', 'P1D/P2D', 'a/b/c', '2027-01-01'])
      assert.equal(parseTimespan(bad, now), undefined, bad)
  })

  test('no Timespan = the last 30 days', () => {
    assert.deepEqual(timespanWindow(undefined, now), { start: now - 30 * DAY, end: now })
    assert.equal(DEFAULT_TIMESPAN_MS, 30 * DAY)
  })
})

describe('Graph requests from the client', () => {
  let peer: Peer
  before(async () => (peer = await startPeer()))
  after(() => peer.close())

  test('hunt({ timespan }) sends the parsed range as Timespan; a bad one fails before any call', async () => {
    peer.script({ body: { schema: [{ name: 'n', type: 'Int64' }], results: [{ n: 1 }] } })
    const c = new HuntingClient({ tokenProvider: tokenSource(), tenant: 't', baseUrl: peer.url, limits: false })
    const before = Date.now()
    const r = await c.hunt('DeviceInfo | count', { timespan: 'P7D' })
    assert.deepEqual(r.rows, [{ n: 1 }])
    const [start, end] = JSON.parse(peer.seen[0]!.body).Timespan.split('/').map(Date.parse)
    assert.ok(end >= before && end - start === 7 * DAY, peer.seen[0]!.body)
    await assert.rejects(c.hunt('DeviceInfo', { timespan: 'last week' }), { code: 'ERR_HUNT_TIME_RANGE' })
    await assert.rejects(c.hunt('DeviceInfo', { timespan: 'P1D', timeRange: { start: 0 } }), { code: 'ERR_INVALID_ARGUMENT' })
    assert.equal(peer.seen.length, 1)
  })

  test('Prefer: include-unknown-enum-members and one client-request-id per call, the same on its retries', async () => {
    peer.script({ status: 503, body: { error: { code: 'ServiceUnavailable', message: 'x' } } }, { body: { id: '7', status: 'awaitingAction' } })
    const c = new DefenderClient({ tokenProvider: tokenSource(), tenant: 't', baseUrl: peer.url, limits: false, retry: { baseDelayMs: 1, maxDelayMs: 2 } })
    const got = await c.getIncident('7')
    assert.equal(got.status, 'awaitingAction')
    const [a, b] = peer.seen
    assert.equal(a!.headers.prefer, 'include-unknown-enum-members')
    assert.match(String(a!.headers['client-request-id']), /^[0-9a-f-]{36}$/)
    assert.equal(b!.headers['client-request-id'], a!.headers['client-request-id'])
    peer.script({ body: { id: '7' } })
    await c.getIncident('7')
    assert.notEqual(peer.seen[0]!.headers['client-request-id'], a!.headers['client-request-id'], 'a new call, a new id')
  })

  test('legacy calls carry neither header', async () => {
    peer.script({ body: { incidentId: 7 } })
    await new DefenderClient({ tokenProvider: tokenSource(), tenant: 't', surface: 'legacy', baseUrl: peer.url, limits: false }).getIncident(7)
    assert.equal(peer.seen[0]!.headers.prefer, undefined)
    assert.equal(peer.seen[0]!.headers['client-request-id'], undefined)
  })

  test('a Graph error keeps request-id and client-request-id (body innerError, else the response headers)', async () => {
    peer.script({ status: 404, headers: { 'request-id': 'rid-1', 'client-request-id': 'cid-1' }, body: { error: { code: 'NotFound', message: 'Incident 9 not found.' } } })
    const c = new DefenderClient({ tokenProvider: tokenSource(), tenant: 't', baseUrl: peer.url, limits: false })
    await assert.rejects(c.getIncident('9'), (e: any) => e.status === 404 && e.requestId === 'rid-1' && e.clientRequestId === 'cid-1' && e.serverCode === 'NotFound')
  })
})
