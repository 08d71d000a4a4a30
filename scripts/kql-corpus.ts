/**
 * Runs the hunting-query corpus through Microsoft's own Kusto parser/analyser (the oracle,
 * @kusto/language-service-next, dev dependency) and through src/kql, and prints:
 *   oracle-clean queries, % we parse+bind, % with the oracle's result schema, % that run to
 *   completion on generated data with that schema, and the top failure reasons.
 *
 *   node --import tsx scripts/kql-corpus.ts [--limit N] [--out /tmp/kql-corpus.json] [--write-fixture]
 *
 * --cached uses that fixture instead of running the oracle.
 * --write-fixture regenerates test/kql/fixtures/oracle.json (the cached oracle verdicts the corpus
 * test uses, so the test does not pay for the oracle).
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { KqlEngine, loadSchema, type KqlError } from '../src/kql/index.js'
import { generateSampleTables } from '../src/kql/sample_data.js'

const CORPUS = process.env.KQL_CORPUS ?? '/work/shared/kql/queries.jsonl'
const SCHEMA = process.env.KQL_SCHEMA ?? '/work/shared/kql/schema.json'
const FIXTURE = new URL('../test/kql/fixtures/oracle.json', import.meta.url)
const NOW = Date.parse('2026-11-01T12:00:00Z')

export interface OracleVerdict {
  readonly ok: boolean
  readonly columns: readonly (readonly [string, string])[] | null
  readonly error?: string
}

/** Loads the oracle and returns an analyser over the given schema. */
export function makeOracle(schemaJson: Record<string, [string, string][]>): (query: string) => OracleVerdict {
  const require = createRequire(import.meta.url)
  require('@kusto/language-service-next/bridge.js')
  require('@kusto/language-service-next')
  const K = (globalThis as unknown as { Kusto: any }).Kusto
  const S = K.Language.Symbols
  const tables = Object.entries(schemaJson).map(([t, cols]) => new S.TableSymbol.$ctor7(t, `(${cols.map(([c, ty]) => `['${c}']:${ty}`).join(', ')})`, null))
  const globals = K.Language.GlobalState.Default.WithDatabase(new S.DatabaseSymbol.$ctor2('hunting', null, tables))
  return (query) => {
    const code = K.Language.KustoCode.ParseAndAnalyze(query, globals)
    const diags = code.GetDiagnostics()
    let error: string | undefined
    for (let i = 0; i < diags.Count; i++) {
      const d = diags.getItem(i)
      if (d.Severity === 'Error') {
        error = `${d.Code}: ${d.Message}`
        break
      }
    }
    const rt = code.ResultType
    let columns: [string, string][] | null = null
    if (rt && rt.Columns) {
      columns = []
      for (let i = 0; i < rt.Columns.Count; i++) {
        const c = rt.Columns.getItem(i)
        columns.push([c.Name, c.Type.Name])
      }
    }
    return error === undefined ? { ok: true, columns } : { ok: false, columns, error }
  }
}

export interface QueryResult {
  id: string
  oracle: OracleVerdict
  bind: 'ok' | string
  schemaMatch: boolean
  run: 'ok' | string
  runSchemaMatch: boolean
  ms: number
}

const reason = (e: unknown): string => {
  const err = e as KqlError
  return `${err?.code ?? 'CRASH'}: ${String(err?.message ?? e)}`
}
/** Groups failure messages: positions and quoted names removed. */
const normalize = (why: string): string => why.replace(/ \(line \d+, column \d+\)/, '').replace(/'[^']*'/g, "'…'").slice(0, 130)

function sameSchema(a: readonly (readonly [string, string])[] | null, b: readonly { name: string; type: string }[]): boolean {
  if (!a) return false
  return a.length === b.length && a.every(([n, t], i) => b[i]!.name === n && b[i]!.type === t)
}

