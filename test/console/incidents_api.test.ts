import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { ActionResponse, IncidentDetail, QueueResponse } from '../../src/console/index.js'
import { WELL_KNOWN } from '../../src/emulator/index.js'
import { commitBatch } from '../../src/sync/db/sql/commit_batch.js'
import { fromScratch, maintained } from './_counts.js'
import { consoleRig, eventually, type ConsoleRig } from './_rig.js'

describe('console incidents API', { timeout: 180_000 }, () => {
  let rig: ConsoleRig
  let s: { cookie: string; csrf: string }
  const get = async <T>(path: string) => {
    const r = await fetch(`${rig.base}/console/api${path}`, { headers: { cookie: s.cookie } })
    assert.equal(r.status, 200, `${path}: ${r.status}`)
    return (await r.json()) as T
  }
  before(async () => {
    rig = await consoleRig({ incidentsPerTenant: 120 })
    s = await rig.login()
    await eventually(async () => {
      const { rows } = await rig.db.query<{ n: string }>(`SELECT count(DISTINCT tenant_id) AS n FROM m365d_incidents`)
      return Number(rows[0]!.n) === 2
    }, 60_000, 'both healthy tenants synced')
    await rig.daemon.stop()
  })
  after(() => rig.close())

  test('keyset paging walks every stored incident exactly once, in order, for each sort', async () => {
    const { rows } = await rig.db.query<{ n: string }>(`SELECT count(*) AS n FROM m365d_incidents`)
    const total = Number(rows[0]!.n)
    for (const sort of ['updated', 'created', 'severity']) {
      const seen: string[] = []
      let cursor: string | null = null
      do {
        const page: QueueResponse = await get<QueueResponse>(`/incidents?open=false&sort=${sort}&limit=37${cursor ? `&cursor=${cursor}` : ''}`)
        seen.push(...page.items.map((i) => `${i.tenantId}/${i.incidentId}`))
        cursor = page.next
      } while (cursor)
      assert.equal(seen.length, total, sort)
      assert.equal(new Set(seen).size, total, `${sort}: no duplicates`)
    }
  })

  test('filters: tenant, severity, status, assignedTo, classification, age, text', async () => {
    const all = (await get<QueueResponse>(`/incidents?open=false&limit=200`)).items
    const fab = await get<QueueResponse>(`/incidents?open=false&limit=200&tenant=${WELL_KNOWN.fabrikamTenantId}`)
    assert.ok(fab.items.length > 0 && fab.items.every((i) => i.tenantId === WELL_KNOWN.fabrikamTenantId))
    const high = await get<QueueResponse>(`/incidents?open=false&severity=high`)
    assert.ok(high.items.length > 0 && high.items.every((i) => i.severity?.toLowerCase() === 'high'))
    const resolved = await get<QueueResponse>(`/incidents?status=resolved`)
    assert.ok(resolved.items.every((i) => i.status?.toLowerCase() === 'resolved'))
    const open = await get<QueueResponse>(`/incidents`)
    assert.ok(open.items.every((i) => ['active', 'inprogress', 'awaitingaction'].includes(i.status!.toLowerCase())))
    const someone = all.find((i) => i.assignedTo)!.assignedTo!
    const assigned = await get<QueueResponse>(`/incidents?open=false&assignedTo=${encodeURIComponent(someone.toUpperCase())}`)
    assert.ok(assigned.items.length > 0 && assigned.items.every((i) => i.assignedTo === someone))
    const unassigned = await get<QueueResponse>(`/incidents?open=false&assignedTo=unassigned`)
    assert.ok(unassigned.items.every((i) => !i.assignedTo))
    const tp = await get<QueueResponse>(`/incidents?open=false&classification=truePositive`)
    assert.ok(tp.items.every((i) => i.classification?.toLowerCase() === 'truepositive'))
    const young = await get<QueueResponse>(`/incidents?open=false&maxAgeHours=240`)
    assert.ok(young.items.every((i) => Date.now() - Date.parse(i.createdTime!) <= 240 * 3_600_000 + 60_000))
    const word = all[0]!.title!.split(' ')[1]!
    const text = await get<QueueResponse>(`/incidents?open=false&text=${encodeURIComponent(word)}`)
    assert.ok(text.items.length > 0 && text.items.every((i) => i.title!.toLowerCase().includes(word.toLowerCase()) || i.assignedTo?.includes(word)))
    const bad = await fetch(`${rig.base}/console/api/incidents?severity=urgent`, { headers: { cookie: s.cookie } })
    assert.equal(bad.status, 400)
  })

  test('bulk action across tenants: written back per tenant, the tenant without the write role answers 403 with its fix', async () => {
    // An incident stored before Tailspin's admin removed the roles (its token has hunting roles only).
    await commitBatch(rig.db, {
      tenantId: WELL_KNOWN.tailspinTenantId,
      source: 'legacy',
      incidents: [{ incidentId: '424242', lastUpdateTime: new Date().toISOString(), status: 'Active', severity: 'High', raw: { incidentId: 424242, incidentName: 'Stored earlier', status: 'Active', severity: 'High' } }],
      alerts: [],
    })
    const open = (await get<QueueResponse>(`/incidents?limit=200`)).items
    const contoso = open.find((i) => i.tenantId === WELL_KNOWN.contosoTenantId)!
    const fabrikam = open.find((i) => i.tenantId === WELL_KNOWN.fabrikamTenantId)!
    const targets = [contoso, fabrikam, { tenantId: WELL_KNOWN.tailspinTenantId, source: 'legacy', incidentId: '424242' }].map((i) => ({ tenantId: i.tenantId, source: i.source, incidentId: i.incidentId }))
    const r = await fetch(`${rig.base}/console/api/incidents/actions`, {
      method: 'POST',
      headers: { cookie: s.cookie, 'x-csrf-token': s.csrf, 'content-type': 'application/json' },
      body: JSON.stringify({ targets, action: { status: 'InProgress', assignedTo: 'tier2@partner.example', classification: 'TruePositive', determination: 'Malware', comment: 'bulk from the console' } }),
    })
    assert.equal(r.status, 207)
    const { results } = (await r.json()) as ActionResponse
    assert.deepEqual(results.map((x) => x.ok), [true, true, false])
    assert.equal(results[2]!.status, 403)
    assert.match(results[2]!.error!.message, /Incident\.ReadWrite\.All/)
    assert.match(results[2]!.error!.hint!, /consent again/)
    for (const t of [contoso, fabrikam]) {
      const control = (await (await fetch(`${rig.server.url}/_emulator/defender/tenants/${t.tenantId}/incidents`)).json()) as { value: Record<string, unknown>[] }
      const server = control.value.find((i) => String(i.incidentId) === t.incidentId)!
      assert.equal(server.assignedTo, 'tier2@partner.example')
      assert.equal(server.status, 'InProgress')
      assert.equal(server.determination, 'Malware')
      const detail = await get<IncidentDetail>(`/incidents/${t.tenantId}/${t.source}/${t.incidentId}`)
      assert.equal(detail.item.assignedTo, 'tier2@partner.example', 'visible in the store at once')
      assert.ok(detail.comments.some((c) => c.text === 'bulk from the console'))
      const action = detail.timeline.find((e) => e.kind === 'action')!
      assert.equal(action.outcome, 'ok')
      assert.ok(detail.timeline.some((e) => e.kind === 'version' && (e.changes as Record<string, unknown>).assignedTo))
    }
    const { rows } = await rig.db.query<{ outcome: string; n: string }>(`SELECT outcome, count(*) AS n FROM m365d_console_actions GROUP BY outcome ORDER BY outcome`)
    assert.deepEqual(rows.map((x) => [x.outcome, Number(x.n)]), [['error', 1], ['ok', 2]])
    // The write-backs moved the tenants' counts in the same transaction as the stored document.
    assert.deepEqual(await maintained(rig.db), await fromScratch(rig.db))
  })

  test('an invalid classification/determination pair is refused before any call', async () => {
    const open = (await get<QueueResponse>(`/incidents?tenant=${WELL_KNOWN.contosoTenantId}`)).items
    const r = await fetch(`${rig.base}/console/api/incidents/actions`, {
      method: 'POST',
      headers: { cookie: s.cookie, 'x-csrf-token': s.csrf, 'content-type': 'application/json' },
      body: JSON.stringify({ targets: [{ tenantId: open[0]!.tenantId, source: 'legacy', incidentId: open[0]!.incidentId }], action: { classification: 'FalsePositive', determination: 'Malware' } }),
    })
    assert.equal(r.status, 400)
    const body = (await r.json()) as { error: { message: string; hint?: string } }
    assert.match(`${body.error.message} ${body.error.hint}`, /Clean/)
  })
})
