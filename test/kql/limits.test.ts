/**
 * Issue 10 §1 at the engine: every query that could multiply rows or run long is refused by the
 * budget (budget.ts) with a coded error — before it allocates, or at the deadline inside the row
 * loop — and KqlEngine honours its maxRows / maxValues / timeoutMs options. The node:test
 * `timeout` on each case is a hang guard, not a speed assertion (speed is in bench/kql_engine.ts).
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { KqlEngine, KqlError, KqlRuntimeError, type Table } from '../../src/kql/index.js'
import { engine, rows, scalar } from './helpers.js'

const HANG = { timeout: 20_000 }
/** The emulator's hunting limits (src/emulator/hunting/limits.ts): what an API caller meets. */
const hunting = (): KqlEngine => engine({ maxRows: 2_000_000, maxValues: 20_000_000 })

function refused(e: KqlEngine, query: string, code: string, operator?: string): KqlError {
  let caught: unknown
  try {
    e.run(query)
  } catch (err) {
    caught = err
  }
  assert.ok(caught instanceof KqlError, `expected ${code}, got ${caught instanceof Error ? caught.stack : String(caught)}`)
  assert.equal(caught.code, code, caught.message)
  if (operator) assert.match(caught.message, new RegExp(`^Query stopped\\. Adjust use of the ${operator} operator to avoid excessive resource consumption\\.`))
  assert.ok(caught.line >= 1 && caught.column >= 1)
  return caught
}

describe('the engine cannot be exhausted by a query (issue 10 §1)', () => {
  test('range over ten years at 1ms is refused before it allocates', HANG, () => {
    const before = process.memoryUsage().heapUsed
    const err = refused(engine(), 'range t from datetime(2015-01-01) to datetime(2025-01-01) step 1ms | count', 'ERR_KQL_LIMIT', 'range')
    assert.match(err.message, /315,619,200,001 rows exceed the limit of 10,000,000/)
    assert.ok(process.memoryUsage().heapUsed - before < 50e6, 'nothing large was allocated')
  })
  test('range of 100M rows is refused; 1M rows still run', HANG, () => {
    refused(engine(), 'range i from 1 to 100000000 step 1 | count', 'ERR_KQL_LIMIT', 'range')
    assert.deepEqual(rows('range i from 1 to 1000000 step 1 | count'), [{ Count: 1000000 }])
  })
  test('a step below the precision of the start cannot loop forever', HANG, () => {
    assert.equal(engine().run('range x from 1e18 to 1e18 + 2048 step 1 | count').data[0]![0], 2049)
  })
  test('an exponential-backtracking regex on a long input answers in linear time', HANG, () => {
    const long = `${'a'.repeat(100_000)}!`
    const e = new KqlEngine({ schema: { T: [['s', 'string']] }, tables: { T: { columns: [{ name: 's', type: 'string' }], data: [[long, 'aaa']], rowCount: 2 } } })
    const t = e.run('T | where s matches regex "(a+)+$" | extend n = strlen(s), x = extract("(a|aa)+$", 0, s), c = countof(s, "(a|a)*b", "regex") | project n, x, c')
    assert.deepEqual(t.data, [[3], ['aaa'], [0]])
  })
  test('a huge mv-expand stops at the row cap', HANG, () => {
    refused(hunting(), 'range i from 1 to 3000 step 1 | extend a = range(1, 1000) | mv-expand a | count', 'ERR_KQL_LIMIT', 'mv-expand')
  })
  test('range() builds at most 2^20 elements (Learn: truncated) and counts against maxValues', HANG, () => {
    assert.deepEqual(rows('print r = range(1, 1000000000) | mv-expand r | count'), [{ Count: 1048576 }])
    refused(hunting(), 'range i from 1 to 1000 step 1 | extend a = range(1, 1000000) | count', 'ERR_KQL_LIMIT', 'range\\(\\)')
  })
  test('a cross join explosion stops at the row cap', HANG, () => {
    refused(hunting(), 'range i from 1 to 100000 step 1 | extend k = 1 | join kind=inner (range j from 1 to 100000 step 1 | extend k = 1) on k | count', 'ERR_KQL_LIMIT', 'join')
  })
  test('make-series with a 1ms step over ten years is refused before the bins exist', HANG, () => {
    refused(engine(), 'Proc | make-series n = count() on Timestamp from datetime(2015-01-01) to datetime(2025-01-01) step 1ms', 'ERR_KQL_LIMIT', 'make-series')
  })
})

