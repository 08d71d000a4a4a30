import { join } from 'node:path'
// `m365d incidents …` as a subprocess against the emulator on a real port.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { createEmulator, serve, WELL_KNOWN, type Emulator, type RunningEmulator } from '../../src/emulator/index.js'
import { runMain } from '../../src/cli/run_main.js'
import { runCli, tempDir } from './_cli.js'
import { emulatorGraphApi } from '../../src/cli/commands/incidents_shared.js'

const W = WELL_KNOWN
let emu: Emulator
let srv: RunningEmulator
let env: Record<string, string>

describe('m365d incidents', () => {
  before(async () => {
    emu = await createEmulator()
    srv = await serve(emu)
    emu.defender.limits = { ...emu.defender.limits, enabled: false }
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

  const cli = (args: string[], extra: Record<string, string> = {}) => runCli(['incidents', ...args], { env: { ...env, ...extra } })

  test('list --format json --top 5: five native legacy incidents, newest first', async () => {
    const r = await cli(['list', '--top', '5', '--format', 'json'])
    assert.equal(r.code, 0, r.stderr)
    const items = JSON.parse(r.stdout)
    assert.equal(items.length, 5)
    assert.ok(items.every((i: any) => typeof i.incidentId === 'number' && typeof i.lastUpdateTime === 'string'))
  })

  test('list piped: tab-separated full values (like gh), --status filter applied', async () => {
    const r = await cli(['list', '--status', 'Active', '--top', '20'])
    assert.equal(r.code, 0, r.stderr)
    const lines = r.stdout.trimEnd().split('\n')
    assert.deepEqual(lines[0]!.split('\t'), ['ID', 'SEVERITY', 'STATUS', 'LAST UPDATE', 'ASSIGNED TO', 'ALERTS', 'NAME'])
    assert.ok(lines.length > 1)
    for (const line of lines.slice(1)) {
      const cells = line.split('\t')
      assert.equal(cells.length, 7, line)
      assert.equal(cells[2], 'Active')
      assert.match(cells[3]!, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d+Z$/, 'full timestamps when piped')
      assert.ok(!cells[6]!.endsWith('…'), 'never cut when piped')
    }
  })

  test('list --api graph --severity High --all --format ndjson: Graph objects, server-side severity filter', async () => {
    const r = await cli(['list', '--api', 'graph', '--severity', 'high', '--all', '--format', 'ndjson'])
    assert.equal(r.code, 0, r.stderr)
    const items = r.stdout.trim().split('\n').map((l) => JSON.parse(l))
    assert.ok(items.length > 0)
    assert.ok(items.every((i: any) => i.severity === 'high' && typeof i.id === 'string'))
    assert.equal(r.stderr, '', 'no progress line when stderr is not a TTY')
    const requests = emu.requests.list().filter((q) => q.group === 'graph' && q.url.includes('severity'))
    assert.ok(requests.length > 0, 'severity was not sent to the server')
  })

  test('list --api graph: the ALERTS column is filled (alerts expanded in small pages)', async () => {
    const r = await cli(['list', '--api', 'graph', '--top', '30'])
    assert.equal(r.code, 0, r.stderr)
    const rows = r.stdout.trimEnd().split('\n').slice(1).map((l) => l.split('\t'))
    assert.equal(rows.length, 30)
    for (const cells of rows) assert.match(cells[5]!, /^\d+$/, `ALERTS blank in ${cells.join(' | ')}`)
    assert.ok(rows.some((c) => Number(c[5]) > 0))
    const expanded = emu.requests.list().filter((q) => q.url.includes('/v1.0/security/incidents') && q.url.includes('expand=alerts'))
    assert.ok(expanded.length >= 2 && expanded.every((q) => /\$top=25\b/.test(decodeURIComponent(q.url))), 'pages of at most 25 with $expand')
  })

  test('-o csv / tsv / yaml and --query on a list', async () => {
    const [csv, tsv, yaml, query] = await Promise.all([
      cli(['list', '--top', '3', '-o', 'csv']),
      cli(['list', '--top', '3', '-o', 'tsv']),
      cli(['list', '--top', '3', '-o', 'yaml']),
      cli(['list', '--top', '3', '--query', '[].incidentId', '-o', 'json']),
    ])
    for (const r of [csv, tsv, yaml, query]) assert.equal(r.code, 0, r.stderr)
    assert.equal(csv.stdout.split('\n')[0], 'id,severity,status,updated,assignedTo,alerts,name')
    assert.equal(csv.stdout.trimEnd().split('\n').length, 4)
    assert.equal(tsv.stdout.trimEnd().split('\n').length, 3, 'tsv: values only, no header (az)')
    assert.match(yaml.stdout, /^- incidentId: \d+$/m)
    const ids = JSON.parse(query.stdout)
    assert.equal(ids.length, 3)
    assert.ok(ids.every((i: unknown) => typeof i === 'number'))
    assert.equal(tsv.stdout.split('\n')[0]!.split('\t')[0], String(ids[0]))
  })

  test('--api graph with only M365D_DEFENDER_API set (the emulator banner): Graph calls go to the same emulator', async () => {
    const before = emu.requests.list().filter((q) => q.group === 'graph').length
    const r = await cli(['list', '--api', 'graph', '--top', '2', '--format', 'json'], { M365D_GRAPH_API: '' })
    assert.equal(r.code, 0, r.stderr)
    const items = JSON.parse(r.stdout)
    assert.equal(items.length, 2)
    assert.ok(items.every((i: any) => typeof i.id === 'string' && typeof i.lastUpdateDateTime === 'string'))
    assert.ok(emu.requests.list().filter((q) => q.group === 'graph').length > before, 'the emulator did not serve the Graph call')
    // Real Microsoft hosts (regional, gov) keep the cloud's Graph host.
    assert.equal(emulatorGraphApi('https://api-eu.security.microsoft.com', 'env'), undefined)
    assert.equal(emulatorGraphApi('https://api-gov.security.microsoft.us', 'flag'), undefined)
    assert.equal(emulatorGraphApi(srv.url, 'default'), undefined)
    assert.equal(emulatorGraphApi(srv.url, 'env'), srv.url)
  })

  test('--tenant, --since and --assigned-to: the filter goes to the server and only that tenant answers', async () => {
    const now = Date.now()
    const recent = emu.defender.visible(W.fabrikamTenantId).filter((i) => i.assignedTo && i.lastUpdateTime >= now - 30 * 86_400_000)
    const owner = recent[0]!.assignedTo!
    const expected = recent.filter((i) => i.assignedTo === owner).map((i) => i.incidentId).sort()
    const before = emu.requests.list().length
    const r = await cli(['list', '--tenant', W.fabrikamTenantId, '--since', '30d', '--assigned-to', owner, '--all', '--format', 'json'])
    assert.equal(r.code, 0, r.stderr)
    const items = JSON.parse(r.stdout)
    assert.deepEqual(items.map((i: any) => i.incidentId).sort(), expected)
    assert.ok(items.every((i: any) => i.incidentUri.endsWith(`tid=${W.fabrikamTenantId}`)))
    const sent = emu.requests.list().slice(before).filter((q) => q.group === 'defender').map((q) => decodeURIComponent(q.url))
    assert.ok(sent.length > 0 && sent.every((u) => /lastUpdateTime ge \d{4}-\d\d-\d\dT[\d:.]+Z/.test(u.replaceAll('+', ' ')) && u.includes(`assignedTo eq '${owner}'`)), sent.join('\n'))
  })

  test('legacy --severity is filtered client-side; csv output', async () => {
    const r = await cli(['list', '--severity', 'High', '--top', '7', '--format', 'csv'])
    assert.equal(r.code, 0, r.stderr)
    const [header, ...rows] = r.stdout.trim().split('\n')
    assert.equal(header, 'id,severity,status,updated,assignedTo,alerts,name')
    assert.equal(rows.length, 7)
    assert.ok(rows.every((row) => row.split(',')[1] === 'High'))
  })

  test('get ID (text and json); unknown id → exit 3 with the 404', async () => {
    const list = JSON.parse((await cli(['list', '--top', '1', '--json'])).stdout)
    const id = String(list[0].incidentId)
    const text = await cli(['get', id])
    assert.equal(text.code, 0, text.stderr)
    assert.match(text.stdout, new RegExp(`^Incident ${id}: `))
    assert.match(text.stdout, /Alerts \(\d+\)/)
    const json = await cli(['get', id, '--json'])
    assert.equal(JSON.parse(json.stdout).incidentId, Number(id))
    // On a terminal the alert rows are one aligned table under a header, cut to the width.
    let out = ''
    const tty = await runMain(['incidents', 'get', id], { stdout: { write: (t: string) => (out += t) }, stderr: { write: () => true }, stdin: (async function* () {})(), env: { ...env, COLUMNS: '80' }, cwd: process.cwd(), isTTY: true })
    assert.equal(tty, 0)
    const lines = out.trimEnd().split('\n')
    const head = lines.findIndex((l) => /^ {2}ID +SEVERITY +STATUS +TITLE/.test(l))
    assert.ok(head > 0, out)
    const alertLines = lines.slice(head)
    assert.ok(alertLines.length >= 2)
    const statusAt = lines[head]!.indexOf('STATUS')
    for (const l of alertLines.slice(1)) {
      assert.ok(l.length <= 80, l)
      assert.match(l.slice(statusAt), /^(New|InProgress|Resolved|Active|new|inProgress|resolved)\b/, `misaligned: ${l}`)
    }
    const missing = await cli(['get', '987654321'])
    assert.equal(missing.code, 3)
    assert.match(missing.stderr, /^error ERR_HTTP_STATUS: .*404/m)
  })

  test('update: changes are applied and returned; lastUpdateTime moves', async () => {
    const [first] = JSON.parse((await cli(['list', '--top', '1', '--json', '--status', 'Active'])).stdout)
    const r = await cli(['update', String(first.incidentId), '--status', 'Resolved', '--classification', 'TruePositive', '--determination', 'Phishing', '--tag', 'cli', '--tag', 'test', '--comment', 'closed from the CLI', '--json'])
    assert.equal(r.code, 0, r.stderr)
    const updated = JSON.parse(r.stdout)
    assert.equal(updated.status, 'Resolved')
    assert.equal(updated.determination, 'Phishing')
    assert.deepEqual(updated.tags, ['cli', 'test'])
    assert.equal(updated.comments.at(-1).comment, 'closed from the CLI')
    assert.ok(Date.parse(updated.lastUpdateTime) >= Date.parse(first.lastUpdateTime))
  })

  test('update --api graph (text): the updated incident without a bogus "Alerts (0)"; get shows the expanded alerts', async () => {
    const [first] = JSON.parse((await cli(['list', '--api', 'graph', '--top', '1', '--json', '--status', 'Active'])).stdout)
    const r = await cli(['update', first.id, '--api', 'graph', '--status', 'InProgress', '--comment', 'looking'])
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /status\s+inProgress/)
    assert.match(r.stdout, /: looking$/m)
    assert.doesNotMatch(r.stdout, /Alerts \(0\)/)
    const g = await cli(['get', first.id, '--api', 'graph'])
    assert.equal(g.code, 0, g.stderr)
    assert.match(g.stdout, /^Alerts \([1-9]\d*\)$/m)
  })

  test('invalid classification/determination pair: exit 2 with the valid choices, no request sent', async () => {
    const before = emu.requests.list().length
    const r = await cli(['update', '5', '--classification', 'FalsePositive', '--determination', 'Malware'])
    assert.equal(r.code, 2)
    assert.match(r.stderr, /error ERR_INVALID_ARGUMENT: determination "Malware" is not valid with classification FalsePositive/)
    assert.match(r.stderr, /hint: valid determinations for FalsePositive: Clean, NoEnoughDataToValidate, Other/)
    assert.equal(emu.requests.list().length, before)
  })

  test('bad input → usage errors (exit 2) before any request', async () => {
    const before = emu.requests.list().length
    const cases: Array<[string[], RegExp]> = [
      [['list', '--updated-since', 'yesterday'], /invalid date 'yesterday' for --updated-since/],
      [['list', '--since', '7 days'], /invalid duration/],
      [['list', '--status', 'Open'], /unknown --status value 'Open'/],
      [['list', '--severity', 'Critical'], /unknown --severity value/],
      [['list', '--top', 'ten'], /--top must be a positive integer/],
      [['list', '--top', '5', '--all'], /exclusive/],
      [['list', '--format', 'xml'], /unknown --format/],
      [['list', '--api', 'beta'], /neither graph nor legacy/],
      [['get', 'abc'], /invalid incident id "abc"/],
      [['get'], /needs an incident ID/],
      [['update', '12', '--status', 'Closed'], /unknown status "Closed"/],
      [['update', '12'], /nothing to update/],
      [['update', '12', '--determination', 'Malware'], /needs a classification/],
    ]
    const results = await Promise.all(cases.map(([args]) => cli(args)))
    cases.forEach(([args, message], i) => {
      assert.equal(results[i]!.code, 2, `${args.join(' ')}: ${results[i]!.stderr}`)
      assert.match(results[i]!.stderr, message, args.join(' '))
    })
    assert.equal(emu.requests.list().length, before)
  })

  test('403 for a tenant without the role: exit 3, permission and roles named, no token in output', async () => {
    const r = await cli(['list'], { M365D_TENANT_ID: W.tailspinTenantId })
    assert.equal(r.code, 3)
    assert.match(r.stderr, /error ERR_HTTP_FORBIDDEN: .*needs Incident\.Read\.All or Incident\.ReadWrite\.All; the token has roles: AdvancedHunting\.Read\.All/)
    assert.match(r.stderr, /hint: grant Incident\.Read\.All or Incident\.ReadWrite\.All \(Microsoft Threat Protection\)/)
    assert.doesNotMatch(r.stderr + r.stdout, /eyJ[A-Za-z0-9_-]{10,}/)
    assert.ok(!(r.stderr + r.stdout).includes(W.clientSecret))
  })

  test('--all on a TTY stderr shows a progress line redrawn in place, then clears it (in-process runMain)', async () => {
    let out = ''
    let err = ''
    const code = await runMain(['incidents', 'list', '--all', '--format', 'json'], {
      stdout: { write: (s: string) => (out += s) },
      stderr: Object.assign({ write: (s: string) => (err += s) }, { isTTY: true }),
      stdin: (async function* () {})(),
      env,
      cwd: process.cwd(),
      isTTY: false,
    })
    assert.equal(code, 0, err)
    const items = JSON.parse(out)
    assert.ok(items.length > 100)
    assert.match(err, new RegExp(`\\r\u001b\\[1A\u001b\\[2Kfetched ${items.length} incidents \\(\\d+ pages\\)…\n`))
    assert.ok(err.endsWith('\r\u001b[1A\u001b[2K'), 'the region is erased at the end')
  })

  test('list --all-tenants reads the registry: TenantId per row, the unconsented tenant reported in the document (exit 3)', async () => {
    const dir = join(tempDir(), 'data')
    for (const t of [W.contosoTenantId, W.woodgroveTenantId]) assert.equal((await runCli(['tenants', 'add', t, '--data-dir', dir], { env })).code, 0)
    const r = await cli(['list', '--all-tenants', '--data-dir', dir, '--top', '3', '-o', 'json'])
    assert.equal(r.code, 3, r.stderr)
    const doc = JSON.parse(r.stdout) as { tenants: { tenantId: string; status: string; rows: number; error?: { code: string } }[]; rows: { TenantId: string }[] }
    assert.deepEqual(doc.tenants.map((t) => [t.tenantId, t.status, t.rows]), [[W.contosoTenantId, 'ok', 3], [W.woodgroveTenantId, 'failed', 0]])
    assert.match(doc.tenants[1]!.error!.code, /^ERR_TOKEN_/)
    assert.deepEqual([...new Set(doc.rows.map((x) => x.TenantId))], [W.contosoTenantId])
    assert.match(r.stderr, /2 tenants: 1 answered \(3 incidents\), 1 failed/)
  })
})
