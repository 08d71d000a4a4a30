/**
 * Freshness at 1,000 tenants (issue 8 §6): the emulator's live mode changes incidents in every
 * tenant continuously; `m365d sync` (a child process, Graph, client-side Graph quotas on, the
 * emulator's quotas on) keeps PostgreSQL current. For EVERY change the emulator makes, the time
 * until it is committed in the store: the first poll (once a second) whose snapshot holds the row,
 * minus the change time — one machine, one clock, so a figure is an upper bound by at most the poll
 * period. Prints p50/p95/max and the API calls per tenant per
 * minute it cost beside the Graph quota (150/min per tenant on incidents). Target: p95 ≤ 30 s.
 *
 *   npm run build && node dist/bench/freshness.js [--minutes 10] [--tenants 1000] [--change-every 30s]
 *     [--interval 10s] [--concurrency 32] [--incidents 5]
 *   (PostgreSQL: M365D_TEST_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/postgres; the
 *   bench drops and re-creates its own database m365d_migrate_bench)
 */
import { spawn } from 'node:child_process'
import { availableParallelism, loadavg } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import { createEmulator, serve, WELL_KNOWN } from '../src/emulator/index.js'
import type { LiveChange } from '../src/emulator/defender/store.js'

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`)
  return i > 0 ? process.argv[i + 1]! : fallback
}
const seconds = (v: string) => Number(v.replace(/s$/, '')) * 1000
const MINUTES = Number(arg('minutes', '10'))
const TENANTS = Number(arg('tenants', '1000'))
const CHANGE_EVERY_MS = seconds(arg('change-every', '30s'))
const INTERVAL = arg('interval', '10s')
const CONCURRENCY = arg('concurrency', '32')
const INCIDENTS = Number(arg('incidents', '5'))
const ADMIN_URL = process.env.M365D_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
const DB_NAME = 'm365d_migrate_bench'

const here = dirname(fileURLToPath(import.meta.url))
// dist/bench → dist/src/cli/main.js; bench/ (tsx) → dist/src/cli/main.js as well (build first).
const cliMain = here.endsWith(join('dist', 'bench')) ? resolve(here, '..', 'src', 'cli', 'main.js') : resolve(here, '..', 'dist', 'src', 'cli', 'main.js')

const admin = new pg.Client({ connectionString: ADMIN_URL })
await admin.connect()
await admin.query(`DROP DATABASE IF EXISTS ${DB_NAME} WITH (FORCE)`)
await admin.query(`CREATE DATABASE ${DB_NAME}`)
await admin.end()
const dbUrl = new URL(ADMIN_URL)
dbUrl.pathname = `/${DB_NAME}`
const db = new pg.Client({ connectionString: dbUrl.toString() })
await db.connect()

const emu = await createEmulator({ defender: { incidentsPerTenant: INCIDENTS } })
const srv = await serve(emu)
const tenants: string[] = []
for (let i = 0; i < TENANTS; i++) {
  const id = `f5e50000-0000-4000-8000-${String(i).padStart(12, '0')}`
  emu.directory.addTenant({ id, domains: [`fresh${i}.onmicrosoft.com`] })
  emu.directory.consent(id, WELL_KNOWN.clientId)
  emu.defender.all(id) // generate now: live mode steps the tenants it has generated
  tenants.push(id)
}
const env = {
  PATH: process.env.PATH ?? '',
  HOME: process.env.HOME ?? '/tmp',
  M365D_AUTHORITY_HOST: srv.url,
  M365D_DEFENDER_API: srv.url,
  M365D_GRAPH_API: srv.url,
  M365D_CLIENT_ID: WELL_KNOWN.clientId,
  M365D_CLIENT_SECRET: WELL_KNOWN.clientSecret,
  M365D_DATABASE_URL: dbUrl.toString(),
}
const run = (args: string[]) =>
  new Promise<number>((res) => spawn(process.execPath, [cliMain, ...args], { env, stdio: ['ignore', 'ignore', 'inherit'] }).on('exit', (c) => res(c ?? 1)))
// The registry: one `tenants add` per tenant would take minutes; migrate the store, then insert.
if ((await run(['tenants', 'list', '--json'])) !== 0) throw new Error('m365d tenants list failed')
await db.query(`INSERT INTO m365d_tenants (tenant_id) SELECT unnest($1::text[])`, [tenants])
await db.query(`INSERT INTO m365d_leases (tenant_id) SELECT unnest($1::text[])`, [tenants])

const daemon = spawn(process.execPath, [cliMain, 'sync', '--interval', INTERVAL, '--concurrency', CONCURRENCY, '--ops-port', '0', '--lease-ttl', '120s'], { env, stdio: ['ignore', 'ignore', 'pipe'] })
let daemonErrors = 0
daemon.stderr.setEncoding('utf8').on('data', (d: string) => (daemonErrors += (d.match(/"level":"(warn|error)"/g) ?? []).length))
const t0 = Date.now()
const count = async (sql: string) => Number((await db.query<{ n: string }>(sql)).rows[0]!.n)
process.stdout.write(`first sync of ${TENANTS} tenants…`)
while ((await count(`SELECT count(*) AS n FROM m365d_sync_state WHERE watermark IS NOT NULL AND stream = 'graph:incidents'`)) < TENANTS) {
  if (Date.now() - t0 > 20 * 60_000) throw new Error('first sync did not finish within 20 min')
  await new Promise((r) => setTimeout(r, 2000))
}
const firstSyncS = (Date.now() - t0) / 1000
console.log(` ${firstSyncS.toFixed(0)} s`)

// Every change, keyed by tenant|incident: the change times not yet seen committed.
const pending = new Map<string, number[]>()
let changes = 0
emu.defender.onLiveChange = (batch: LiveChange[]) => {
  for (const c of batch) {
    const k = `${c.tenantId}|${c.incidentId}`
    const list = pending.get(k)
    if (list) list.push(c.at)
    else pending.set(k, [c.at])
    changes++
  }
}
const latencies: number[] = []
// Rows are found by synced_at, but synced_at is the writing transaction's START time (now()), and
// 32 workers commit out of order: a transaction that began before another one committed can
// commit after the poller has moved past its start. So each poll re-reads a trailing window as
// long as the longest transaction can be (the daemon's lease TTL), and a change counts as
// committed at the moment the poll that first sees it began — a snapshot taken then holds it.
const REREAD_MS = 120_000
let seenUntil = new Date(0)
const poll = async () => {
  const observedAt = Date.now()
  const { rows } = await db.query<{ tenant_id: string; incident_id: string; last_update_time: Date; synced_at: Date }>(
    `SELECT tenant_id, incident_id, last_update_time, synced_at FROM m365d_incidents WHERE synced_at > $1`,
    [new Date(seenUntil.getTime() - REREAD_MS)],
  )
  for (const r of rows) {
    if (r.synced_at > seenUntil) seenUntil = r.synced_at
    const k = `${r.tenant_id}|${r.incident_id}`
    const list = pending.get(k)
    if (!list) continue
    const lut = r.last_update_time.getTime()
    const left = list.filter((at) => {
      if (at > lut) return true
      latencies.push(observedAt - at)
      return false
    })
    if (left.length) pending.set(k, left)
    else pending.delete(k)
  }
}
const callsAt = async () => count(`SELECT coalesce(sum(api_calls), 0) AS n FROM m365d_sync_state`)
const calls0 = await callsAt()
const measureStart = Date.now()
emu.defender.setLive(true, CHANGE_EVERY_MS)
const timer = setInterval(() => void poll().catch(() => undefined), 1000)
while (Date.now() - measureStart < MINUTES * 60_000) {
  await new Promise((r) => setTimeout(r, 10_000))
  const done = latencies.length
  process.stdout.write(`\r${((Date.now() - measureStart) / 60_000).toFixed(1)} min: ${changes} changes, ${done} committed, p95 ${pct(latencies, 0.95)} s   `)
}
emu.defender.setLive(false)
const measuredMin = (Date.now() - measureStart) / 60_000
const calls = (await callsAt()) - calls0
// Drain: the last changes get up to 2 minutes to arrive.
const drainStart = Date.now()
while (pending.size && Date.now() - drainStart < 120_000) await new Promise((r) => setTimeout(r, 1000))
clearInterval(timer)
await poll()
const missing = [...pending.values()].reduce((n, l) => n + l.length, 0)
// A change still missing is either lost or not yet synced: show what the emulator and the store
// hold for a few of them, so a loss can be told apart from a slow tail.
const missingDetail: string[] = []
for (const [k, list] of [...pending].slice(0, 5)) {
  const [tenantId, incidentId] = k.split('|') as [string, string]
  const inc = emu.defender.get(tenantId, Number(incidentId), { includeExpired: true })
  const { rows } = await db.query<{ last_update_time: Date; status: string }>(
    'SELECT last_update_time, status FROM m365d_incidents WHERE tenant_id = $1 AND incident_id = $2',
    [tenantId, incidentId],
  )
  missingDetail.push(
    `    ${k}: changed ${list.map((at) => new Date(at).toISOString()).join(', ')}; emulator ${inc ? `${new Date(inc.lastUpdateTime).toISOString()} ${inc.status}` : 'none'}; store ${rows[0] ? `${rows[0].last_update_time.toISOString()} ${rows[0].status}` : 'none'}`,
  )
}
daemon.kill('SIGTERM')
await new Promise((r) => daemon.once('exit', r))
await db.end()
await srv.close()

console.log('\n')
console.log(`freshness at ${TENANTS} tenants (Graph, client and emulator quotas on, PostgreSQL, daemon interval ${INTERVAL}, concurrency ${CONCURRENCY}; ${availableParallelism()} cores, load ${loadavg()[0]!.toFixed(1)})`)
console.log(`  changes made            ${changes} over ${measuredMin.toFixed(1)} min (one per tenant every ${CHANGE_EVERY_MS / 1000} s)`)
console.log(`  committed               ${latencies.length}   not committed after a 2-min drain: ${missing}`)
if (missingDetail.length) console.log(missingDetail.join('\n'))
console.log(`  change → committed      p50 ${pct(latencies, 0.5)} s   p95 ${pct(latencies, 0.95)} s   max ${pct(latencies, 1)} s   (target p95 ≤ 30 s)`)
console.log(`  API calls               ${(calls / TENANTS / measuredMin).toFixed(2)} per tenant per minute (Graph quota: 150/min per tenant on incidents; app-wide 130,000 per 10 s)`)
console.log(`  first sync              ${firstSyncS.toFixed(0)} s for ${TENANTS} tenants × ${INCIDENTS} incidents; daemon warnings/errors logged: ${daemonErrors}`)

function pct(values: number[], p: number): string {
  if (!values.length) return '-'
  const sorted = [...values].sort((a, b) => a - b)
  return (sorted[Math.min(sorted.length - 1, Math.floor(p * (sorted.length - 1)))]! / 1000).toFixed(1)
}
