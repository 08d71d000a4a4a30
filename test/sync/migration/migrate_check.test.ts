import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { GraphIncident, Incident } from '../../../src/defender/index.js'
import { WELL_KNOWN } from '../../../src/emulator/index.js'
import { migrateCheck } from '../../../src/sync/migration/migrate_check.js'
import { compareIncidents } from '../../../src/sync/migration/parity.js'
import { rig, type Rig } from '../engine/_setup.js'

const DAY = 86_400_000

describe('migrate check against the emulator', () => {
  let r: Rig
  const base = (tenantId: string) => ({
    tokenProvider: r.tokens,
    tenantId,
    since: new Date(Date.now() - 30 * DAY),
    defenderApi: r.server.url,
    graphApi: r.server.url,
    authorityHost: r.server.url,
    limits: false as const,
  })
  before(async () => {
    r = await rig({ incidentsPerTenant: 80 })
  })
  after(() => {
    r.emulator.defender.setLive(false)
    return r.close()
  })

  test('a consented tenant is ready: same incidents and alerts on both surfaces, even while live mode changes them', async () => {
    r.emulator.defender.setLive(true, 5)
    const report = await migrateCheck(base(WELL_KNOWN.contosoTenantId))
    r.emulator.defender.setLive(false)
    assert.equal(report.status, 'ready', JSON.stringify(report.problems))
    assert.equal(report.ok, true)
    assert.ok(report.legacy.incidents > 0)
    // An incident updated between the two listings may be in one window and not the other: the
    // recheck drops it as changed during the check, so the counts may differ by those only.
    assert.ok(Math.abs(report.legacy.incidents - report.graph.incidents) <= report.changedDuringCheck.length, JSON.stringify({ legacy: report.legacy, graph: report.graph, changed: report.changedDuringCheck }))
    assert.deepEqual([report.onlyLegacy, report.onlyGraph, report.differences], [[], [], []])
    assert.equal(report.alertsCompared, true)
    assert.ok(report.legacy.alerts > 0)
    assert.equal(report.readiness?.ready, true)
  })

  test('a tenant with only the legacy roles: needs_graph_consent, with the Graph consent link and the days left', async () => {
    r.emulator.directory.consent(WELL_KNOWN.tailspinTenantId, WELL_KNOWN.clientId, [{ resource: 'https://api.security.microsoft.com', roles: ['Incident.Read.All'] }])
    const report = await migrateCheck(base(WELL_KNOWN.tailspinTenantId))
    assert.equal(report.status, 'needs_graph_consent')
    assert.equal(report.ok, false)
    assert.equal(report.legacy.listed, true)
    assert.equal(report.graph.listed, false)
    const p = report.problems.find((x) => x.code === 'needs_graph_consent')!
    assert.match(p.message, /1 Feb 2027 \(\d+ days left\)/)
    assert.match(p.fix, /\/v2\.0\/adminconsent\?client_id=/)
  })

  test('a tenant that never consented is an error with the fix', async () => {
    const report = await migrateCheck(base(WELL_KNOWN.woodgroveTenantId))
    assert.equal(report.status, 'error')
    assert.equal(report.problems[0]?.code, 'not_consented')
  })
})

describe('parity: what counts as a difference after mapping', () => {
  const legacy = (over: Partial<Incident> = {}): Incident =>
    ({
      incidentId: 7,
      redirectIncidentId: null,
      incidentName: 'Ransomware',
      createdTime: '2026-11-01T00:00:00.1230000Z',
      lastUpdateTime: '2026-11-02T00:00:00Z',
      assignedTo: null,
      classification: null,
      determination: null,
      status: 'Active',
      severity: 'UnSpecified',
      tags: ['b', 'a'],
      comments: [],
      alerts: [{ alertId: 'da1' } as never],
      ...over,
    }) as Incident
  const graph = (over: Partial<GraphIncident> = {}): GraphIncident =>
    ({
      id: '7',
      tenantId: 't',
      displayName: 'Ransomware',
      createdDateTime: '2026-11-01T00:00:00.123Z',
      lastUpdateDateTime: '2026-11-02T00:00:00.0000000Z',
      redirectIncidentId: null,
      assignedTo: null,
      classification: 'unknown',
      determination: 'unknown',
      status: 'active',
      severity: 'unknown',
      customTags: ['a', 'b'],
      alerts: [{ id: 'da1' } as never],
      ...over,
    }) as GraphIncident

  test('the same incident in each surface’s spelling is no difference', () => {
    const p = compareIncidents([legacy()], [graph()])
    assert.deepEqual(p, { legacyCount: 1, graphCount: 1, onlyLegacy: [], onlyGraph: [], differences: [], legacyAlerts: 1, graphAlerts: 1 })
  })

  test('determination spellings the docs disagree on map together; real changes are reported per field', () => {
    const same = compareIncidents([legacy({ classification: 'FalsePositive', determination: 'Clean' })], [graph({ classification: 'falsePositive', determination: 'clean' as never })])
    assert.deepEqual(same.differences, [])
    const p = compareIncidents(
      [legacy({ status: 'Resolved', alerts: [{ alertId: 'da1' } as never, { alertId: 'da2' } as never] }), legacy({ incidentId: 9 })],
      [graph({ assignedTo: 'secop@contoso.com' }), graph({ id: '10' })],
    )
    assert.deepEqual(p.onlyLegacy, ['9'])
    assert.deepEqual(p.onlyGraph, ['10'])
    assert.deepEqual(
      p.differences.map((d) => [d.id, d.field, d.legacy, d.graph]),
      [
        ['7', 'status', 'resolved', 'active'],
        ['7', 'assignedTo', null, 'secop@contoso.com'],
        ['7', 'alertIds', ['da1', 'da2'], ['da1']],
      ],
    )
  })
})
