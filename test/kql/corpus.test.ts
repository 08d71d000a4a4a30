/**
 * The oracle comparison over the public hunting-query corpus. The oracle's verdicts (Microsoft's
 * Kusto.Language parser/analyser) are cached in fixtures/oracle.json; regenerate them with
 *   node --import tsx scripts/kql-corpus.ts --write-fixture
 * Thresholds sit a little below the figures reached (docs/kql.md) so regressions fail.
 */
import assert from 'node:assert/strict'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, test } from 'node:test'
import { runCorpus, summarize, type OracleVerdict } from '../../scripts/kql-corpus.js'

const CORPUS = process.env.KQL_CORPUS ?? '/work/shared/kql/queries.jsonl'
// next to this file when run from source; from the repo root when run compiled (dist/ holds no JSON)
const here = fileURLToPath(new URL('./fixtures/oracle.json', import.meta.url))
const FIXTURE = existsSync(here) ? here : join(process.cwd(), 'test/kql/fixtures/oracle.json')
const fixture = JSON.parse(readFileSync(FIXTURE, 'utf8')) as Record<string, OracleVerdict>

describe('corpus vs the Kusto.Language oracle', { skip: existsSync(CORPUS) ? false : `corpus not found at ${CORPUS}` }, () => {
  test('parse+bind, schema and run rates on oracle-clean queries', () => {
    const results = runCorpus({ oracle: (id) => fixture[id] ?? { ok: false, columns: null, error: 'not in fixture' } })
    const s = summarize(results)
    const rate = (n: number): number => (100 * n) / s.clean
    assert.ok(s.clean > 1000, `expected > 1000 oracle-clean queries, got ${s.clean}`)
    assert.ok(rate(s.bound) >= 99.5, `parse+bind ${rate(s.bound).toFixed(1)} % < 99.5 %; top reasons: ${JSON.stringify(s.top.slice(0, 5))}`)
    assert.ok(rate(s.schema) >= 99, `schema match ${rate(s.schema).toFixed(1)} % < 99 %`)
    assert.ok(rate(s.ran) >= 99, `run with oracle schema ${rate(s.ran).toFixed(1)} % < 99 %`)
    // No query may crash the engine with anything but a coded KqlError.
    const crashes = results.filter((r) => r.bind.startsWith('CRASH') || r.run.startsWith('CRASH'))
    assert.deepEqual(crashes.map((r) => `${r.id}: ${r.bind} ${r.run}`), [])
  })
})
