/**
 * Fuzzing the front end with mutated corpus queries (seeded, reproducible): the lexer, parser and
 * binder must either succeed or throw a KqlError with a code — never a TypeError, never hang.
 */
import assert from 'node:assert/strict'
import { existsSync, readFileSync } from 'node:fs'
import { describe, test } from 'node:test'
import { KqlEngine, KqlError } from '../../src/kql/index.js'
import { mulberry32 } from '../../src/kql/sample_data.js'
import { FALLBACK_QUERIES, mutate } from '../fuzz/kql_grammar.js'

const CORPUS = process.env.KQL_CORPUS ?? '/work/shared/kql/queries.jsonl'


describe('fuzz: mutated corpus queries', () => {
  test('2,000 mutations: only coded KqlErrors, each within the time budget', () => {
    const queries = existsSync(CORPUS) ? readFileSync(CORPUS, 'utf8').split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { query: string }).query) : FALLBACK_QUERIES
    const engine = new KqlEngine({ schema: existsSync('/work/shared/kql/schema.json') ? '/work/shared/kql/schema.json' : {} })
    const rnd = mulberry32(20261121)
    const codes = new Map<string, number>()
    let ok = 0
    const start = performance.now()
    for (let c = 0; c < 2000; c++) {
      const q = mutate(queries[Math.floor(rnd() * queries.length)]!, rnd)
      const t0 = performance.now()
      try {
        engine.bind(q)
        ok++
      } catch (e) {
        if (!(e instanceof KqlError) || typeof e.code !== 'string' || !(e.line >= 1 && e.column >= 1)) {
          assert.fail(`case ${c}: ${e instanceof Error ? e.stack : String(e)}\nquery: ${q}`)
        }
        codes.set(e.code, (codes.get(e.code) ?? 0) + 1)
      }
      assert.ok(performance.now() - t0 < 2000, `case ${c} took too long: ${q}`)
    }
    assert.ok(codes.get('ERR_KQL_SYNTAX')! > 100, 'mutations should produce syntax errors')
    // with the shared schema absent every table is unknown, so only the corpus run expects valid queries
    if (existsSync(CORPUS)) assert.ok(ok > 50, 'some mutations stay valid')
    assert.ok(performance.now() - start < 30000)
  })
})
