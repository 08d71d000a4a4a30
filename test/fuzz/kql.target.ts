/**
 * Fuzz target `kql`: the KQL engine (src/kql) over the advanced hunting schema and generated
 * tables, under the emulator's limits scaled down (rows, values, a 2 s deadline). Inputs are
 * queries built from the grammar (kql_grammar.ts: sources, every operator the engine knows, every
 * registered function and aggregate with any arity, literals of every type, nested subqueries),
 * real queries from the public corpus mutated token by token, and raw strings. The only
 * acceptable failure is a KqlError with a code and a line/column; a query that runs is also
 * rendered as the hunting API renders it (query.ts), which must not fail.
 */
import { existsSync, readFileSync } from 'node:fs'
import fc from 'fast-check'
import { generateHuntingData, huntingSchema } from '../../src/emulator/hunting/index.js'
import { defaultHuntingLimits } from '../../src/emulator/hunting/limits.js'
import { executeQuery } from '../../src/emulator/hunting/query.js'
import { KqlEngine, KqlError, type Table } from '../../src/kql/index.js'
import { mulberry32 } from '../../src/kql/sample_data.js'
import { FALLBACK_QUERIES, mutate, query, type Grammar } from './kql_grammar.js'
import { FuzzFailure, type FuzzTarget } from './target.js'

const CORPUS = process.env.KQL_CORPUS ?? '/work/shared/kql/queries.jsonl'
const NOW = Date.parse('2026-11-01T12:00:00Z')
const DEADLINE_MS = 2_000

let engine: KqlEngine | undefined
let tables: Map<string, Table>
let grammar: Grammar
const corpus = existsSync(CORPUS) ? readFileSync(CORPUS, 'utf8').split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { query: string }).query) : FALLBACK_QUERIES

const limits = { ...defaultHuntingLimits(), maxIntermediateRows: 200_000, maxIntermediateValues: 2_000_000, timeoutMs: DEADLINE_MS, cpuScale: 1 }

export const kqlTarget: FuzzTarget<string> = {
  name: 'kql',
  description: 'KQL engine: grammar-built queries, mutated public queries and raw strings, over the hunting schema',
  deadlineMs: DEADLINE_MS + 3_000,
  arbitrary: fc.oneof(
    { weight: 5, arbitrary: fc.integer().map((seed) => query(mulberry32(seed), 3, grammar)) },
    { weight: 4, arbitrary: fc.tuple(fc.nat(), fc.integer()).map(([i, seed]) => mutate(corpus[i % corpus.length]!, mulberry32(seed))) },
    { weight: 1, arbitrary: fc.string({ maxLength: 80 }) },
  ),
  async setup() {
    tables = generateHuntingData({ tenantId: 'fuzz', domain: 'contoso.onmicrosoft.com', seed: 1, now: NOW, incidents: [], schema: huntingSchema(), rows: 2_000 })
    engine = new KqlEngine({ schema: huntingSchema(), tables: (n) => tables.get(n), clock: { now: () => NOW, sleep: () => Promise.resolve() }, maxRows: limits.maxIntermediateRows, maxValues: limits.maxIntermediateValues, timeoutMs: DEADLINE_MS })
    grammar = { functions: [...engine.functions.keys()], aggregates: [...engine.aggregates.keys()] }
  },
  run(q) {
    try {
      engine!.run(q)
    } catch (e) {
      if (e instanceof KqlError && typeof e.code === 'string' && e.line >= 1 && e.column >= 1) return
      throw new FuzzFailure(`not a coded KqlError with a position: ${e instanceof Error ? e.stack : String(e)}`)
    }
    const out = executeQuery(tables, { query: q, window: { start: NOW - 30 * 86_400_000, end: NOW + 1 }, now: NOW, limits, externalData: [] })
    if (!out.ok && out.status >= 500) throw new FuzzFailure(`the hunting API would answer ${out.status}: ${out.message}`)
  },
}
