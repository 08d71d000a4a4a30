/**
 * Fuzzing the front end with mutated corpus queries (seeded, reproducible): the lexer, parser and
 * binder must either succeed or throw a KqlError with a code — never a TypeError, never hang.
 */
import assert from 'node:assert/strict'
import { existsSync, readFileSync } from 'node:fs'
import { describe, test } from 'node:test'
import { KqlEngine, KqlError, tokenize, type Token } from '../../src/kql/index.js'
import { mulberry32 } from '../../src/kql/sample_data.js'

const CORPUS = process.env.KQL_CORPUS ?? '/work/shared/kql/queries.jsonl'
const FALLBACK = [
  'DeviceProcessEvents | where Timestamp > ago(7d) and FileName =~ "powershell.exe" | summarize count() by DeviceName, bin(Timestamp, 1h)',
  'let x = dynamic(["a", "b"]); DeviceNetworkEvents | where RemoteIP in (x) | join kind=leftouter (DeviceInfo | project DeviceId, OSPlatform) on DeviceId',
  'DeviceFileEvents | extend p = parse_json(AdditionalFields) | mv-expand p | project-away AdditionalFields | top 10 by Timestamp desc',
]


function mutate(q: string, rnd: () => number): string {
  let toks: Token[]
  try {
    toks = tokenize(q).filter((t) => t.kind !== 'eof')
  } catch {
    return q.slice(0, Math.floor(rnd() * q.length))
  }
  const parts = toks.map((t) => q.slice(t.start, t.end))
  const n = 1 + Math.floor(rnd() * 3)
  for (let k = 0; k < n && parts.length > 1; k++) {
    const i = Math.floor(rnd() * parts.length)
    const j = Math.floor(rnd() * parts.length)
    switch (Math.floor(rnd() * 4)) {
      case 0: parts.splice(i, 1); break
      case 1: parts.splice(i, 0, parts[j]!); break
      case 2: [parts[i], parts[j]] = [parts[j]!, parts[i]!]; break
      default: parts.length = Math.max(1, i)
    }
  }
  return parts.join(' ')
}

describe('fuzz: mutated corpus queries', () => {
  test('2,000 mutations: only coded KqlErrors, each within the time budget', () => {
    const queries = existsSync(CORPUS) ? readFileSync(CORPUS, 'utf8').split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { query: string }).query) : FALLBACK
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
