// How a time window reaches each surface, and the window arithmetic behind splitting.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { applyWindow, bisect, chunk, huntRequest, toWindow } from '../../src/defender/index.js'

const W = { start: Date.parse('2026-01-01T00:00:00Z'), end: Date.parse('2026-01-02T00:00:00Z') }

describe('hunting time windows', () => {
  test('graph: Timespan "start/end" in ISO 8601, query untouched', () => {
    assert.deepEqual(applyWindow('DeviceInfo | take 1', 'graph', W), { query: 'DeviceInfo | take 1', timespan: '2026-01-01T00:00:00.000Z/2026-01-02T00:00:00.000Z' })
    const req = huntRequest({ baseUrl: 'https://graph.microsoft.com/', surface: 'graph', query: 'DeviceInfo', timespan: 'P1D' })
    assert.equal(req.url, 'https://graph.microsoft.com/v1.0/security/runHuntingQuery')
    assert.deepEqual(JSON.parse(req.body!), { Query: 'DeviceInfo', Timespan: 'P1D' })
    assert.equal(req.group, 'hunting')
  })

  test('legacy: a half-open Timestamp filter right after the first table, comments kept', () => {
    const filter = '| where Timestamp >= datetime(2026-01-01T00:00:00.000Z) and Timestamp < datetime(2026-01-02T00:00:00.000Z)'
    assert.equal(applyWindow('DeviceInfo | take 1', 'legacy', W).query, `DeviceInfo ${filter} | take 1`)
    assert.equal(applyWindow('// hi\nDeviceInfo\n| take 1', 'legacy', W).query, `// hi\nDeviceInfo ${filter}\n| take 1`)
    assert.equal(applyWindow('DeviceInfo', 'legacy', W).query, `DeviceInfo ${filter}`)
    assert.equal(applyWindow('x', 'legacy', W).timespan, undefined)
    for (const q of ['let t = 1d; DeviceInfo', 'union DeviceInfo, DeviceEvents', 'DeviceInfo(1)', 'search "x"'])
      assert.throws(() => applyWindow(q, 'legacy', W), { code: 'ERR_HUNT_TIME_RANGE' }, q)
    const req = huntRequest({ baseUrl: 'https://api.security.microsoft.com', surface: 'legacy', query: 'DeviceInfo', timespan: 'P1D' })
    assert.deepEqual(JSON.parse(req.body!), { Query: 'DeviceInfo' }, 'no Timespan on the legacy API')
    assert.deepEqual(req.permissions, ['AdvancedHunting.Read.All'])
  })

  test('ranges: end defaults to now, empty and invalid ranges refused; bisect and chunk cover the range exactly', () => {
    assert.deepEqual(toWindow({ start: '2026-01-01T00:00:00Z' }, W.end), W)
    assert.throws(() => toWindow({ start: W.end, end: W.start }, 0), { code: 'ERR_HUNT_TIME_RANGE' })
    assert.throws(() => toWindow({ start: 'last week' }, 0), { code: 'ERR_HUNT_TIME_RANGE' })
    const [a, b] = bisect(W)
    assert.deepEqual([a.start, a.end, b.start, b.end], [W.start, W.start + 43_200_000, W.start + 43_200_000, W.end])
    const parts = chunk(W, 7 * 3_600_000)
    assert.equal(parts.length, 4)
    assert.equal(parts[0]!.start, W.start)
    assert.equal(parts.at(-1)!.end, W.end)
    for (let i = 1; i < parts.length; i++) assert.equal(parts[i]!.start, parts[i - 1]!.end)
    assert.deepEqual(chunk(W, undefined), [W])
  })
})
