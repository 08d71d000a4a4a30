import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { generateIncidents, Prng, tenantSeed } from '../../../src/emulator/defender/generator.js'
import { DETERMINATIONS_BY_CLASSIFICATION } from '../../../src/emulator/defender/model.js'

const NOW = Date.parse('2026-06-01T00:00:00Z')
const DAY = 86_400_000
const gen = (tenantId: string, seed = 1, count = 500) => generateIncidents({ tenantId, tenantDomain: 'contoso.com', seed, count, now: NOW, firstId: 5000 })

describe('Defender data generator', () => {
  test('deterministic: same seed and tenant → identical data; other tenant or seed → different', () => {
    assert.deepEqual(gen('t1'), gen('t1'))
    assert.notDeepEqual(gen('t1').map((i) => i.incidentName), gen('t2').map((i) => i.incidentName))
    assert.notDeepEqual(gen('t1', 1).map((i) => i.createdTime), gen('t1', 2).map((i) => i.createdTime))
    assert.notEqual(tenantSeed(1, 'a'), tenantSeed(1, 'b'))
    const a = new Prng(42)
    const b = new Prng(42)
    assert.deepEqual([a.next(), a.hex(40), a.guid()], [b.next(), b.hex(40), b.guid()])
  })

  test('realistic spread: ~6 months, some past 180 days, ids follow creation time, all severities and statuses', () => {
    const list = gen('t1')
    assert.deepEqual(list.map((i) => i.incidentId), list.map((_, n) => 5000 + n))
    for (let n = 1; n < list.length; n++) assert.ok(list[n]!.createdTime >= list[n - 1]!.createdTime)
    const expired = list.filter((i) => i.lastUpdateTime < NOW - 180 * DAY).length
    assert.ok(expired > 10 && expired < 100, `expired: ${expired}`)
    assert.ok(list.every((i) => i.createdTime <= i.lastUpdateTime && i.lastUpdateTime <= NOW))
    assert.deepEqual(new Set(list.map((i) => i.status)), new Set(['Active', 'InProgress', 'Resolved', 'Redirected']))
    for (const s of ['Informational', 'Low', 'Medium', 'High']) assert.ok(list.some((i) => i.severity === s), s)
    const techniques = new Set(list.flatMap((i) => i.alerts.flatMap((a) => a.mitreTechniques)))
    assert.ok(techniques.size >= 8)
  })

  test('consistency: valid classification pairs, alerts point at their incident, merged incidents have no alerts', () => {
    const list = gen('t3')
    const ids = new Set(list.map((i) => i.incidentId))
    for (const i of list) {
      assert.ok((DETERMINATIONS_BY_CLASSIFICATION[i.classification] as readonly string[]).includes(i.determination), `${i.classification}/${i.determination}`)
      for (const a of i.alerts) assert.equal(a.incidentId, i.incidentId)
      if (i.status === 'Redirected') {
        assert.deepEqual(i.alerts, [])
        assert.ok(i.redirectIncidentId !== null && ids.has(i.redirectIncidentId) && i.redirectIncidentId > i.incidentId)
      } else {
        assert.ok(i.alerts.length > 0)
        assert.equal(i.redirectIncidentId, null)
      }
    }
    assert.ok(list.some((i) => i.status === 'Redirected'))
    const alertIds = list.flatMap((i) => i.alerts.map((a) => a.alertId))
    assert.equal(new Set(alertIds).size, alertIds.length)
  })
})
