// `m365d alerts list|get|update|comment` and `m365d incidents comment` as subprocesses against the
// emulator on a real port: the write lands in the emulator and is read back.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { createEmulator, serve, WELL_KNOWN as W, type Emulator, type RunningEmulator } from '../../src/emulator/index.js'
import { runCli } from './_cli.js'

let emu: Emulator
let srv: RunningEmulator
let env: Record<string, string>

describe('m365d alerts / incidents comment', () => {
  before(async () => {
    emu = await createEmulator()
    srv = await serve(emu)
    emu.defender.limits = { ...emu.defender.limits, enabled: false }
    // No setup: the demo app holds the Graph read and write roles in fabrikam, as an MSSP app would.
    env = { M365D_TENANT_ID: W.fabrikamTenantId, M365D_CLIENT_ID: W.clientId, M365D_CLIENT_SECRET: W.clientSecret, M365D_AUTHORITY_HOST: srv.url, M365D_DEFENDER_API: srv.url, M365D_GRAPH_API: srv.url, COLUMNS: '120' }
  })
  after(() => srv.close())

  const cli = (args: string[], extra: Record<string, string> = {}) => runCli(args, { env: { ...env, ...extra } })

  test('alerts list: a table when piped, json with --format json, filters sent to Graph', async () => {
    const piped = await cli(['alerts', 'list', '--top', '5'])
    assert.equal(piped.code, 0, piped.stderr)
    const lines = piped.stdout.trimEnd().split('\n')
    assert.deepEqual(lines[0]!.split('\t'), ['ID', 'SEVERITY', 'STATUS', 'CREATED', 'INCIDENT', 'ASSIGNED TO', 'TITLE'])
    assert.equal(lines.length, 6)
    const json = await cli(['alerts', 'list', '--severity', 'high', '--top', '3', '--format', 'json'])
    assert.equal(json.code, 0, json.stderr)
    const items = JSON.parse(json.stdout)
    assert.ok(items.length > 0 && items.every((a: any) => a.severity === 'high' && typeof a.id === 'string'))
    const bad = await cli(['alerts', 'list', '--status', 'closed'])
    assert.notEqual(bad.code, 0)
    assert.match(bad.stderr, /new, inProgress, resolved/)
  })

  test('alerts update + comment, then get shows both; bad values fail before any call', async () => {
    const id = JSON.parse((await cli(['alerts', 'list', '--top', '1', '--format', 'json'])).stdout)[0].id
    const before = emu.requests.list().length
    const refused = await cli(['alerts', 'update', id, '--classification', 'falsePositive', '--determination', 'malware'])
    assert.notEqual(refused.code, 0)
    assert.match(refused.stderr, /notMalicious|Clean/)
    assert.equal(emu.requests.list().length, before, 'no call for a bad pair')
    const updated = await cli(['alerts', 'update', id, '--status', 'inProgress', '--assigned-to', 'soc@fabrikam.com', '--classification', 'TruePositive', '--determination', 'compromisedUser', '--format', 'json'])
    assert.equal(updated.code, 0, updated.stderr)
    const a = JSON.parse(updated.stdout)
    assert.deepEqual([a.status, a.assignedTo, a.classification, a.determination], ['inProgress', 'soc@fabrikam.com', 'truePositive', 'compromisedAccount'])
    const commented = await cli(['alerts', 'comment', id, 'isolated the device'])
    assert.equal(commented.code, 0, commented.stderr)
    assert.match(commented.stdout, /m365d demo partner app: isolated the device/)
    const shown = await cli(['alerts', 'get', id])
    assert.equal(shown.code, 0, shown.stderr)
    assert.match(shown.stdout, /assigned to\s+soc@fabrikam\.com/)
    assert.match(shown.stdout, /comment .*isolated the device/)
  })

  test('a tenant whose admin granted read only: list works, alert and incident update/comment are 403 naming the role, the tenant and the fix', async () => {
    // Tailspin's admin consents again, to the Graph READ roles only (no SecurityAlert.ReadWrite.All).
    const res = await fetch(`${srv.url}/_emulator/tenants/${W.tailspinTenantId}/grants/${W.clientId}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ consent: [{ resource: 'https://graph.microsoft.com', roles: ['SecurityIncident.Read.All', 'SecurityAlert.Read.All'] }] }),
    })
    assert.ok(res.ok)
    const readOnly = { M365D_TENANT_ID: W.tailspinTenantId }
    const listed = await cli(['alerts', 'list', '--top', '1', '--format', 'json'], readOnly)
    assert.equal(listed.code, 0, listed.stderr)
    const id = JSON.parse(listed.stdout)[0].id
    const before = JSON.stringify(emu.defender.alerts(W.tailspinTenantId).find((r) => r.alert.alertId === id)!.alert)
    for (const args of [['alerts', 'update', id, '--status', 'resolved'], ['alerts', 'comment', id, 'triaged']]) {
      const r = await cli(args, readOnly)
      assert.equal(r.code, 3, `${args.join(' ')}: ${r.stderr}`)
      assert.match(r.stderr, /error ERR_HTTP_FORBIDDEN: .*403 .*needs SecurityAlert\.ReadWrite\.All; the token has roles: .*SecurityAlert\.Read\.All/)
      assert.match(r.stderr, new RegExp(`hint: grant SecurityAlert\\.ReadWrite\\.All \\(Microsoft Graph\\) to the app, then admin-consent again in tenant ${W.tailspinTenantId}`))
      assert.doesNotMatch(r.stderr + r.stdout, /eyJ[A-Za-z0-9_-]{10,}/)
    }
    assert.equal(JSON.stringify(emu.defender.alerts(W.tailspinTenantId).find((r) => r.alert.alertId === id)!.alert), before, 'nothing written')
    // The same for incident write-back on Graph: SecurityIncident.ReadWrite.All, named with the tenant.
    const incident = JSON.parse((await cli(['incidents', 'list', '--top', '1', '--format', 'json'], readOnly)).stdout)[0].id
    for (const args of [['incidents', 'update', incident, '--status', 'InProgress'], ['incidents', 'comment', incident, 'triaged']]) {
      const r = await cli(args, readOnly)
      assert.equal(r.code, 3, `${args.join(' ')}: ${r.stderr}`)
      assert.match(r.stderr, /needs SecurityIncident\.ReadWrite\.All; the token has roles: /)
      assert.match(r.stderr, new RegExp(`hint: grant SecurityIncident\\.ReadWrite\\.All \\(Microsoft Graph\\) to the app, then admin-consent again in tenant ${W.tailspinTenantId}`))
    }
  })

  test('incidents comment on Graph (default) and on legacy', async () => {
    const g = await cli(['incidents', 'list', '--top', '1', '--api', 'graph', '--format', 'json'])
    const gid = JSON.parse(g.stdout)[0].id
    const posted = await cli(['incidents', 'comment', gid, 'contained', '--api', 'graph', '--format', 'json'])
    assert.equal(posted.code, 0, posted.stderr)
    assert.equal(JSON.parse(posted.stdout).at(-1).comment, 'contained')
    // Legacy, while it lasts (Incident.ReadWrite.All).
    const lid = JSON.parse((await cli(['incidents', 'list', '--top', '1', '--api', 'legacy', '--format', 'json'])).stdout)[0].incidentId
    const ok = await cli(['incidents', 'comment', String(lid), 'via legacy', '--api', 'legacy', '--format', 'json'])
    assert.equal(ok.code, 0, ok.stderr)
    assert.equal(JSON.parse(ok.stdout).at(-1).comment, 'via legacy')
    const empty = await cli(['incidents', 'comment', gid, '  ', '--api', 'graph'])
    assert.notEqual(empty.code, 0)
  })
})
