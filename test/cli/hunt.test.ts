// `m365d hunt …` as a subprocess against the emulator on a real port: formats, query sources,
// fan-out across tenants with one failing, time ranges, usage errors.
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { createEmulator, serve, WELL_KNOWN as W, type Emulator, type RunningEmulator } from '../../src/emulator/index.js'
import { huntingOf } from '../../src/emulator/hunting/index.js'
import { runMain } from '../../src/cli/run_main.js'
import { runCli, tempDir } from './_cli.js'

let emu: Emulator
let srv: RunningEmulator
let env: Record<string, string>

describe('m365d hunt', () => {
  before(async () => {
    emu = await createEmulator({ defender: { incidentsPerTenant: 60 } })
    huntingOf(emu).configure({ rowsPerTenant: 3000, limits: { enabled: false } })
    srv = await serve(emu)
    env = {
      M365D_TENANT_ID: W.contosoTenantId,
      M365D_CLIENT_ID: W.clientId,
      M365D_CLIENT_SECRET: W.clientSecret,
      M365D_AUTHORITY_HOST: srv.url,
      M365D_DEFENDER_API: srv.url,
      M365D_GRAPH_API: srv.url,
      // These tests are about the legacy surface (Graph is the default: test/cli/migrate.test.ts).
      M365D_API: 'legacy',
      COLUMNS: '100',
    }
  })
  after(() => srv.close())

  const cli = (args: string[], extra: Record<string, string> = {}, stdin?: string) => runCli(['hunt', ...args], { env: { ...env, ...extra }, ...(stdin !== undefined && { stdin }) })

  test('one tenant, --format json: the rows of the legacy API, no TenantId column', async () => {
    const r = await cli(['DeviceInfo | summarize count() by OSPlatform | order by OSPlatform asc', '--format', 'json'])
    assert.equal(r.code, 0, r.stderr)
    const rows = JSON.parse(r.stdout)
    assert.ok(rows.length >= 1)
    assert.deepEqual(Object.keys(rows[0]), ['OSPlatform', 'count_'])
    assert.ok(rows.every((x: any) => typeof x.count_ === 'number'))
  })

  test('table fits the terminal; --file and stdin (-) as query sources; Graph surface', async () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'q.kql'), '// recent processes\nDeviceProcessEvents\n| project Timestamp, DeviceName, FileName, ProcessCommandLine\n| take 5\n')
    const r = await runCli(['hunt', '--file', 'q.kql', '--api', 'graph'], { env, cwd: dir })
    assert.equal(r.code, 0, r.stderr)
    const lines = r.stdout.trimEnd().split('\n')
    assert.match(lines[0]!, /^Timestamp\s+DeviceName\s+FileName\s+ProcessCommandLine/)
    assert.equal(lines.length, 6)
    for (const l of lines) assert.ok(l.length <= 100, `too wide: ${l}`)
    assert.ok(emu.requests.list().some((q) => q.url === '/v1.0/security/runHuntingQuery'))
    const s = await cli(['-', '--format', 'ndjson'], {}, 'DeviceInfo | take 3 | project DeviceId, Timestamp')
    assert.equal(s.code, 0, s.stderr)
    const rows = s.stdout.trim().split('\n').map((l) => JSON.parse(l))
    assert.equal(rows.length, 3)
    assert.match(rows[0].Timestamp, /\.\d{7}Z$/, 'datetimes as the API sent them')
  })

  test('--tenants fan-out: TenantId column, a failing tenant is reported, the others are returned (exit 3)', async () => {
    const tenants = [W.contosoTenantId, W.woodgroveTenantId, W.fabrikamTenantId]
    const r = await cli(['DeviceInfo | summarize Devices = dcount(DeviceId)', '--tenants', tenants.join(','), '--format', 'csv', '--concurrency', '2'])
    assert.equal(r.code, 3, r.stderr)
    const lines = r.stdout.trim().split('\n')
    assert.equal(lines[0], 'TenantId,Devices')
    const seen = lines.slice(1).map((l) => l.split(',')[0])
    assert.deepEqual(seen.sort(), [W.contosoTenantId, W.fabrikamTenantId].sort())
    assert.match(r.stderr, new RegExp(`error ERR_TOKEN_\\w+ \\(tenant ${W.woodgroveTenantId}\\)`))
    assert.match(r.stderr, /AADSTS700016/)
    assert.match(r.stderr, /3 tenants: 2 answered \(2 rows\), 1 failed/)
  })

  test('--all-tenants from M365D_TENANTS when there is no registry; tailspin has only hunting roles and answers; json rows carry TenantId', async () => {
    const r = await cli(['AlertInfo | count', '--all-tenants', '--format', 'json', '--api', 'graph'], { M365D_TENANTS: `${W.contosoTenantId},${W.tailspinTenantId}` })
    assert.equal(r.code, 0, r.stderr)
    const doc = JSON.parse(r.stdout)
    const rows = doc.rows
    assert.deepEqual(doc.tenants.map((t: any) => [t.tenantId, t.status]), [[W.contosoTenantId, 'ok'], [W.tailspinTenantId, 'ok']])
    assert.deepEqual(rows.map((x: any) => x.TenantId), [W.contosoTenantId, W.tailspinTenantId])
    assert.ok(rows.every((x: any) => typeof x.Count === 'number'))
  })

  test('--all-tenants --json with a failing tenant: its status and error are in the document (exit 3); a domain in --tenants gives the GUID in the TenantId column', async () => {
    const r = await cli(['DeviceInfo | take 1 | project DeviceName', '--all-tenants', '--json'], { M365D_TENANTS: `contoso.onmicrosoft.com,${W.woodgroveTenantId}` })
    assert.equal(r.code, 3, r.stderr)
    const doc = JSON.parse(r.stdout)
    assert.deepEqual(doc.tenants.map((t: any) => [t.tenantId, t.status, t.rows]), [[W.contosoTenantId, 'ok', 1], [W.woodgroveTenantId, 'failed', 0]])
    const failed = doc.tenants[1]
    assert.equal(failed.error.code, 'ERR_TOKEN_SERVER')
    assert.match(failed.error.message, /AADSTS700016/)
    assert.match(failed.error.hint, /consent/)
    assert.deepEqual(doc.rows.map((x: any) => x.TenantId), [W.contosoTenantId])
    // Piped table: tab-separated, the TenantId column holds the tenant id even when a domain was given.
    const table = await cli(['DeviceInfo | take 1 | project DeviceName', '--tenants', 'contoso.onmicrosoft.com'])
    assert.equal(table.code, 0, table.stderr)
    const [head, row] = table.stdout.trimEnd().split('\n')
    assert.deepEqual(head!.split('\t'), ['TenantId', 'DeviceName'])
    assert.equal(row!.split('\t')[0], W.contosoTenantId)
  })

  test('--all-tenants from the config file "tenants" key', async () => {
    const dir = tempDir()
    const file = join(dir, 'config.json')
    writeFileSync(file, JSON.stringify({ tenants: `${W.fabrikamTenantId}, ${W.contosoTenantId}` }))
    const r = await cli(['DeviceInfo | take 1 | project DeviceName', '--all-tenants', '--format', 'ndjson', '--config', file])
    assert.equal(r.code, 0, r.stderr)
    assert.doesNotMatch(r.stderr, /unknown key/)
    const rows = r.stdout.trim().split('\n').map((l) => JSON.parse(l))
    assert.deepEqual(rows.map((x) => x.TenantId).sort(), [W.contosoTenantId, W.fabrikamTenantId].sort())
  })

  test('--all-tenants reads the registry (tenants add, pause, tag) with the same storage options; --tenants domains become tenant ids', async () => {
    const dir = join(tempDir(), 'data')
    const add = (t: string, ...extra: string[]) => runCli(['tenants', 'add', t, '--data-dir', dir, ...extra], { env })
    for (const t of ['contoso.onmicrosoft.com', 'fabrikam.onmicrosoft.com', 'tailspin.onmicrosoft.com']) assert.equal((await add(t)).code, 0)
    assert.equal((await runCli(['tenants', 'pause', 'tailspin.onmicrosoft.com', '--data-dir', dir], { env })).code, 0)
    assert.equal((await runCli(['tenants', 'tag', 'fabrikam.onmicrosoft.com', 'gold', '--data-dir', dir], { env })).code, 0)
    // M365D_TENANTS is ignored once there is a registry.
    const all = await cli(['DeviceInfo | take 1 | project DeviceName', '--all-tenants', '--data-dir', dir, '-o', 'json'], { M365D_TENANTS: W.woodgroveTenantId })
    assert.equal(all.code, 0, all.stderr)
    assert.deepEqual(JSON.parse(all.stdout).tenants.map((t: any) => t.tenantId), [W.contosoTenantId, W.fabrikamTenantId], 'active tenants only, in registry order')
    const gold = await cli(['DeviceInfo | take 1 | project DeviceName', '--all-tenants', '--tag', 'gold', '--data-dir', dir, '-o', 'ndjson'])
    assert.deepEqual(gold.stdout.trim().split('\n').map((l) => JSON.parse(l).TenantId), [W.fabrikamTenantId])
    const byDomain = await cli(['DeviceInfo | take 1 | project DeviceName', '--tenants', 'contoso.onmicrosoft.com,fabrikam.onmicrosoft.com', '-o', 'ndjson'])
    assert.equal(byDomain.code, 0, byDomain.stderr)
    assert.deepEqual(byDomain.stdout.trim().split('\n').map((l) => JSON.parse(l).TenantId).sort(), [W.contosoTenantId, W.fabrikamTenantId].sort())
  })

  test('a query error: exit 2 (a query to fix) with the server message and position', async () => {
    const r = await cli(['DeviceInfo | where'])
    assert.equal(r.code, 2)
    assert.match(r.stderr, /error ERR_HUNT_QUERY: .*line 1, column 19/)
    assert.match(r.stderr, /hint: /)
  })

  test('--since splits at the row cap: every row once (legacy Timestamp filter)', async () => {
    const truth = JSON.parse((await cli(['DeviceNetworkEvents | count', '--format', 'json'])).stdout)[0].Count
    huntingOf(emu).limits = { ...huntingOf(emu).limits, maxRows: 200 }
    try {
      const capped = await cli(['DeviceNetworkEvents | project ReportId', '--max-rows', '200'])
      assert.equal(capped.code, 2, 'no time range: the cut-off result is an error')
      assert.match(capped.stderr, /ERR_HUNT_ROW_LIMIT/)
      // The API's cap is 100,000; the emulator's is 200 here, so m365d is told with --max-rows.
      const r = await cli(['DeviceNetworkEvents | project ReportId', '--since', '31d', '--format', 'ndjson', '--max-rows', '200'])
      assert.equal(r.code, 0, r.stderr)
      const ids = r.stdout.trim().split('\n').map((l) => JSON.parse(l).ReportId)
      assert.equal(ids.length, truth)
      assert.equal(new Set(ids).size, truth)
    } finally {
      huntingOf(emu).limits = { ...huntingOf(emu).limits, maxRows: 100_000 }
    }
  })

  test('fan-out on a TTY stderr shows progress per tenant, then clears it; no token or secret in output (in-process runMain)', async () => {
    let out = ''
    let err = ''
    const code = await runMain(['hunt', 'DeviceInfo | count', '--tenants', `${W.contosoTenantId},${W.woodgroveTenantId}`, '--format', 'json'], {
      stdout: { write: (s: string) => (out += s) },
      stderr: Object.assign({ write: (s: string) => (err += s) }, { isTTY: true }),
      stdin: (async function* () {})(),
      env,
      cwd: process.cwd(),
      isTTY: false,
    })
    assert.equal(code, 3, err)
    const doc = JSON.parse(out)
    assert.equal(doc.rows.length, 1)
    // The failed tenant is in the machine output with its status and error, not only on stderr.
    const woodgrove = doc.tenants.find((t: any) => t.tenantId === W.woodgroveTenantId)
    assert.equal(woodgrove.status, 'failed')
    assert.match(woodgrove.error.code, /^ERR_TOKEN_/)
    assert.equal(woodgrove.rows, 0)
    // The LiveRegion redraws in place: cursor up one row and erase it (row by row, never to the end
    // of the screen — see live_region.ts), then the new line.
    assert.match(err, /hunting: 1\/2 tenants, \d+ rows…\n/)
    assert.match(err, /\r\u001b\[1A\u001b\[2Khunting: 2\/2 tenants, 1 rows…\n\r\u001b\[1A\u001b\[2K2 tenants: 1 answered \(1 rows\), 1 failed\n$/)
    assert.doesNotMatch(err + out, /eyJ[A-Za-z0-9_-]{10,}/)
    assert.ok(!(err + out).includes(W.clientSecret))
  })

  test('usage errors exit 2 before any request', async () => {
    const before = emu.requests.list().filter((q) => q.group === 'hunting').length
    for (const args of [[], ['a', 'b'], ['x', '--format', 'xml'], ['x', '--tenants', 'a,b', '--all-tenants'], ['x', '--all-tenants'], ['x', '--window', '1d'], ['x', '--tenants', 'not a tenant!']]) {
      const r = await cli(args)
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`)
      assert.match(r.stderr, /^error ERR_/m)
    }
    assert.equal(emu.requests.list().filter((q) => q.group === 'hunting').length, before)
  })
})
