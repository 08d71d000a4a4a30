// hunt() / HuntingClient against the real emulator over HTTP on both surfaces: typed rows, errors
// with positions, guards, 429 handling and time-window splitting at the row and size caps.
import assert from 'node:assert/strict'
import { after, before, beforeEach, describe, test } from 'node:test'
import { TokenProvider } from '../../src/auth/index.js'
import { hunt, HuntingClient, type HuntOptions } from '../../src/defender/index.js'
import { createEmulator, serve, WELL_KNOWN as W, type Emulator, type RunningEmulator } from '../../src/emulator/index.js'
import { huntingOf } from '../../src/emulator/hunting/index.js'
import { ManualClock } from '../../src/lib/clock.js'
import { untilSleeping } from './_peer.js'

const DAY = 86_400_000
let emu: Emulator
let srv: RunningEmulator
let provider: TokenProvider

async function control(method: string, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${srv.url}/_emulator${path}`, { method, headers: { 'content-type': 'application/json' }, ...(body !== undefined && { body: JSON.stringify(body) }) })
  assert.ok(res.ok, `${method} ${path} → ${res.status} ${await res.clone().text()}`)
  return res.status === 204 ? undefined : res.json()
}

function client(surface: 'legacy' | 'graph', extra: object = {}) {
  return new HuntingClient({ tokenProvider: provider, tenant: W.contosoTenantId, surface, baseUrl: srv.url, limits: false, retry: { baseDelayMs: 1, maxDelayMs: 5 }, ...extra })
}

const huntRequests = () => emu.requests.list().filter((r) => r.group === 'hunting').length

describe('hunt() against the emulator', () => {
  before(async () => {
    emu = await createEmulator({ defender: { incidentsPerTenant: 100 } })
    huntingOf(emu).configure({ rowsPerTenant: 6000 })
    srv = await serve(emu)
    provider = new TokenProvider({ clientId: W.clientId, credential: { kind: 'secret', secret: W.clientSecret }, authorityHost: srv.url })
  })
  after(async () => {
    provider.close()
    await srv.close()
  })
  beforeEach(async () => {
    await control('POST', '/hunting/reset')
    await control('PATCH', '/hunting/limits', { enabled: false, maxRows: 100_000, graphMaxResultBytes: 50 * 1024 * 1024, cpuScale: 1, timeoutMs: 180_000 })
  })

  for (const surface of ['legacy', 'graph'] as const) {
    test(`${surface}: rows typed from the schema (DateTime → Date, Int64 → number or bigint)`, async () => {
      const q = 'DeviceProcessEvents | take 3 | project Timestamp, DeviceName, ReportId, ProcessId'
      const r = await client(surface).hunt(q)
      assert.deepEqual(r.schema.map((c) => c.type), ['DateTime', 'String', 'Int64', 'Int64'])
      assert.equal(r.rows.length, 3)
      assert.ok(r.rows[0]!.Timestamp instanceof Date)
      assert.equal(typeof r.rows[0]!.ReportId, 'number')
      assert.equal(r.requests, 1)
      assert.equal(r.truncated, false)
      const big = await client(surface).hunt(q, { longs: 'bigint', dates: 'string' })
      assert.equal(typeof big.rows[0]!.ReportId, 'bigint')
      assert.match(String(big.rows[0]!.Timestamp), /\.\d{7}Z$/)
      if (surface === 'legacy') assert.ok(typeof r.cpuMs === 'number' && r.cpuMs >= 0 && r.stats.length === 1)
    })
  }

  test('one-shot hunt() helper', async () => {
    const r = await hunt<{ Count: number }>('DeviceInfo | count', { tokenProvider: provider, tenant: W.contosoTenantId, baseUrl: srv.url, surface: 'graph' })
    assert.ok(r.rows[0]!.Count > 0)
  })

  test('query errors: ERR_HUNT_QUERY with line and column; timeout: ERR_HUNT_TIMEOUT', async () => {
    await assert.rejects(client('legacy').hunt('DeviceProcessEvents\n| summarize count() by Nope'), (e: any) => {
      assert.equal(e.code, 'ERR_HUNT_QUERY')
      assert.equal(e.status, 400)
      assert.deepEqual([e.line, e.column], [2, 24])
      assert.ok(e.hint)
      return true
    })
    await control('PATCH', '/hunting/limits', { cpuScale: 1e9, timeoutMs: 1 })
    await assert.rejects(client('graph').hunt('DeviceInfo | take 1'), { code: 'ERR_HUNT_TIMEOUT' })
  })

  test('403: names the hunting permission of each surface', async () => {
    await control('PUT', `/tenants/${W.fabrikamTenantId}/grants/${W.clientId}`, { consent: [{ resource: 'https://api.security.microsoft.com', roles: ['Incident.Read.All'] }, { resource: 'https://graph.microsoft.com', roles: ['SecurityIncident.Read.All'] }] })
    for (const [surface, role] of [['legacy', 'AdvancedHunting.Read.All'], ['graph', 'ThreatHunting.Read.All']] as const) {
      await assert.rejects(client(surface, { tenant: W.fabrikamTenantId }).hunt('DeviceInfo | take 1'), (e: any) => {
        assert.equal(e.code, 'ERR_HTTP_FORBIDDEN')
        assert.deepEqual(e.requiredPermissions, [role])
        return true
      })
    }
  })

  test('429 from the server is waited out (Retry-After) and the query re-sent', async () => {
    const clock = new ManualClock(Date.now())
    await control('POST', '/faults', { target: 'hunting', status: 429, retryAfter: 7, body: { error: { code: '429', message: 'API calls quota exceeded! maximum allowed 45 per 00:01:00. You can send requests again in 7 seconds.' } } })
    const before = huntRequests()
    const pending = client('legacy', { clock }).hunt('DeviceInfo | take 1')
    await untilSleeping(clock)
    await clock.advance(7_000)
    const r = await pending
    assert.equal(r.rows.length, 1)
    assert.equal(huntRequests() - before, 2)
  })

  for (const surface of ['legacy', 'graph'] as const) {
    test(`${surface}: a time range over the row cap is split into windows — every row once`, async () => {
      const now = Date.now()
      const range = { start: now - 30 * DAY, end: now + 1000 }
      const truth = (await client(surface).hunt<{ Count: number }>('DeviceNetworkEvents | count')).rows[0]!.Count
      assert.ok(truth > 1000, `only ${truth} rows`)
      await control('PATCH', '/hunting/limits', { maxRows: 400 })
      const windows: number[] = []
      const opts: HuntOptions = { timeRange: range, onWindow: (w) => windows.push(w.rows) }
      const before = huntRequests()
      const r = await client(surface).hunt('DeviceNetworkEvents | project Timestamp, ReportId', { ...opts, maxRows: 400 })
      assert.equal(r.truncated, false)
      assert.equal(r.rows.length, truth)
      assert.equal(new Set(r.rows.map((x) => x.ReportId)).size, truth, 'a row came twice')
      assert.ok(r.requests > truth / 400, `${r.requests} requests`)
      assert.equal(huntRequests() - before, r.requests)
      for (let i = 1; i < r.rows.length; i++) assert.ok((r.rows[i - 1]!.Timestamp as Date) <= (r.rows[i]!.Timestamp as Date), 'windows out of order')
      // How the window reached the server: a Timestamp filter (legacy) or Timespan (Graph).
      const last = emu.requests.list().filter((q) => q.group === 'hunting').at(-1)!
      if (surface === 'legacy') assert.match(String(last.body), /DeviceNetworkEvents \| where Timestamp >= datetime\(/)
      else assert.match(String(last.body), /"Timespan":"\d{4}-\d\d-\d\dT[^"]+\/\d{4}-/)
    })
  }

  test('row cap without a time range: ERR_HUNT_ROW_LIMIT, or truncated: true when accepted', async () => {
    await control('PATCH', '/hunting/limits', { maxRows: 50 })
    await assert.rejects(client('legacy').hunt('DeviceProcessEvents', { maxRows: 50 }), { code: 'ERR_HUNT_ROW_LIMIT' })
    const r = await client('legacy').hunt('DeviceProcessEvents', { maxRows: 50, rowLimit: 'truncate' })
    assert.equal(r.rows.length, 50)
    assert.equal(r.truncated, true)
  })

  test('size: the client guard (ERR_HUNT_RESULT_TOO_LARGE) and the Graph 50 MB cap split by windows', async () => {
    await assert.rejects(client('graph').hunt('DeviceProcessEvents | take 200', { maxBytes: 10_000 }), { code: 'ERR_HUNT_RESULT_TOO_LARGE' })
    await control('PATCH', '/hunting/limits', { graphMaxResultBytes: 15_000 })
    await assert.rejects(client('graph').hunt('DeviceLogonEvents | project Timestamp, ReportId, DeviceName, AccountName'), { code: 'ERR_HUNT_RESULT_TOO_LARGE' })
    const now = Date.now()
    const r = await client('graph').hunt('DeviceLogonEvents | project Timestamp, ReportId, DeviceName, AccountName', { timeRange: { start: now - 30 * DAY, end: now + 1000 } })
    const truth = (await client('graph').hunt<{ Count: number }>('DeviceLogonEvents | count')).rows[0]!.Count
    assert.equal(r.rows.length, truth)
    assert.ok(r.requests > 2)
  })

  test('legacy time range on a query that does not start with a table: ERR_HUNT_TIME_RANGE before any call', async () => {
    const before = huntRequests()
    await assert.rejects(client('legacy').hunt('let x = 1;\nDeviceInfo | take 1', { timeRange: { start: Date.now() - DAY } }), { code: 'ERR_HUNT_TIME_RANGE' })
    await assert.rejects(client('legacy').hunt('DeviceInfo', { timeRange: { start: Date.now(), end: Date.now() - DAY } }), { code: 'ERR_HUNT_TIME_RANGE' })
    assert.equal(huntRequests(), before)
    // A leading comment is fine.
    const r = await client('legacy').hunt('// recent devices\nDeviceInfo | take 1', { timeRange: { start: Date.now() - DAY } })
    assert.equal(r.rows.length, 1)
  })
})
