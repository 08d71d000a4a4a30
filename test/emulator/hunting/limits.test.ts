// Issue 10 §1 over real HTTP: no hunting query can crash or stall the emulator. Each DoS case
// answers with the service's status and error body on both surfaces; the API keeps answering while
// a long query runs on a worker; a worker that exhausts its heap or passes the hard timeout is
// replaced. The node:test `timeout` options are hang guards, not speed assertions.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { createEmulator, serve, WELL_KNOWN as W, type Emulator, type RunningEmulator } from '../../../src/emulator/index.js'
import { huntingOf } from '../../../src/emulator/hunting/index.js'

const LEGACY = 'https://api.security.microsoft.com/.default'
const GRAPH = 'https://graph.microsoft.com/.default'
const HANG = { timeout: 60_000 }
let emu: Emulator
let srv: RunningEmulator
const tokens = new Map<string, string>()

async function token(scope: string): Promise<string> {
  if (!tokens.has(scope)) {
    const r = await fetch(`${srv.url}/${W.contosoTenantId}/oauth2/v2.0/token`, { method: 'POST', body: new URLSearchParams({ grant_type: 'client_credentials', client_id: W.clientId, client_secret: W.clientSecret, scope }) })
    const body = (await r.json()) as { access_token?: string }
    assert.ok(body.access_token, JSON.stringify(body))
    tokens.set(scope, body.access_token)
  }
  return tokens.get(scope)!
}

async function run(surface: 'legacy' | 'graph', query: string): Promise<{ status: number; body: any }> {
  const path = surface === 'legacy' ? '/api/advancedhunting/run' : '/v1.0/security/runHuntingQuery'
  const t = await token(surface === 'legacy' ? LEGACY : GRAPH)
  const r = await fetch(srv.url + path, { method: 'POST', headers: { authorization: `Bearer ${t}`, 'content-type': 'application/json' }, body: JSON.stringify({ Query: query }) })
  return { status: r.status, body: await r.json() }
}

async function limits(patch: object): Promise<void> {
  const r = await fetch(`${srv.url}/_emulator/hunting/limits`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify(patch) })
  assert.equal(r.status, 200, await r.text())
}

/** Both surfaces answer 400 with the documented message (legacy keeps BadRequest; Graph's error object carries it too). */
async function refusedOnBoth(query: string, message: RegExp): Promise<void> {
  for (const surface of ['legacy', 'graph'] as const) {
    const r = await run(surface, query)
    assert.equal(r.status, 400, `${surface}: ${JSON.stringify(r.body)}`)
    assert.equal(r.body.error.code, 'BadRequest')
    assert.match(r.body.error.message, message, surface)
  }
}

const STOPPED = (op: string) => new RegExp(`^Query stopped\\. Adjust use of the ${op} operator to avoid excessive resource consumption\\.`)
/** Seconds of real work for one worker, well inside every limit. */
const LONG = 'range i from 1 to 1500000 step 1 | extend s = strcat("x", tostring(i)) | where s matches regex "(x|y)1.*[79]$" | summarize n = count()'

describe('hunting queries cannot crash or stall the emulator', () => {
  before(async () => {
    emu = await createEmulator({ defender: { incidentsPerTenant: 10, limits: { enabled: false } } })
    srv = await serve(emu)
    huntingOf(emu).configure({ rowsPerTenant: 2000, limits: { enabled: false } })
  })
  after(async () => {
    await srv.close()
    await emu.close()
  })

  test('range over ten years at 1ms (the crash of issue 10) is refused on both surfaces', HANG, async () => {
    await refusedOnBoth('range t from datetime(2015-01-01) to datetime(2025-01-01) step 1ms | count', STOPPED('range'))
    await refusedOnBoth('range i from 1 to 100000000 step 1 | count', STOPPED('range'))
  })
  test('a backtracking regex on a long input answers (RE2: linear time)', HANG, async () => {
    const r = await run('legacy', 'print s = strcat_array(range(1, 200000), "") | extend m = s matches regex "(\\\\d+)+$x" | project m')
    assert.equal(r.status, 200, JSON.stringify(r.body))
    assert.deepEqual(r.body.Results, [{ m: false }])
  })
  test('a huge mv-expand and a cross join explosion are refused', HANG, async () => {
    await refusedOnBoth('range i from 1 to 5000 step 1 | extend a = range(1, 1000) | mv-expand a | count', STOPPED('mv-expand'))
    await refusedOnBoth('range i from 1 to 100000 step 1 | extend k = 1 | join kind=inner (range j from 1 to 100000 step 1 | extend k = 1) on k | count', STOPPED('join'))
    await refusedOnBoth('DeviceInfo | make-series n = count() on Timestamp from datetime(2015-01-01) to datetime(2025-01-01) step 1ms', STOPPED('make-series'))
  })
  test('an invalid regex is a 400 with the position', async () => {
    await refusedOnBoth('DeviceInfo | where DeviceName matches regex "(a"', /'matches regex' operator: the regular expression '\(a' is not valid RE2: .*\(line 1, column \d+\)$/)
  })
  test('the API answers tokens and discovery while a long query runs', HANG, async () => {
    let settled = false
    const long = run('legacy', LONG).finally(() => (settled = true))
    // give the worker the job first
    await new Promise((r) => setTimeout(r, 50))
    const t = await fetch(`${srv.url}/${W.contosoTenantId}/oauth2/v2.0/token`, { method: 'POST', body: new URLSearchParams({ grant_type: 'client_credentials', client_id: W.clientId, client_secret: W.clientSecret, scope: GRAPH }) })
    assert.equal(t.status, 200)
    const d = await fetch(`${srv.url}/${W.contosoTenantId}/v2.0/.well-known/openid-configuration`)
    assert.equal(d.status, 200)
    assert.equal(settled, false, 'the query was still running while the API answered')
    const r = await long
    assert.equal(r.status, 200, JSON.stringify(r.body))
    assert.equal(typeof r.body.Results[0].n, 'number')
  })
  test('the 3-minute timeout holds inside a long operator: 400 "Query exceeded the timeout period."', HANG, async () => {
    // cpuScale makes each engine millisecond a charged second: the deadline is 180 ms of run time
    await limits({ cpuScale: 1000, timeoutMs: 180_000 })
    try {
      for (const surface of ['legacy', 'graph'] as const) {
        const r = await run(surface, LONG)
        assert.equal(r.status, 400, JSON.stringify(r.body))
        assert.deepEqual(r.body.error.code, 'BadRequest')
        assert.equal(r.body.error.message, 'Query exceeded the timeout period.')
      }
    } finally {
      await limits({ cpuScale: 1, timeoutMs: 180_000 })
    }
  })
})

