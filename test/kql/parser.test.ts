import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { KqlSyntaxError, parse, type Expr } from '../../src/kql/index.js'

/** The first query statement's tabular expression. */
function queryOf(q: string): Expr {
  const s = parse(q).statements.find((x) => x.kind === 'query')!
  assert.equal(s.kind, 'query')
  return (s as { expr: Expr }).expr
}
/** Renders a scalar expression with explicit parentheses, to check precedence. */
function show(e: Expr): string {
  switch (e.kind) {
    case 'binary': return `(${show(e.left)} ${e.op} ${show(e.right)})`
    case 'name': return e.name
    case 'literal': return JSON.stringify(e.value)
    case 'unary': return `(${e.op}${show(e.operand)})`
    case 'call': return `${e.name}(${e.args.map(show).join(', ')})`
    case 'in': return `(${show(e.left)} ${e.op} [${e.list.map(show).join(', ')}])`
    case 'between': return `(${show(e.left)} between ${show(e.low)}..${show(e.high)})`
    case 'member': return `${show(e.target)}.${e.member}`
    case 'index': return `${show(e.target)}[${show(e.index)}]`
    default: return e.kind
  }
}
const pred = (q: string): string => {
  const e = queryOf(`T | where ${q}`)
  assert.equal(e.kind, 'tabular')
  const t = (e as Expr & { kind: 'tabular' }).query
  assert.equal(t.kind, 'pipe')
  const op = (t as { op: { op: string; predicate: Expr } }).op
  return show(op.predicate)
}

describe('parser: one binding-power table', () => {
  test('and binds tighter than or; comparisons tighter than and; * tighter than +', () => {
    assert.equal(pred('a == 1 or b == 2 and c == 3'), '((a == 1) or ((b == 2) and (c == 3)))')
    assert.equal(pred('x + 2 * 3 > 4 - -1'), '((x + (2 * 3)) > (4 - (-1)))')
  })
  test('string operators, lists, between and matches regex', () => {
    assert.equal(pred('f has "x" and g !contains "y"'), '((f has "x") and (g !contains "y"))')
    assert.equal(pred('f in~ ("a", "b") and g has_any (L)'), '((f in~ ["a", "b"]) and (g has_any [L]))')
    assert.equal(pred('t between (1 .. 5)'), '(t between 1..5)')
    assert.equal(pred('f matches regex "^a"'), '(f matches regex "^a")')
  })
  test('member access, indexing and bracket-quoted names', () => {
    assert.equal(pred("parse_json(a).b[0]['c'] == ['my col']"), '(parse_json(a).b[0]["c"] == my col)')
  })
  test('typed literals: datetime, timespan, dynamic, guid, long(null)', () => {
    assert.equal(pred('t > datetime(2024-01-02 03:04:05)'), `(t > ${Date.parse('2024-01-02T03:04:05Z')})`)
    assert.equal(pred('d == dynamic({"a": [1, "x", null]})'), '(d == {"a":[1,"x",null]})')
    assert.equal(pred('s == time(1.02:00:00)'), `(s == ${(24 + 2) * 3600000})`)
    assert.equal(pred('g == guid(74BE27DE-1E4E-49D9-B579-FE0B331D3642)'), '(g == "74be27de-1e4e-49d9-b579-fe0b331d3642")')
    assert.equal(pred('n == long(null)'), '(n == null)')
  })
  test('let statements: scalars, tables, functions with tabular and default parameters', () => {
    const q = parse('let a = 1; let T2 = T | take 1; let f = (x:string, U:(*), y:long = 5) { U | where c == x }; f("a", T2)')
    assert.deepEqual(q.statements.map((s) => s.kind), ['let', 'let', 'letfn', 'query'])
    const fn = q.statements[2]!
    assert.ok(fn.kind === 'letfn')
    assert.deepEqual(fn.params.map((p) => [p.name, p.type, p.defaultValue !== undefined]), [['x', 'string', false], ['U', null, false], ['y', 'long', true]])
  })
  test('tabular operators parse into their AST nodes', () => {
    const ops = (q: string): string[] => {
      const out: string[] = []
      let t = (queryOf(q) as Expr & { kind: 'tabular' }).query
      while (t.kind === 'pipe') {
        out.unshift(t.op.op)
        t = t.input
      }
      return out
    }
    assert.deepEqual(ops('T | where a | extend b = 1 | project b | project-away c* | project-rename d = e | project-reorder f | summarize count() by bin(Timestamp, 1h) | join kind=leftouter (U) on $left.a == $right.b | sort by a desc nulls last | top 5 by a | take 3 | distinct * | count | union U | mv-expand x to typeof(string) | parse a with * "x" b:long | render timechart with (title="t") | evaluate bag_unpack(x) | invoke FileProfile() | lookup U on a | serialize | as X | make-series count() on Timestamp step 1h | getschema'),
      ['where', 'extend', 'project', 'project-away', 'project-rename', 'project-reorder', 'summarize', 'join', 'sort', 'top', 'take', 'distinct', 'count', 'union', 'mv-expand', 'parse', 'render', 'evaluate', 'invoke', 'lookup', 'serialize', 'as', 'make-series', 'getschema'])
  })
  test('syntax errors have ERR_KQL_SYNTAX and the offending line/column', () => {
    const check = (q: string, line: number, column: number): void => {
      assert.throws(() => parse(q), (e: unknown) => e instanceof KqlSyntaxError && e.code === 'ERR_KQL_SYNTAX' && e.line === line && e.column === column, q)
    }
    check('T | where', 1, 10)
    check('T\n| frobnicate x', 2, 3)
    check('T | where a ==', 1, 15)
    check('T | summarize count() by', 1, 25)
    check('T | join (U) on $left.a', 1, 24)
    check('let x = ;', 1, 9)
  })
})