export function runCorpus(opts: { limit?: number; oracle: (id: string, q: string) => OracleVerdict }): QueryResult[] {
  const schemaJson = JSON.parse(readFileSync(SCHEMA, 'utf8'))
  const schema = loadSchema(schemaJson)
  const data = generateSampleTables(schema, { rows: 200, now: NOW - 3600000 })
  // The runner allow-lists every externaldata URI with a small synthetic file (no network here);
  // the engine itself denies any URI its host has not allowed (ERR_KQL_EXTERNALDATA_DENIED).
  const synthetic = (uri: string): string => (/json/i.test(uri) ? '{"Name":"powershell.exe","Value":"1"}\n{"Name":"cmd.exe","Value":"2"}\n' : 'powershell.exe,1,203.0.113.7\ncmd.exe,2,10.0.0.5\n')
  const engine = new KqlEngine({ schema, tables: (n) => data.get(n), externalData: synthetic, clock: { now: () => NOW, sleep: async () => {} }, maxRows: 200_000 })
  const lines = readFileSync(CORPUS, 'utf8').split('\n').filter(Boolean)
  const results: QueryResult[] = []
  for (const line of lines.slice(0, opts.limit ?? lines.length)) {
    const { id, query } = JSON.parse(line) as { id: string; query: string }
    if (process.env.KQL_TRACE) console.error(id)
    const oracle = opts.oracle(id, query)
    const t0 = performance.now()
    const r: QueryResult = { id, oracle, bind: 'ok', schemaMatch: false, run: 'skipped', runSchemaMatch: false, ms: 0 }
    try {
      const bound = engine.bind(query)
      r.schemaMatch = sameSchema(oracle.columns, bound.schema)
      try {
        const t = bound.run()
        r.run = 'ok'
        r.runSchemaMatch = sameSchema(oracle.columns, t.columns)
      } catch (e) {
        r.run = reason(e)
      }
    } catch (e) {
      r.bind = reason(e)
    }
    r.ms = Math.round(performance.now() - t0)
    results.push(r)
  }
  return results
}

export function summarize(results: readonly QueryResult[]): { clean: number; bound: number; schema: number; ran: number; top: [string, number][] } {
  const clean = results.filter((r) => r.oracle.ok)
  const bound = clean.filter((r) => r.bind === 'ok')
  const schema = clean.filter((r) => r.schemaMatch)
  const ran = clean.filter((r) => r.run === 'ok' && r.runSchemaMatch)
  const reasons = new Map<string, number>()
  for (const r of clean) {
    const why = r.bind !== 'ok' ? `bind ${r.bind}` : !r.schemaMatch ? 'schema differs from the oracle' : r.run !== 'ok' ? `run ${r.run}` : !r.runSchemaMatch ? 'run: result schema differs' : null
    if (why) reasons.set(normalize(why), (reasons.get(normalize(why)) ?? 0) + 1)
  }
  return { clean: clean.length, bound: bound.length, schema: schema.length, ran: ran.length, top: [...reasons].sort((a, b) => b[1] - a[1]).slice(0, 20) }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2)
  const limitAt = args.indexOf('--limit')
  const limit = limitAt >= 0 ? Number(args[limitAt + 1]) : undefined
  const outAt = args.indexOf('--out')
  const out = outAt >= 0 ? args[outAt + 1]! : '/tmp/kql-corpus.json'
  const verbose = args.includes('--verbose')
  const t0 = performance.now()
  // --cached: reuse the committed oracle verdicts (seconds instead of ~100 s of oracle time)
  const cached = args.includes('--cached') ? (JSON.parse(readFileSync(FIXTURE, 'utf8')) as Record<string, OracleVerdict>) : undefined
  const oracle = cached ? undefined : makeOracle(JSON.parse(readFileSync(SCHEMA, 'utf8')))
  const verdicts: Record<string, OracleVerdict> = {}
  const results = runCorpus({ ...(limit === undefined ? {} : { limit }), oracle: (id, q) => (verdicts[id] = cached ? cached[id] ?? { ok: false, columns: null, error: 'not in fixture' } : oracle!(q)) })
  const s = summarize(results)
  const pct = (n: number): string => `${((100 * n) / Math.max(1, s.clean)).toFixed(1)} %`
  console.log(`queries: ${results.length}; oracle-clean: ${s.clean}`)
  console.log(`parse+bind:            ${s.bound}/${s.clean} = ${pct(s.bound)}`)
  console.log(`schema = oracle's:     ${s.schema}/${s.clean} = ${pct(s.schema)}`)
  console.log(`run + oracle's schema: ${s.ran}/${s.clean} = ${pct(s.ran)}`)
  console.log(`time: ${((performance.now() - t0) / 1000).toFixed(1)} s`)
  console.log('top failure reasons (oracle-clean queries):')
  for (const [why, n] of s.top) console.log(`  ${String(n).padStart(4)}  ${why}`)
  if (verbose) {
    for (const r of results) if (r.oracle.ok && !r.schemaMatch && r.bind === 'ok') console.log(r.id)
  }
  writeFileSync(out, JSON.stringify(results, null, 1))
  console.log(`per-query results: ${out}`)
  if (args.includes('--write-fixture')) {
    writeFileSync(FIXTURE, JSON.stringify(verdicts))
    console.log(`oracle fixture: ${FIXTURE.pathname}`)
  }
}
