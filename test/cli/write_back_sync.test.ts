// Issue 8 §4, end to end with no setup: "A write is reflected in the store by the next pass and in
// the incident history." The CLI writes to the emulator on Graph (`incidents update`,
// `alerts update`, `alerts comment`) as the demo app — which holds the write roles, as an MSSP app
// would — then `m365d sync --once` runs the next pass into an embedded PGlite store, which is read
// back: the incident row, its new version in m365d_incident_history (what the console's timeline
// shows), the alert row.
import { strict as assert } from 'node:assert'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { createEmulator, serve, WELL_KNOWN as W, type RunningEmulator } from '../../src/emulator/index.js'
import { openStore } from '../../src/sync/index.js'
import { emulatorEnv } from '../sync/process/_rig.js'
import { runCli, tempDir } from './_cli.js'

interface IncidentRow {
  status: string
  assigned_to: string | null
  classification: string | null
  version: number
  last_update_time: Date
  raw: { customTags?: string[]; comments?: { comment: string }[]; lastUpdateDateTime: string }
}
interface HistoryRow {
  version: number
  last_update_time: Date
  changes: Record<string, unknown>
}

describe('CLI write-back → next sync pass → store and incident history (Graph, no setup)', () => {
  let server: RunningEmulator
  let env: Record<string, string>
  const dataDir = join(tempDir('m365d-writeback-'), 'data')
  const asFabrikam = () => ({ ...env, M365D_TENANT_ID: W.fabrikamTenantId })
  const cli = async (args: string[], e: Record<string, string> = asFabrikam()) => {
    const r = await runCli(args, { env: e })
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`)
    // Graph all the way: no legacy call, so no legacy warning.
    assert.doesNotMatch(r.stderr, /M365D_LEGACY_API/)
    return r
  }
  const pass = async () => {
    const r = await cli(['sync', '--once', '--alerts', '--json'], env)
    const out = JSON.parse(r.stdout) as { ok: boolean; tenants: { tenantId: string; ok: boolean }[] }
    assert.deepEqual(out.tenants.map((t) => [t.tenantId, t.ok]), [[W.fabrikamTenantId, true]])
  }
  const read = async <T>(sql: string, params: unknown[]): Promise<T[]> => {
    const { db } = await openStore({ dataDir })
    try {
      return (await db.query<T & Record<string, unknown>>(sql, params)).rows
    } finally {
      await db.close()
    }
  }
  const incident = async (id: string) =>
    (await read<IncidentRow>('SELECT status, assigned_to, classification, version, last_update_time, raw FROM m365d_incidents WHERE tenant_id = $1 AND incident_id = $2', [W.fabrikamTenantId, id]))[0]!
  const history = (id: string) => read<HistoryRow>('SELECT version, last_update_time, changes FROM m365d_incident_history WHERE tenant_id = $1 AND incident_id = $2 ORDER BY version', [W.fabrikamTenantId, id])

  before(async () => {
    const emulator = await createEmulator({ defender: { incidentsPerTenant: 20 } })
    emulator.defender.limits.enabled = false
    server = await serve(emulator)
    env = emulatorEnv(server.url, { M365D_DATA_DIR: dataDir })
    await cli(['tenants', 'add', W.fabrikamTenantId], env)
    await pass()
  })
  after(() => server.close())

  test('incidents update (status, owner, tags, classification, comment): the next pass stores it with a new version saying what changed (tags too)', async () => {
    const [{ incident_id: id }] = (await read<{ incident_id: string }>(`SELECT incident_id FROM m365d_incidents WHERE tenant_id = $1 AND status NOT IN ('inProgress', 'redirected') ORDER BY incident_id LIMIT 1`, [W.fabrikamTenantId])) as [{ incident_id: string }]
    const before = await incident(id)

    await cli(['incidents', 'update', id, '--status', 'InProgress', '--assigned-to', 'soc@fabrikam.com', '--tag', 'wave-3', '--classification', 'TruePositive', '--determination', 'Phishing', '--comment', 'contained by m365d'])
    assert.equal((await incident(id)).version, before.version, 'nothing in the store before the pass')
    await pass()

    const after = await incident(id)
    assert.deepEqual([after.status, after.assigned_to, after.classification], ['inProgress', 'soc@fabrikam.com', 'truePositive'])
    assert.deepEqual(after.raw.customTags, ['wave-3'])
    assert.equal(after.raw.comments!.at(-1)!.comment, 'contained by m365d')
    assert.ok(after.version > before.version)
    const last = (await history(id)).at(-1)!
    assert.equal(last.version, after.version)
    assert.deepEqual(last.changes.status, [before.status, 'inProgress'])
    assert.deepEqual(last.changes.assignedTo, [before.assigned_to, 'soc@fabrikam.com'])
    assert.deepEqual(last.changes.tags, [before.raw.customTags ?? [], ['wave-3']])
  })

  test('alerts update + comment: the next pass stores the alert, and the incident history gains the version the write made', async () => {
    const [{ alert_id: alertId, incident_id: incidentId }] = (await read<{ alert_id: string; incident_id: string }>(
      `SELECT a.alert_id, a.incident_id FROM m365d_alerts a JOIN m365d_incidents i USING (tenant_id, incident_id)
       WHERE a.tenant_id = $1 AND a.status = 'new' AND i.status <> 'resolved' ORDER BY a.alert_id LIMIT 1`,
      [W.fabrikamTenantId],
    )) as [{ alert_id: string; incident_id: string }]
    const before = await incident(incidentId)
    const versionsBefore = (await history(incidentId)).length

    await cli(['alerts', 'update', alertId, '--status', 'resolved', '--classification', 'truePositive', '--determination', 'malware', '--assigned-to', 'tier2@fabrikam.com'])
    await cli(['alerts', 'comment', alertId, 'device isolated'])
    await pass()

    const [alert] = await read<{ status: string; last_update_time: Date; raw: { assignedTo: string; determination: string; comments: { comment: string }[] } }>(
      'SELECT status, last_update_time, raw FROM m365d_alerts WHERE tenant_id = $1 AND alert_id = $2',
      [W.fabrikamTenantId, alertId],
    )
    assert.equal(alert!.status, 'resolved')
    assert.deepEqual([alert!.raw.assignedTo, alert!.raw.determination], ['tier2@fabrikam.com', 'malware'])
    assert.deepEqual(alert!.raw.comments.map((c) => c.comment), ['device isolated'])
    // An alert write moves its incident's lastUpdateDateTime (Graph), so the incident is read again
    // and its history records the version, at the time of the write.
    const after = await incident(incidentId)
    assert.ok(after.version > before.version)
    assert.ok(after.last_update_time.getTime() >= alert!.last_update_time.getTime())
    const rows = await history(incidentId)
    assert.ok(rows.length > versionsBefore)
    assert.equal(rows.at(-1)!.version, after.version)
    assert.equal(new Date(rows.at(-1)!.last_update_time).getTime(), after.last_update_time.getTime())
  })
})
