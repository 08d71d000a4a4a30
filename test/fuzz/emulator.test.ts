/**
 * Bounded fuzz runs of the emulator targets in `npm test` (a few seconds each, fixed seed:
 * M365D_FUZZ_SEED overrides it). The long runs are `scripts/fuzz.ts`; figures in BENCHMARKS.md.
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import fc from 'fast-check'
import { jsonBodiesTarget } from './json_bodies.target.js'
import { odataFilterTarget } from './odata_filter.target.js'
import { checkResponse, fuzz, FuzzFailure, testSeed, type FuzzTarget } from './target.js'
import { tokenFormTarget } from './token_form.target.js'

async function bounded(target: FuzzTarget<any>, numRuns: number): Promise<void> {
  const report = await fuzz(target, { numRuns, seconds: 20, seed: testSeed() })
  assert.equal(report.failure, undefined, `${target.name} (seed ${report.seed}, path ${report.failure?.path}): ${report.failure?.message}\ninput: ${report.failure?.counterexample}`)
  assert.ok(report.runs >= Math.min(numRuns, 100), `${target.name}: only ${report.runs} inputs ran`)
}

describe('fuzz (bounded)', { concurrency: false }, () => {
  test('token-form: 1,500 token requests', () => bounded(tokenFormTarget, 1500))
  test('odata-filter: 3,000 filters', () => bounded(odataFilterTarget, 3000))
  test('json-bodies: 1,500 API and control bodies', () => bounded(jsonBodiesTarget, 1500))
})

describe('the harness itself', () => {
  test('finds and shrinks a planted crash, a 5xx, an uncoded 4xx and a hang', async () => {
    const crash: FuzzTarget<number> = { name: 'crash', description: '', arbitrary: fc.integer({ min: 0, max: 1000 }), deadlineMs: 1000, run: (n) => { if (n > 500) throw new TypeError('boom') } }
    const r = await fuzz(crash, { numRuns: 2000, seed: 1 })
    assert.match(r.failure?.message ?? '', /TypeError: boom/)
    assert.equal(r.failure?.counterexample, '501', 'shrunk to the smallest failing input')
    const coded: FuzzTarget<number> = { ...crash, run: () => { throw Object.assign(new Error('bad input'), { code: 'ERR_X' }) } }
    assert.equal((await fuzz(coded, { numRuns: 50, seed: 1 })).failure, undefined, 'a coded error is an accepted outcome')
    const hang: FuzzTarget<number> = { ...crash, deadlineMs: 5, run: (n) => { if (n === 0) { const end = Date.now() + 20; while (Date.now() < end); } } }
    assert.match((await fuzz(hang, { numRuns: 200, seed: 1 })).failure?.message ?? '', /hang/)
    await assert.rejects(checkResponse(new Response('oops', { status: 500 }), 'x'), FuzzFailure)
    await assert.rejects(checkResponse(new Response('<html>bad</html>', { status: 400 }), 'x'), FuzzFailure)
    await assert.rejects(checkResponse(Response.json({ message: 'no code' }, { status: 400 }), 'x'), FuzzFailure)
    await checkResponse(Response.json({ error: { code: 'BadRequest', message: 'm' } }, { status: 400 }), 'x')
    await checkResponse(Response.json({ error: 'invalid_request' }, { status: 400 }), 'x')
  })
})