describe('a query that exhausts its worker\'s heap', () => {
  let small: Emulator
  let server: RunningEmulator
  before(async () => {
    small = await createEmulator({ defender: { incidentsPerTenant: 5, limits: { enabled: false } } })
    huntingOf(small).configure({ rowsPerTenant: 500, limits: { enabled: false }, pool: { workers: 1, maxOldGenerationSizeMb: 48 } })
    server = await serve(small)
  })
  after(async () => {
    await server.close()
    await small.close()
  })
  test('costs its worker, not the emulator: 400 "Query stopped due to excessive resource consumption."', HANG, async () => {
    const t = await fetch(`${server.url}/${W.contosoTenantId}/oauth2/v2.0/token`, { method: 'POST', body: new URLSearchParams({ grant_type: 'client_credentials', client_id: W.clientId, client_secret: W.clientSecret, scope: LEGACY }) })
    const { access_token } = (await t.json()) as { access_token: string }
    const q = (query: string) => fetch(`${server.url}/api/advancedhunting/run`, { method: 'POST', headers: { authorization: `Bearer ${access_token}`, 'content-type': 'application/json' }, body: JSON.stringify({ Query: query }) })
    const r = await q('range i from 1 to 1900000 step 1 | extend s = strcat("row-", tostring(i), "-", tostring(i * 7)) | summarize l = make_list(s), m = make_list(strcat(s, s))')
    const body = (await r.json()) as { error: { code: string; message: string } }
    assert.equal(r.status, 400, JSON.stringify(body))
    assert.equal(body.error.code, 'BadRequest')
    assert.equal(body.error.message, 'Query stopped due to excessive resource consumption.')
    assert.equal((await q('DeviceInfo | count')).status, 200, 'a fresh worker answers the next query')
  })
})

describe('a worker past the hard timeout', () => {
  let e: Emulator
  let server: RunningEmulator
  before(async () => {
    e = await createEmulator({ defender: { incidentsPerTenant: 5, limits: { enabled: false } } })
    // cpuScale 0 turns the engine's own deadline off: only the pool's hard timeout (100 ms, no grace) is left
    huntingOf(e).configure({ rowsPerTenant: 500, limits: { enabled: false, cpuScale: 0, timeoutMs: 100 }, pool: { workers: 1, graceMs: 0 } })
    server = await serve(e)
  })
  after(async () => {
    await server.close()
    await e.close()
  })
  test('is terminated and replaced; the query gets 400 "Query exceeded the timeout period."', HANG, async () => {
    srv = server
    tokens.clear()
    const r = await run('graph', LONG)
    assert.equal(r.status, 400, JSON.stringify(r.body))
    assert.equal(r.body.error.message, 'Query exceeded the timeout period.')
    assert.equal(huntingOf(e).pool!.replaced, 1)
    await limits({ cpuScale: 1, timeoutMs: 180_000 })
    assert.equal((await run('legacy', 'DeviceInfo | count')).status, 200, 'a fresh worker answers the next query')
    assert.equal(huntingOf(e).pool!.workers, 1)
  })
})
