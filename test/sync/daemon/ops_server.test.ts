import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { ManualClock } from '../../../src/lib/clock.js'
import { WELL_KNOWN } from '../../../src/emulator/index.js'
import { Registry, startOpsServer, SyncDaemon, type OpsServer } from '../../../src/sync/daemon/index.js'
import { addToDb, emuRig, pglite, type EmuRig } from './_rig.js'

interface Sample {
  name: string
  labels: Record<string, string>
  value: number
}

/** A strict reader of the Prometheus text format 0.0.4: HELP/TYPE before samples, escaped label values. */
function parseProm(text: string): { samples: Sample[]; types: Map<string, string> } {
  const types = new Map<string, string>()
  const helps = new Set<string>()
  const samples: Sample[] = []
  assert.ok(text.endsWith('\n'))
  for (const line of text.trimEnd().split('\n')) {
    let m = /^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) .+$/.exec(line)
    if (m) {
      helps.add(m[1]!)
      continue
    }
    m = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/.exec(line)
    if (m) {
      assert.ok(helps.has(m[1]!), `HELP before TYPE for ${m[1]}`)
      types.set(m[1]!, m[2]!)
      continue
    }
    m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (-?\d+(?:\.\d+)?(?:e[+-]?\d+)?|NaN|\+Inf|-Inf)$/.exec(line)
    assert.ok(m, `valid sample line: ${line}`)
    const name = m[1]!
    const family = name.replace(/_(bucket|sum|count)$/, '')
    assert.ok(types.has(name) || types.get(family) === 'histogram', `TYPE declared before ${name}`)
    const labels: Record<string, string> = {}
    const body = m[2] ?? ''
    const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$)/gy
    let consumed = 0
    for (let l = re.exec(body); l; l = re.exec(body)) {
      labels[l[1]!] = l[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c))
      consumed = re.lastIndex
    }
    assert.equal(consumed, body.length, `labels parse fully: ${body}`)
    samples.push({ name, labels, value: Number(m[3]) })
  }
  return { samples, types }
}

const find = (s: Sample[], name: string, labels: Record<string, string> = {}) =>
  s.filter((x) => x.name === name && Object.entries(labels).every(([k, v]) => x.labels[k] === v))

