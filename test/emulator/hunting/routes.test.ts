// Advanced hunting endpoints of the emulator over real HTTP: both surfaces' shapes, type names,
// stories shared with the incidents, roles, query errors with positions, and the documented limits.
import assert from 'node:assert/strict'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, beforeEach, describe, test } from 'node:test'
import { createEmulator, serve, WELL_KNOWN as W, type Emulator, type RunningEmulator } from '../../../src/emulator/index.js'
import { huntingOf } from '../../../src/emulator/hunting/index.js'
import { ManualClock } from '../../../src/lib/clock.js'

const LEGACY = 'https://api.security.microsoft.com/.default'
const GRAPH = 'https://graph.microsoft.com/.default'
const DAY = 86_400_000
const clock = new ManualClock(Date.parse('2026-11-01T12:00:00Z'))
let emu: Emulator
let srv: RunningEmulator
const tokens = new Map<string, string>()

async function token(tenant: string, scope: string): Promise<string> {
  const key = `${tenant}|${scope}`
  if (!tokens.has(key)) {
    const r = await fetch(`${srv.url}/${tenant}/oauth2/v2.0/token`, { method: 'POST', body: new URLSearchParams({ grant_type: 'client_credentials', client_id: W.clientId, client_secret: W.clientSecret, scope }) })
    const body = (await r.json()) as { access_token?: string }
    assert.ok(body.access_token, JSON.stringify(body))
    tokens.set(key, body.access_token)
  }
  return tokens.get(key)!
}

async function call(surface: 'legacy' | 'graph', body: unknown, tenant: string = W.contosoTenantId): Promise<{ status: number; headers: Headers; body: any }> {
  const t = await token(tenant, surface === 'legacy' ? LEGACY : GRAPH)
  const path = surface === 'legacy' ? '/api/advancedhunting/run' : '/v1.0/security/runHuntingQuery'
  const r = await fetch(srv.url + path, { method: 'POST', headers: { authorization: `Bearer ${t}`, 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) })
  return { status: r.status, headers: r.headers, body: await r.json() }
}
const legacy = (q: string, tenant?: string) => call('legacy', { Query: q }, tenant)
const graph = (q: string, extra: object = {}, tenant?: string) => call('graph', { Query: q, ...extra }, tenant)

async function limits(patch: object): Promise<void> {
  const r = await fetch(`${srv.url}/_emulator/hunting/limits`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify(patch) })
  assert.equal(r.status, 200, await r.text())
}
async function reset(): Promise<void> {
  assert.equal((await fetch(`${srv.url}/_emulator/hunting/reset`, { method: 'POST', headers: { 'content-type': 'application/json' } })).status, 204)
}

const SAMPLE = 'DeviceProcessEvents | where InitiatingProcessFileName =~ "powershell.exe" | project Timestamp, FileName, InitiatingProcessFileName | order by Timestamp desc | limit 2'

