import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { KqlSyntaxError, tokenize } from '../../src/kql/index.js'

const kinds = (q: string): string[] => tokenize(q).map((t) => `${t.kind}:${t.kind === 'string' ? JSON.stringify(t.text) : t.text}`)

describe('lexer', () => {
  test('tokens carry offset, line and column', () => {
    const toks = tokenize('T\n| where x == 1')
    const where = toks.find((t) => t.text === 'where')!
    assert.equal(where.start, 4)
    assert.equal(where.line, 2)
    assert.equal(where.column, 3)
  })

  test('string literal forms: escapes, verbatim, obfuscated, multi-line, adjacent', () => {
    const t = tokenize(String.raw`"a\"b\\c\n" 'it''s' @"C:\x""y" @'q''r' h"secret" H@'C:\z' ` + '```line1\nline2```')
    assert.deepEqual(t.filter((x) => x.kind === 'string').map((x) => x.text), ['a"b\\c\n', 'it', 's', 'C:\\x"y', "q'r", 'secret', 'C:\\z', 'line1\nline2'])
  })

  test('numbers: long, real, exponent, hex; timespans in every unit', () => {
    const t = tokenize('42 1.5 2e3 0x1F 7d 1h 30m 10s 100ms 1.5h 2min 1tick 3microsecond')
    assert.deepEqual(t.slice(0, -1).map((x) => [x.kind, x.value]), [
      ['long', 42], ['real', 1.5], ['real', 2000], ['long', 31], ['timespan', 7 * 86400000], ['timespan', 3600000], ['timespan', 1800000],
      ['timespan', 10000], ['timespan', 100], ['timespan', 5400000], ['timespan', 120000], ['timespan', 0.0001], ['timespan', 0.003],
    ])
  })

  test('operators, dashed operator names, negated string operators, in~', () => {
    assert.deepEqual(kinds('a !has "x" | project-away b | mv-expand c | where d in~ ("e") and f !in (g) and h =~ i and j !~ k and l != m and n <= o and 1..2 => p'), [
      'ident:a', 'punct:!has', 'string:"x"', 'punct:|', 'ident:project-away', 'ident:b', 'punct:|', 'ident:mv-expand', 'ident:c', 'punct:|', 'ident:where',
      'ident:d', 'punct:in~', 'punct:(', 'string:"e"', 'punct:)', 'ident:and', 'ident:f', 'punct:!in', 'punct:(', 'ident:g', 'punct:)', 'ident:and',
      'ident:h', 'punct:=~', 'ident:i', 'ident:and', 'ident:j', 'punct:!~', 'ident:k', 'ident:and', 'ident:l', 'punct:!=', 'ident:m', 'ident:and',
      'ident:n', 'punct:<=', 'ident:o', 'ident:and', 'long:1', 'punct:..', 'long:2', 'punct:=>', 'ident:p', 'eof:',
    ])
  })

  test('comments and unicode spaces are skipped; $left and digit-leading names are identifiers', () => {
    assert.deepEqual(kinds('// c\n$left.X\u00a0\u200b2022Cves // tail'), ['ident:$left', 'punct:.', 'ident:X', 'ident:2022Cves', 'eof:'])
  })

  test('errors: unterminated string and stray characters carry code and position', () => {
    assert.throws(() => tokenize('T | where a == "abc'), (e: unknown) => e instanceof KqlSyntaxError && e.code === 'ERR_KQL_SYNTAX' && e.line === 1 && e.column === 16)
    assert.throws(() => tokenize('T\n | where a == #'), (e: unknown) => e instanceof KqlSyntaxError && e.line === 2 && e.column === 15)
  })
})
