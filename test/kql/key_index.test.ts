// Grouping and join keys on several columns (src/kql/key_index.ts: one Map per key level), and the
// constant-size bin() fast path: the semantics the per-row string keys had must hold.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { rows } from './helpers.js'

const LEFT = 'datatable(k:string, n:long, l:long)["a", 1, 1, "a", 1, 2, "a", 2, 3, "b", 1, 4, "a", long(null), 5, "", 1, 6]'
const RIGHT = 'datatable(k:string, n:long, r:long)["a", 1, 10, "a", 1, 20, "a", 2, 30, "b", 2, 40, "a", long(null), 50, "", 1, 60]'
const pairs = (kind: string): string[] =>
  rows(`${LEFT} | join kind=${kind} (${RIGHT}) on k, n`).map((x) => `${x.l ?? '-'}/${x.r ?? '-'}`).sort()

describe('join on two key columns', () => {
  test('inner keeps every pair; a null in any key column never matches; empty strings do', () => {
    assert.deepEqual(pairs('inner'), ['1/10', '1/20', '2/10', '2/20', '3/30', '6/60'])
  })
  test('innerunique keeps the first left row per composite key', () => {
    assert.deepEqual(pairs('innerunique'), ['1/10', '1/20', '3/30', '6/60'])
  })
  test('outer kinds pad the unmatched rows (null keys included) with nulls', () => {
    assert.deepEqual(pairs('leftouter'), ['1/10', '1/20', '2/10', '2/20', '3/30', '4/-', '5/-', '6/60'])
    assert.deepEqual(pairs('rightouter'), ['-/40', '-/50', '1/10', '1/20', '2/10', '2/20', '3/30', '6/60'])
    assert.deepEqual(pairs('fullouter'), ['-/40', '-/50', '1/10', '1/20', '2/10', '2/20', '3/30', '4/-', '5/-', '6/60'])
  })
  test('semi and anti joins on both sides keep their input order', () => {
    assert.deepEqual(rows(`${LEFT} | join kind=leftsemi (${RIGHT}) on k, n`).map((x) => x.l), [1, 2, 3, 6])
    assert.deepEqual(rows(`${LEFT} | join kind=leftanti (${RIGHT}) on k, n`).map((x) => x.l), [4, 5])
    assert.deepEqual(rows(`${LEFT} | join kind=rightsemi (${RIGHT}) on k, n`).map((x) => x.r), [10, 20, 30, 60])
    assert.deepEqual(rows(`${LEFT} | join kind=rightanti (${RIGHT}) on k, n`).map((x) => x.r), [40, 50])
  })
  test('$left/$right pairs with different names on both sides', () => {
    const q = `${LEFT} | join kind=inner (${RIGHT} | project K = k, N = n, r) on $left.k == $right.K, $left.n == $right.N`
    assert.deepEqual(rows(q).map((x) => `${x.l}/${x.r}`).sort(), ['1/10', '1/20', '2/10', '2/20', '3/30', '6/60'])
  })
})

describe('summarize by several keys', () => {
  test('null keys form their own group, apart from 0 and from the empty string', () => {
    const q = 'datatable(k:string, n:long)["a", 1, "a", long(null), "a", 0, "", long(null), "", long(null), "a", 1] | summarize c = count() by k, n'
    assert.deepEqual(rows(q).map((x) => `${x.k}|${x.n ?? 'null'}|${x.c}`), ['a|1|2', 'a|null|1', 'a|0|1', '|null|2'])
  })
  test('a long 1 and a string "1" stay separate groups (tostring on one side only)', () => {
    const q = 'datatable(a:long, b:string)[1, "x", 1, "x", 2, "x"] | extend s = iff(a == 1, tostring(a), "") | summarize c = count() by s, b'
    assert.deepEqual(rows(q), [{ s: '1', b: 'x', c: 2 }, { s: '', b: 'x', c: 1 }])
  })
  test('three keys with other aggregates beside count()', () => {
    const q = 'datatable(a:string, b:long, c:bool, v:long)["x", 1, true, 5, "x", 1, true, 7, "x", 1, false, 1, "y", 1, true, 2] | summarize n = count(), s = sum(v), m = max(v) by a, b, c'
    assert.deepEqual(rows(q), [
      { a: 'x', b: 1, c: true, n: 2, s: 12, m: 7 },
      { a: 'x', b: 1, c: false, n: 1, s: 1, m: 1 },
      { a: 'y', b: 1, c: true, n: 1, s: 2, m: 2 },
    ])
  })
})

describe('bin() with a constant size (inlined) agrees with the general path', () => {
  const T = 'datatable(t:datetime, s:timespan)[datetime(2026-03-04T10:20:00Z), 7d, datetime(2026-03-04T10:20:00Z), 1h, datetime(null), 1h, datetime(2026-03-01T23:59:59Z), 1d]'
  test('7d bins start on Mondays (Kusto bins from 0001-01-01, not 1970); null stays null', () => {
    const r = rows(`${T} | extend c = bin(t, 7d), g = bin(t, s)`)
    assert.equal(r[0]!.c, Date.parse('2026-03-02T00:00:00Z'))
    assert.equal(r[0]!.g, r[0]!.c)
    assert.equal(r[1]!.g, Date.parse('2026-03-04T10:00:00Z'))
    assert.equal(r[2]!.c, null)
    assert.equal(r[3]!.g, Date.parse('2026-03-01T00:00:00Z'))
  })
  test('numbers floor toward −∞; a zero size gives null', () => {
    const r = rows('datatable(x:long, y:real)[-5, 7.5, 15, -0.1] | extend a = bin(x, 10), b = bin(y, 2.5), z = bin(x, 0)')
    assert.deepEqual(r.map((x) => [x.a, x.b, x.z]), [[-10, 7.5, null], [10, -2.5, null]])
  })
})