describe('emulator advanced hunting', () => {
  before(async () => {
    emu = await createEmulator({ clock, defender: { incidentsPerTenant: 120, limits: { enabled: false } } })
    srv = await serve(emu)
    huntingOf(emu).configure({ rowsPerTenant: 8000 })
  })
  after(() => srv.close())
  beforeEach(async () => {
    await limits({ enabled: false, maxRows: 100_000, cpuScale: 1, timeoutMs: 180_000, graphMaxResultBytes: 50 * 1024 * 1024 })
  })

  test('legacy: the documented sample query → Stats, Schema {Name,Type}, Results with 7-digit datetimes, newest first', async () => {
    const r = await legacy(SAMPLE)
    assert.equal(r.status, 200, JSON.stringify(r.body))
    assert.deepEqual(Object.keys(r.body), ['Stats', 'Schema', 'Results'])
    assert.equal(typeof r.body.Stats.ExecutionTime, 'number')
    assert.match(r.body.Stats.resource_usage.cpu['total cpu'], /^\d\d:\d\d:\d\d(\.\d{7})?$/)
    assert.ok(Array.isArray(r.body.Stats.dataset_statistics))
    assert.deepEqual(r.body.Schema, [
      { Name: 'Timestamp', Type: 'DateTime' },
      { Name: 'FileName', Type: 'String' },
      { Name: 'InitiatingProcessFileName', Type: 'String' },
    ])
    assert.equal(r.body.Results.length, 2)
    for (const row of r.body.Results) {
      assert.match(row.Timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z$/)
      assert.equal(row.InitiatingProcessFileName.toLowerCase(), 'powershell.exe')
    }
    assert.ok(r.body.Results[0].Timestamp >= r.body.Results[1].Timestamp)
    assert.match(r.headers.get('content-type') ?? '', /application\/json/)
  })

  test('graph: the documented sample → @odata.context huntingQueryResults, schema {name,type}, results', async () => {
    const r = await graph(SAMPLE)
    assert.equal(r.status, 200, JSON.stringify(r.body))
    assert.deepEqual(Object.keys(r.body), ['@odata.context', 'schema', 'results'])
    assert.equal(r.body['@odata.context'], `${srv.url}/v1.0/$metadata#microsoft.graph.security.huntingQueryResults`)
    assert.deepEqual(r.body.schema[0], { name: 'Timestamp', type: 'DateTime' })
    assert.equal(r.body.results.length, 2)
  })

  test('type names: Int64, Int32, Boolean, Double, TimeSpan, Object, DateTime, String', async () => {
    const r = await legacy('DeviceNetworkEvents | take 1 | project Timestamp, DeviceName, ReportId, RemotePort, IsInitiatingProcessRemoteSession, r = 1.5, s = 1h, d = dynamic([1, "a"])')
    assert.equal(r.status, 200, JSON.stringify(r.body))
    assert.deepEqual(r.body.Schema.map((c: any) => c.Type), ['DateTime', 'String', 'Int64', 'Int32', 'Boolean', 'Double', 'TimeSpan', 'Object'])
    const row = r.body.Results[0]
    assert.equal(typeof row.ReportId, 'number')
    assert.equal(row.s, '01:00:00')
    assert.deepEqual(row.d, [1, 'a'])
  })

  test('stories: an alert of the incidents store shows up in AlertInfo, AlertEvidence and the device tables', async () => {
    const from = clock.now() - 30 * DAY
    const alert = emu.defender.all(W.contosoTenantId).flatMap((i) => i.alerts).find((a) => a.creationTime >= from && a.devices.length > 0 && a.entities.some((e) => e.entityType === 'Process'))
    assert.ok(alert, 'no recent endpoint alert with a process')
    const proc = alert.entities.find((e) => e.entityType === 'Process')!
    const info = await legacy(`AlertInfo | where AlertId == "${alert.alertId}" | project Title, Severity`)
    assert.deepEqual(info.body.Results, [{ Title: alert.title, Severity: alert.severity }])
    const q = `AlertEvidence | where AlertId == "${alert.alertId}" and EntityType == "Process"
| join kind=inner (DeviceProcessEvents) on ProcessCommandLine
| project DeviceId1, FileName1, ProcessCommandLine, AccountName1`
    const joined = await legacy(q)
    assert.equal(joined.status, 200, JSON.stringify(joined.body))
    assert.ok(joined.body.Results.length >= 1)
    assert.equal(joined.body.Results[0].DeviceId1, alert.devices[0]!.mdatpDeviceId)
    assert.equal(joined.body.Results[0].FileName1, proc.fileName)
    const user = String(alert.entities.find((e) => e.entityType === 'User')!.accountName)
    assert.equal(joined.body.Results[0].AccountName1, user)
    const logons = await legacy(`DeviceLogonEvents | where DeviceId == "${alert.devices[0]!.mdatpDeviceId}" and AccountName == "${user}" | count`)
    assert.ok(logons.body.Results[0].Count >= 1)
  })

  test('30 days of data per tenant, different per tenant, deterministic per seed', async () => {
    const span = await legacy('union DeviceProcessEvents, DeviceNetworkEvents | summarize min(Timestamp), max(Timestamp), count()')
    const row = span.body.Results[0]
    assert.ok(Date.parse(row.min_Timestamp) >= clock.now() - 30 * DAY)
    assert.ok(Date.parse(row.max_Timestamp) <= clock.now())
    assert.ok(row.count_ > 2000)
    const q = 'DeviceProcessEvents | summarize count() by DeviceName | order by count_ desc, DeviceName asc | take 3'
    const a = await legacy(q)
    const b = await legacy(q, W.fabrikamTenantId)
    assert.notDeepEqual(a.body.Results, b.body.Results)
    const other = await createEmulator({ clock, defender: { incidentsPerTenant: 120 } })
    huntingOf(other).configure({ rowsPerTenant: 8000 })
    const tables = huntingOf(other).tables(W.contosoTenantId)
    assert.equal(tables.get('DeviceProcessEvents')!.rowCount, huntingOf(emu).tables(W.contosoTenantId).get('DeviceProcessEvents')!.rowCount)
    assert.deepEqual(tables.get('DeviceProcessEvents')!.data[2]!.slice(0, 50), huntingOf(emu).tables(W.contosoTenantId).get('DeviceProcessEvents')!.data[2]!.slice(0, 50))
  })

  test('roles: a token without AdvancedHunting.Read.All → 403 Forbidden; a Graph token on the legacy API → 401', async () => {
    const put = await fetch(`${srv.url}/_emulator/tenants/${W.fabrikamTenantId}/grants/${W.clientId}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ consent: [{ resource: 'https://api.security.microsoft.com', roles: ['Incident.Read.All'] }, { resource: 'https://graph.microsoft.com', roles: ['SecurityIncident.Read.All'] }] }),
    })
    assert.ok(put.ok, await put.text())
    tokens.clear()
    const r = await legacy('DeviceInfo | take 1', W.fabrikamTenantId)
    assert.equal(r.status, 403)
    assert.equal(r.body.error.code, 'Forbidden')
    assert.match(r.body.error.message, /AdvancedHunting\.Read\.All/)
    const g = await graph('DeviceInfo | take 1', {}, W.fabrikamTenantId)
    assert.equal(g.status, 403)
    assert.match(g.body.error.message, /ThreatHunting\.Read\.All/)
    // Tailspin has only the hunting roles: hunting works there.
    assert.equal((await legacy('DeviceInfo | take 1', W.tailspinTenantId)).status, 200)
    const wrongAudience = await fetch(`${srv.url}/api/advancedhunting/run`, { method: 'POST', headers: { authorization: `Bearer ${await token(W.contosoTenantId, GRAPH)}` }, body: JSON.stringify({ Query: 'DeviceInfo' }) })
    assert.equal(wrongAudience.status, 401)
  })

  test('query errors: 400 with the position; missing/lower-case Query; invalid JSON', async () => {
    const syntax = await legacy('DeviceProcessEvents\n| where')
    assert.equal(syntax.status, 400)
    assert.equal(syntax.body.error.code, 'BadRequest')
    assert.match(syntax.body.error.message, /line 2, column 8/)
    const semantic = await graph('DeviceProcessEvents | project Nope')
    assert.equal(semantic.status, 400)
    assert.equal(semantic.body.error.code, 'BadRequest')
    assert.match(semantic.body.error.message, /Failed to resolve scalar expression named 'Nope' \(line 1, column 31\)/)
    assert.ok(semantic.body.error.innerError['request-id'])
    const table = await legacy('NoSuchTable | take 1')
    assert.match(table.body.error.message, /NoSuchTable/)
    const lower = await call('legacy', { query: 'DeviceInfo' })
    assert.equal(lower.status, 400)
    assert.deepEqual([lower.body.error.code, lower.body.error.message], ['MissingRequiredParameter', 'Parameter Query is missing.'])
    const bad = await call('legacy', '{"Query": ')
    assert.equal(bad.body.error.code, 'InvalidRequestBody')
  })

  test('row cap: results are cut at maxRows (100,000 by default); a runaway join stops with a 400', async () => {
    await limits({ maxRows: 25 })
    const r = await legacy('DeviceProcessEvents')
    assert.equal(r.body.Results.length, 25)
    await limits({ maxIntermediateRows: 100_000 })
    try {
      const cross = await legacy('DeviceProcessEvents | take 1000 | extend k = 1 | join kind=inner (DeviceNetworkEvents | take 1000 | extend k = 1) on k | count')
      assert.equal(cross.status, 400)
      assert.match(cross.body.error.message, /^Query stopped. Adjust use of the join operator to avoid excessive resource consumption/)
    } finally {
      await limits({ maxIntermediateRows: 5_000_000 })
    }
  })

  test('time window: legacy sees 30 days back from now; Graph Timespan narrows it and is validated', async () => {
    const day = await graph('DeviceNetworkEvents | summarize min(Timestamp), count()', { Timespan: 'P1D' })
    assert.equal(day.status, 200, JSON.stringify(day.body))
    assert.ok(Date.parse(day.body.results[0].min_Timestamp) >= clock.now() - DAY)
    const all = await graph('DeviceNetworkEvents | count')
    assert.ok(all.body.results[0].Count > day.body.results[0].count_)
    const start = new Date(clock.now() - 3 * DAY).toISOString()
    const between = await graph('DeviceNetworkEvents | summarize min(Timestamp), max(Timestamp)', { Timespan: `${start}/P1D` })
    assert.ok(Date.parse(between.body.results[0].min_Timestamp) >= Date.parse(start))
    assert.ok(Date.parse(between.body.results[0].max_Timestamp) < Date.parse(start) + DAY)
    const invalid = await graph('DeviceInfo', { Timespan: 'yesterday' })
    assert.equal(invalid.status, 400)
    assert.match(invalid.body.error.message, /Timespan/)
  })

  test('calls per minute (45) → 429 with the captured body and Retry-After; the window resets', async () => {
    await reset()
    await limits({ enabled: true, callsPerMinute: 45, cpuQuotaMs: 1e12 })
    for (let i = 0; i < 45; i++) assert.equal((await legacy('DeviceInfo | take 1')).status, 200)
    const r = await legacy('DeviceInfo | take 1')
    assert.equal(r.status, 429)
    assert.equal(r.body.error.code, '429')
    assert.match(r.body.error.message, /^API calls quota exceeded! maximum allowed 45 per 00:01:00\. You can send requests again in \d+ seconds\.$/)
    assert.ok(Number(r.headers.get('retry-after')) >= 1)
    const g = await graph('DeviceInfo | take 1')
    assert.equal(g.status, 200, 'Graph counts separately')
    await clock.advance(60_000)
    assert.equal((await legacy('DeviceInfo | take 1')).status, 200)
    await reset()
  })

  test('CPU quota per 15 minutes → 429 "exceeded processing resources"; timeout → 400 "Query exceeded the timeout period."', async () => {
    await reset()
    await limits({ enabled: true, cpuScale: 1e6, cpuQuotaMs: 1, timeoutMs: 1e15 })
    assert.equal((await legacy('DeviceInfo | take 1')).status, 200)
    const blocked = await graph('DeviceInfo | take 1')
    assert.equal(blocked.status, 429)
    assert.equal(blocked.body.error.code, 'TooManyRequests')
    assert.match(blocked.body.error.message, /^You have exceeded processing resources allocated to this tenant\. You can run queries again in 00:1[45]:\d\d\.$/)
    assert.equal((await legacy('DeviceInfo | take 1', W.tailspinTenantId)).status, 200, 'CPU is per tenant')
    await clock.advance(15 * 60_000)
    await limits({ cpuScale: 1e6, timeoutMs: 1 })
    const timeout = await legacy('DeviceInfo | take 1')
    assert.equal(timeout.status, 400)
    assert.equal(timeout.body.error.message, 'Query exceeded the timeout period.')
    await reset()
  })

  test('Graph result cap → 400 "Result size limit exceeded"', async () => {
    await limits({ graphMaxResultBytes: 2000 })
    const r = await graph('DeviceProcessEvents | take 50')
    assert.equal(r.status, 400)
    assert.match(r.body.error.message, /^Result size limit exceeded\./)
    assert.equal((await legacy('DeviceProcessEvents | take 50')).status, 200, 'the cap is Graph-only')
  })

  test('externaldata reads only the allow-list (inline content, or a local file from the seed config), never the network', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'm365d-ext-')), 'iocs.csv')
    writeFileSync(file, 'Name,Score\nmimikatz.exe,90\nsvchost32.exe,70\n')
    // Files only from the seed config (`m365d emulator --config`, or in code); never over HTTP.
    emu.hunting.configure({ externalData: { 'https://example.test/iocs.csv': { file } } })
    const viaHttp = await fetch(`${srv.url}/_emulator/hunting/externaldata`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ 'https://example.test/p.csv': { file: '/etc/passwd' } }) })
    assert.equal(viaHttp.status, 403)
    const put = await fetch(`${srv.url}/_emulator/hunting/externaldata`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ 'https://example.test/a.csv': 'Name,Score\nx,1\n' }) })
    assert.equal(put.status, 200, await put.clone().text())
    assert.deepEqual(((await put.json()) as { value: string[] }).value.sort(), ['https://example.test/a.csv', 'https://example.test/iocs.csv'])
    const inline = await legacy('externaldata(Name:string, Score:int) [@"https://example.test/a.csv"] with (format="csv", ignoreFirstRecord=true) | project Name, Score')
    assert.equal(inline.status, 200, JSON.stringify(inline.body))
    assert.deepEqual(inline.body.Results, [{ Name: 'x', Score: 1 }])
    const fromFile = await legacy('externaldata(Name:string, Score:int) [@"https://example.test/iocs.csv"] with (format="csv", ignoreFirstRecord=true) | summarize sum(Score)')
    assert.deepEqual(fromFile.body.Results, [{ sum_Score: 160 }])
    const denied = await legacy('externaldata(Name:string) [@"https://raw.githubusercontent.com/x/y.csv"] with (format="csv") | count')
    assert.equal(denied.status, 400)
    assert.match(denied.body.error.message, /not in the allow-list/)
    const bad = await fetch(`${srv.url}/_emulator/hunting/externaldata`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ 'https://x': 42 }) })
    assert.equal(bad.status, 400)
  })

  test('faults target the hunting group; control routes report and validate', async () => {
    const f = await fetch(`${srv.url}/_emulator/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ target: 'hunting', status: 503, body: { error: { code: 'ServiceUnavailable', message: 'try later' } } }) })
    assert.equal(f.status, 201)
    assert.equal((await legacy('DeviceInfo | take 1')).status, 503)
    assert.equal((await legacy('DeviceInfo | take 1')).status, 200)
    const counts = (await (await fetch(`${srv.url}/_emulator/hunting/contoso.onmicrosoft.com/tables`)).json()) as Record<string, number>
    assert.ok(counts.DeviceProcessEvents! > 0 && counts.AlertInfo! > 0 && counts.DeviceInfo! > 0)
    const bad = await fetch(`${srv.url}/_emulator/hunting/limits`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ maxRowz: 1 }) })
    assert.equal(bad.status, 400)
    // Found by the json-bodies fuzz target: a huge rowsPerTenant was stored (even when another key was
    // refused) and the next query tried to generate 1.7 billion rows.
    const rows = huntingOf(emu).rowsPerTenant
    for (const body of [{ rowsPerTenant: 1_701_737_694 }, { rowsPerTenant: 5000, maxRowz: 1 }]) {
      const r = await fetch(`${srv.url}/_emulator/hunting/limits`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
      assert.equal(r.status, 400)
    }
    assert.equal(huntingOf(emu).rowsPerTenant, rows, 'nothing applied from a refused patch')
    assert.ok(emu.requests.list().some((q) => q.group === 'hunting'))
  })
})
