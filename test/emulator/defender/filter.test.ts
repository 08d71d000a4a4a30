import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { evaluate, FilterError, MAX_FILTER_DEPTH, parseFilter, parseInstant, validateFilter, type FieldSpec } from '../../../src/emulator/defender/filter.js'

interface Row {
  t: number
  status: string
  owner: string | null
}
const FIELDS: Record<string, FieldSpec<Row>> = {
  t: { type: 'datetime', get: (r) => r.t },
  status: { type: 'enum', get: (r) => r.status, values: ['Active', 'InProgress', 'Resolved'], ops: ['eq', 'ne'] },
  owner: { type: 'string', get: (r) => r.owner },
}
const T0 = Date.parse('2026-05-01T10:00:00.123Z')
const rows: Row[] = [
  { t: T0 - 1, status: 'Active', owner: null },
  { t: T0, status: 'InProgress', owner: "o'brien@contoso.com" },
  { t: T0 + 1, status: 'Resolved', owner: 'a@contoso.com' },
]

function matches(filter: string): number[] {
  const node = parseFilter(filter)
  validateFilter(node, FIELDS, 'Row')
  return rows.flatMap((r, i) => (evaluate(node, r, FIELDS) ? [i] : []))
}

function errorAt(filter: string): FilterError {
  try {
    validateFilter(parseFilter(filter), FIELDS, 'Row')
  } catch (e) {
    assert.ok(e instanceof FilterError, String(e))
    return e
  }
  assert.fail(`expected ${filter} to be rejected`)
}

describe('OData $filter', () => {
  test('every datetime operator against an unquoted DateTimeOffset literal', () => {
    const lit = '2026-05-01T10:00:00.123Z'
    assert.deepEqual(matches(`t eq ${lit}`), [1])
    assert.deepEqual(matches(`t ne ${lit}`), [0, 2])
    assert.deepEqual(matches(`t gt ${lit}`), [2])
    assert.deepEqual(matches(`t ge ${lit}`), [1, 2])
    assert.deepEqual(matches(`t lt ${lit}`), [0])
    assert.deepEqual(matches(`t le ${lit}`), [0, 1])
  })

  test('7 fractional digits and offsets compare exactly (no tie lost to rounding)', () => {
    assert.deepEqual(matches('t gt 2026-05-01T10:00:00.1230001Z'), [2])
    assert.deepEqual(matches('t ge 2026-05-01T10:00:00.1230000Z'), [1, 2])
    assert.deepEqual(matches('t eq 2026-05-01T12:00:00.123+02:00'), [1])
    assert.deepEqual(parseInstant('2026-05-01T10:00:00.1234567Z'), { ms: T0 + 0, sub: 4567 })
    assert.deepEqual(matches('t lt 2026-05-01T10:00Z'), [])
  })

  test('strings: eq/ne, quotes escaped by doubling, null, in (...)', () => {
    assert.deepEqual(matches("owner eq 'o''brien@contoso.com'"), [1])
    assert.deepEqual(matches('owner eq null'), [0])
    assert.deepEqual(matches('owner ne null'), [1, 2])
    assert.deepEqual(matches("owner in ('a@contoso.com', 'x')"), [2])
  })

  test('enums compare case-insensitively; and/or/not/parentheses with OData precedence', () => {
    assert.deepEqual(matches("status eq 'active'"), [0])
    assert.deepEqual(matches("status eq 'Active' or status eq 'Resolved' and owner eq null"), [0])
    assert.deepEqual(matches("(status eq 'Active' or status eq 'Resolved') and owner ne null"), [2])
    assert.deepEqual(matches("not (status eq 'Active')"), [1, 2])
    assert.deepEqual(matches(`status ne 'Resolved' and t ge 2026-05-01T10:00:00.123Z`), [1])
  })

  test('errors carry the position of the problem', () => {
    assert.equal(errorAt('severity eq 1').position, 0)
    assert.equal(errorAt("status eq 'Active' and t gt '2026-05-01'").position, 23)
    assert.match(errorAt("status eq 'Active' and t gt '2026-05-01'").message, /incompatible types.*Edm.DateTimeOffset.*Edm.String/)
    assert.equal(errorAt("status gt 'Active'").position, 0)
    assert.equal(errorAt("status eq 'Bogus'").position, 0)
    assert.match(errorAt("status eq 'Bogus'").message, /Active, InProgress, Resolved/)
    assert.equal(errorAt('t ge 2026-13-45T00:00:00Z').position, 5)
    assert.equal(errorAt("owner eq 'abc").position, 9)
    assert.equal(errorAt("owner like 'a'").position, 6)
    assert.equal(errorAt("(owner eq 'a'").position, 13)
    assert.equal(errorAt("owner eq 'a' )").position, 13)
    assert.equal(errorAt('t ge 2026-05-01').position, 5)
  })
})

describe('$filter nesting (issue 10 §6: a deep filter was a 500)', () => {
  const nested = (n: number) => `${'('.repeat(n)}status eq 'Active'${')'.repeat(n)}`
  test(`up to ${MAX_FILTER_DEPTH} levels of parentheses or not parse; one more is a FilterError at the position of the level that crossed`, () => {
    assert.deepEqual(matches(nested(MAX_FILTER_DEPTH)), [0])
    assert.deepEqual(matches(`${'not '.repeat(MAX_FILTER_DEPTH)}status eq 'Active'`), [0])
    const e = errorAt(nested(MAX_FILTER_DEPTH + 1))
    assert.equal(e.position, MAX_FILTER_DEPTH)
    assert.match(e.message, /nested more than 100 levels deep .* at position 100$/)
    assert.equal(errorAt(`${'not '.repeat(MAX_FILTER_DEPTH + 1)}status eq 'Active'`).position, 4 * MAX_FILTER_DEPTH)
    assert.equal(errorAt(`(${'not ('.repeat(60)}status eq 'Active'${')'.repeat(61)}`).position, 1 + 5 * 49 + 4)
  })

  test('hostile depths and long chains never overflow the stack', () => {
    assert.ok(errorAt(nested(200_000)) instanceof FilterError)
    assert.ok(errorAt('('.repeat(200_000)) instanceof FilterError)
    // 50,000 terms joined by and/or: flat n-ary nodes, no recursion per term.
    const chain = Array.from({ length: 50_000 }, (_, i) => (i % 2 ? `owner eq 'x${i}'` : `status ne 'Resolved'`)).join(' and ')
    assert.deepEqual(matches(chain), [])
    assert.deepEqual(matches(Array.from({ length: 50_000 }, () => `status eq 'Resolved'`).join(' or ')), [2])
  })
})

test('a field named like an Object.prototype member is unknown, not a crash (found by the fuzzer)', () => {
  for (const name of ['constructor', 'valueOf', 'toString', '__proto__', 'hasOwnProperty'])
    assert.match(errorAt(`(${name} eq '')`).message, /Could not find a filterable property named/)
})
