/**
 * Bounded fuzz run of the `kql` target in `npm test` (fixed seed; M365D_FUZZ_SEED overrides it).
 * The long run is `node --import tsx scripts/fuzz.ts kql --seconds N`; figures in BENCHMARKS.md.
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { kqlTarget } from './kql.target.js'
import { fuzz, testSeed } from './target.js'

describe('fuzz (bounded): kql', () => {
  test('kql: 1,500 queries — only coded KqlErrors, none over the deadline', { timeout: 120_000 }, async () => {
    const report = await fuzz(kqlTarget, { numRuns: 1500, seconds: 60, seed: testSeed() })
    assert.equal(report.failure, undefined, `kql (seed ${report.seed}, path ${report.failure?.path}): ${report.failure?.message}\ninput: ${report.failure?.counterexample}`)
    assert.ok(report.runs >= 300, `only ${report.runs} inputs ran`)
  })
})