describe('KqlEngine options', () => {
  test('maxRows caps every intermediate result', () => {
    refused(engine({ maxRows: 10 }), 'range i from 1 to 11 step 1', 'ERR_KQL_LIMIT', 'range')
    assert.equal(engine({ maxRows: 10 }).run('range i from 1 to 10 step 1').rowCount, 10)
    refused(engine({ maxRows: 5 }), 'Net | union Net', 'ERR_KQL_LIMIT', 'union')
    refused(engine({ maxRows: 5 }), 'print a = dynamic([1,2,3,4,5,6]) | mv-expand a', 'ERR_KQL_LIMIT', 'mv-expand')
  })
  test('maxValues caps rows × columns and the array elements functions build', () => {
    refused(engine({ maxValues: 100 }), 'range i from 1 to 60 step 1 | extend j = i | join kind=inner (range i from 1 to 60 step 1) on i', 'ERR_KQL_LIMIT', 'join')
    refused(engine({ maxValues: 100 }), 'print r = range(1, 101)', 'ERR_KQL_LIMIT', 'range\\(\\)')
    assert.equal(engine({ maxValues: 100 }).run('print r = range(1, 100)').rowCount, 1)
  })
  test('timeoutMs stops a single long operator inside its row loop', () => {
    // One `where` over 1M rows: a check only between operators would let it finish.
    const n = 1_000_000
    const big: Table = { columns: [{ name: 's', type: 'string' }], data: [Array.from({ length: n }, (_, i) => `row ${i}`)], rowCount: n }
    const e = new KqlEngine({ schema: { Big: [['s', 'string']] }, tables: { Big: big }, timeoutMs: 2 })
    const err = refused(e, 'Big | where s matches regex "w 1.*9$"', 'ERR_KQL_TIMEOUT')
    assert.ok(err instanceof KqlRuntimeError)
    assert.match(err.message, /^Query exceeded the timeout period\./)
  })
  test('invalid options are refused at construction', () => {
    assert.throws(() => engine({ maxRows: -1 }), TypeError)
    assert.throws(() => engine({ maxValues: Number.NaN }), TypeError)
    assert.throws(() => engine({ timeoutMs: Number.NaN }), TypeError)
  })
})

describe('fuzz findings stay fixed (test/fuzz/kql.target.ts)', () => {
  const coded = (q: string): void => {
    try {
      engine({ maxRows: 200_000, maxValues: 2_000_000, timeoutMs: 2_000 }).run(q)
    } catch (e) {
      assert.ok(e instanceof KqlError && e.line >= 1 && e.column >= 1, `${q}: ${e instanceof Error ? e.stack : String(e)}`)
    }
  }
  test('a datetime outside JavaScript\'s range renders as null', () => {
    coded('Proc | top 6 by 1d * 4 in ("10.0.0.1") !has now(range(0, 3, 2))')
    assert.equal(scalar('tostring(datetime(9999-12-31) + 36500000d)'), '')
  })
  test('mv-expand after bag_unpack, and an open-schema column that cannot be supplied', () => {
    coded('Proc | take 5 | evaluate bag_unpack(AdditionalFields) | mv-expand Timestamp')
    coded('union P* | evaluate pivot(DeviceName) | project-away x | serialize r = row_number() | mv-expand x')
  })
  test('in~ over a 2^20-element range() holds the deadline', HANG, () => {
    coded('print n0 = 446 in~ (bool(null), "(?<=a)b", range(-2, 1000000000, 1)) == not(range(-1, 10, 0.5)), n1 = not(range(9, 10, 2)) < true')
    assert.equal(scalar('"7" in (range(1, 10))'), true)
    assert.equal(scalar('7 in ("7")'), true)
  })
})
