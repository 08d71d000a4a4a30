/**
 * Kusto regexes are RE2 (https://learn.microsoft.com/kusto/query/re2): RE2 syntax works, JS-only
 * syntax is refused, flags translate, and an invalid pattern is a coded semantic error.
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { KqlError, KqlSemanticError } from '../../src/kql/index.js'
import { kustoRegex } from '../../src/kql/regex.js'
import { engine, rows, scalar } from './helpers.js'

describe('RE2 regexes', () => {
  test('RE2 syntax: inline flags anywhere, (?P<name>…), \\A and \\z, ungreedy (?U)', () => {
    assert.equal(scalar('"xxPowerShell" matches regex "xx(?i)powershell"'), true)
    assert.equal(scalar('"XXPowerShell" matches regex "xx(?i)powershell"'), false)
    assert.equal(scalar('extract("(?P<n>\\\\d+)", 1, "ab 123")'), '123')
    assert.equal(scalar('"abc" matches regex "\\\\Aabc\\\\z"'), true)
    assert.equal(scalar('extract("(?U)a+", 0, "aaa")'), 'a')
  })
  test('replace_regex rewrites with \\0 and \\1; extract_all and countof kind=regex', () => {
    assert.equal(scalar('replace_regex("a1b22", "(\\\\d+)", "<\\\\1>")'), 'a<1>b<22>')
    assert.equal(scalar('replace_regex("ab", "b", "[\\\\0]")'), 'a[b]')
    assert.deepEqual(scalar('extract_all("(\\\\d)(\\\\w)", "1a 2b")'), [['1', 'a'], ['2', 'b']])
    assert.equal(scalar('countof("aXbXc", "[A-Z]", "regex")'), 2)
    assert.equal(scalar('trim("-+", "--ab--")'), 'ab')
  })
  test('parse kind=regex honours flags=', () => {
    assert.deepEqual(rows('print s = "Name=ALICE" | parse kind=regex flags=i s with "name=" who:string | project who'), [{ who: 'ALICE' }])
    assert.deepEqual(rows('print s = "Name=ALICE" | parse kind=regex s with "name=" who:string | project who'), [{ who: '' }])
  })
  test('an invalid or non-RE2 pattern is ERR_KQL_REGEX at bind time, with its position', () => {
    for (const q of ['Proc | where FileName matches regex "("', 'Proc | extend x = extract("(a)\\\\1", 1, FileName)', 'Proc | where FileName matches regex "(?<=a)b"', 'Proc | parse kind=regex FileName with "(" x:string']) {
      assert.throws(() => engine().bind(q), (e: unknown) => e instanceof KqlSemanticError && e.code === 'ERR_KQL_REGEX' && e.column > 1 && /not a valid RE2|not valid RE2/.test(e.message), q)
    }
  })
  test('a pattern from the data that is invalid fails with the same code at run time', () => {
    assert.throws(() => engine().run('print p = "(" | extend m = "x" matches regex p'), (e: unknown) => e instanceof KqlError && e.code === 'ERR_KQL_REGEX')
  })
  test('matching is linear: (a+)+$ on 200,000 characters', { timeout: 20_000 }, () => {
    assert.equal(kustoRegex('(a+)+$').test(`${'a'.repeat(200_000)}b`), false)
    assert.equal(kustoRegex('^(a|a?)+$').test('a'.repeat(200_000)), true)
  })
})