describe('ops server: /healthz, /metrics, extra routes', () => {
  let rig: EmuRig
  let store: Awaited<ReturnType<typeof pglite>>
  let daemon: SyncDaemon
  let ops: OpsServer
  let tenants: string[]
  before(async () => {
    rig = await emuRig({ incidentsPerTenant: 12 })
    store = await pglite()
    tenants = rig.addTenants(2, 'f0')
    await addToDb(store.db, [...tenants, WELL_KNOWN.woodgroveTenantId])
    daemon = new SyncDaemon({ ...rig.daemonOptions(store.db), tickMs: 50, intervalMs: 3_600_000 })
    await daemon.runOnce()
    await daemon.start()
    ops = await startOpsServer({
      daemon,
      routes: [{ method: 'GET', path: '/consent/callback', handle: (req) => new Response(`tenant=${new URL(req.url).searchParams.get('tenant')}`, { status: 200 }) }],
    })
  })
  after(async () => {
    await ops.close()
    await daemon.stop()
    await store.db.close().catch(() => undefined)
    await store.cleanup()
    await rig.close()
  })

  test('GET /healthz is 200 with the worker and its checks while the loop runs and the database answers', async () => {
    const res = await fetch(`${ops.url}/healthz`)
    assert.equal(res.status, 200)
    const body = (await res.json()) as { status: string; worker: string; checks: Record<string, { ok: boolean }>; leasesHeld: number }
    assert.equal(body.status, 'ok')
    assert.equal(body.worker, daemon.workerId)
    assert.equal(body.checks.database?.ok, true)
    assert.equal(body.checks.scheduler?.ok, true)
    assert.equal(body.leasesHeld, 3)
  })

  test('GET /metrics is valid Prometheus text with per-tenant lag, calls, token requests, records, leases and pass durations', async () => {
    const res = await fetch(`${ops.url}/metrics`)
    assert.equal(res.status, 200)
    assert.equal(res.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8')
    const { samples, types } = parseProm(await res.text())
    assert.equal(types.get('m365d_api_calls_total'), 'counter')
    assert.equal(types.get('m365d_sync_pass_duration_seconds'), 'histogram')
    for (const t of tenants) {
      const synced = find(samples, 'm365d_records_synced_total', { tenant: t, kind: 'incident' })[0]?.value
      assert.equal(synced, rig.emulator.defender.visible(t).length)
      const lag = find(samples, 'm365d_sync_lag_seconds', { tenant: t, stream: 'graph:incidents' })[0]?.value // Graph is the default surface
      assert.ok(lag !== undefined && lag >= 0 && lag < 600, `lag of ${t}: ${lag}`)
      assert.ok((find(samples, 'm365d_api_calls_total', { tenant: t, status: '200' })[0]?.value ?? 0) >= 1)
      assert.equal(find(samples, 'm365d_tenant_health', { tenant: t, health: 'ok' })[0]?.value, 1)
    }
    assert.ok((find(samples, 'm365d_token_requests_total', { tenant: WELL_KNOWN.woodgroveTenantId, outcome: 'error' })[0]?.value ?? 0) >= 1)
    assert.equal(find(samples, 'm365d_tenant_health', { tenant: WELL_KNOWN.woodgroveTenantId, health: 'not_consented' })[0]?.value, 1)
    assert.equal(find(samples, 'm365d_leases_held')[0]?.value, 3)
    assert.equal(find(samples, 'm365d_sync_pass_duration_seconds_count')[0]?.value, 3)
    const inf = find(samples, 'm365d_sync_pass_duration_seconds_bucket', { le: '+Inf' })[0]?.value
    assert.equal(inf, 3)
  })

  test('label values are escaped (backslash, double quote, newline)', () => {
    const r = new Registry()
    r.counter('x_total', 'help')
    r.inc('x_total', { v: 'a"b\\c\nd' })
    const { samples } = parseProm(r.render())
    assert.equal(r.render().split('\n')[2], 'x_total{v="a\\"b\\\\c\\nd"} 1')
    assert.equal(samples[0]!.labels.v, 'a"b\\c\nd')
  })

  test('extra routes are mounted; unknown paths 404, wrong methods 405', async () => {
    assert.equal(await (await fetch(`${ops.url}/consent/callback?tenant=abc`)).text(), 'tenant=abc')
    assert.equal((await fetch(`${ops.url}/nope`)).status, 404)
    assert.equal((await fetch(`${ops.url}/metrics`, { method: 'POST' })).status, 405)
  })

  test('GET /healthz is 503 when the scheduler loop is stuck', async () => {
    const s2 = await pglite()
    // A clock that never moves: the loop's sleep never ends, like a loop wedged on a call.
    const stuck = new SyncDaemon({ ...rig.daemonOptions(s2.db), clock: new ManualClock(), tickMs: 10, leaseTtlSeconds: 0.1 })
    await stuck.start()
    const o2 = await startOpsServer({ daemon: stuck })
    try {
      await new Promise((r) => setTimeout(r, 400))
      const res = await fetch(`${o2.url}/healthz`)
      assert.equal(res.status, 503)
      const body = (await res.json()) as { status: string; checks: Record<string, { ok: boolean; detail?: string }> }
      assert.equal(body.status, 'unhealthy')
      assert.equal(body.checks.scheduler?.ok, false)
      assert.equal(body.checks.database?.ok, true)
    } finally {
      await o2.close()
      await stuck.stop()
      await s2.db.close()
      await s2.cleanup()
    }
  })

  test('GET /healthz is 503 when the database is unreachable', async () => {
    await store.db.close()
    const res = await fetch(`${ops.url}/healthz`)
    assert.equal(res.status, 503)
    const body = (await res.json()) as { checks: Record<string, { ok: boolean }> }
    assert.equal(body.checks.database?.ok, false)
  })
})
