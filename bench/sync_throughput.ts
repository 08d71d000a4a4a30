/**
 * Sync throughput: records/s (incidents + alerts) from the emulator on a real port into the
 * database through the whole daemon path (SyncDaemon.runOnce → syncTenant → DefenderClient →
 * commitBatch), client and emulator limits off, into embedded PGlite and into PostgreSQL — beside
 * the database's own bulk-insert rate for the SAME documents in the same run (INSERT … SELECT FROM
 * jsonb_to_recordset, pages of the same size, into a copy of the tables): the ceiling. Bounded.
 *
 *   node --import tsx bench/sync_throughput.ts [--tenants 8] [--incidents 500] [--concurrency 4]
 *   (PostgreSQL: M365D_TEST_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/postgres; skipped if unreachable)
 */
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { availableParallelism, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import pg from 'pg'
import { TokenProvider } from '../src/auth/index.js'
import { createEmulator, serve, WELL_KNOWN } from '../src/emulator/index.js'
import { SyncDaemon } from '../src/sync/daemon/index.js'
import { openPglite, openPostgres, type Database } from '../src/sync/db/database.js'
import { migrate } from '../src/sync/db/migrations.js'
import { upsertTenant } from '../src/sync/db/sql/tenants.js'

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`)
  return i > 0 ? process.argv[i + 1]! : fallback
}
const TENANTS = Number(arg('tenants', '8'))
const INCIDENTS = Number(arg('incidents', '500'))
const CONCURRENCY = Number(arg('concurrency', '4'))
const ADMIN_URL = process.env.M365D_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'

const emu = await createEmulator({ defender: { incidentsPerTenant: INCIDENTS } })
emu.defender.limits.enabled = false
const srv = await serve(emu)
const tenants: string[] = []
for (let i = 0; i < TENANTS; i++) {
  const id = `be0c0000-0000-4000-8000-${String(i).padStart(12, '0')}`
  emu.directory.addTenant({ id, domains: [`bench${i}.onmicrosoft.com`] })
  emu.directory.consent(id, WELL_KNOWN.clientId)
  tenants.push(id)
}
const tokens = new TokenProvider({ clientId: WELL_KNOWN.clientId, credential: { kind: 'secret', secret: WELL_KNOWN.clientSecret }, authorityHost: srv.url })

async function syncInto(db: Database): Promise<{ ms: number; incidents: number; alerts: number }> {
  await migrate(db)
  for (const t of tenants) await upsertTenant(db, { tenantId: t })
  // Warm the token cache and the emulator's generated data outside the timed part.
  for (const t of tenants) {
    await tokens.getToken({ tenant: t, resource: 'https://api.security.microsoft.com' })
    emu.defender.visible(t)
  }
  // runOnce() renews no leases: a TTL longer than the run keeps them.
  const daemon = new SyncDaemon({ db, tokenProvider: tokens, defenderApi: srv.url, limits: false, concurrency: CONCURRENCY, backfillDays: 400, maxPassMs: 0, leaseTtlSeconds: 3600 })
  const t0 = performance.now()
  const results = await daemon.runOnce({ force: true })
  const ms = performance.now() - t0
  await daemon.stop()
  if (results.some((r) => !r.ok)) throw new Error(`sync failed: ${JSON.stringify(results.find((r) => !r.ok)?.error)}`)
  const n = async (table: string) => Number((await db.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`)).rows[0]!.n)
  return { ms, incidents: await n('m365d_incidents'), alerts: await n('m365d_alerts') }
}

/** The same documents, in pages of 100 incidents (+ their alerts), through jsonb_to_recordset: the database's ceiling. */
async function bulkInsert(db: Database): Promise<number> {
  await db.exec(`CREATE TABLE bench_incidents (LIKE m365d_incidents INCLUDING ALL); CREATE TABLE bench_alerts (LIKE m365d_alerts INCLUDING ALL);`)
  const incidents = (await db.query<Record<string, unknown>>(`SELECT * FROM m365d_incidents ORDER BY tenant_id, incident_id`)).rows
  const alerts = (await db.query<Record<string, unknown>>(`SELECT * FROM m365d_alerts ORDER BY tenant_id, incident_id`)).rows
  const byIncident = new Map<string, Record<string, unknown>[]>()
  for (const a of alerts) {
    const k = `${a.tenant_id}|${a.incident_id}`
    byIncident.set(k, [...(byIncident.get(k) ?? []), a])
  }
  const t0 = performance.now()
  for (let i = 0; i < incidents.length; i += 100) {
    const page = incidents.slice(i, i + 100)
    const pageAlerts = page.flatMap((p) => byIncident.get(`${p.tenant_id}|${p.incident_id}`) ?? [])
    await db.transaction(async (tx) => {
      await tx.query(
        `INSERT INTO bench_incidents (tenant_id, source, incident_id, status, severity, classification, determination, assigned_to, created_time, last_update_time, redirect_incident_id, raw)
         SELECT tenant_id, source, incident_id, status, severity, classification, determination, assigned_to, created_time, last_update_time, redirect_incident_id, raw
         FROM jsonb_to_recordset($1::jsonb) AS x(tenant_id text, source text, incident_id text, status text, severity text, classification text, determination text,
           assigned_to text, created_time timestamptz, last_update_time timestamptz, redirect_incident_id text, raw jsonb)`,
        [JSON.stringify(page)],
      )
      if (pageAlerts.length)
        await tx.query(
          `INSERT INTO bench_alerts (tenant_id, source, alert_id, incident_id, status, severity, title, created_time, last_update_time, raw)
           SELECT tenant_id, source, alert_id, incident_id, status, severity, title, created_time, last_update_time, raw
           FROM jsonb_to_recordset($1::jsonb) AS x(tenant_id text, source text, alert_id text, incident_id text, status text, severity text, title text,
             created_time timestamptz, last_update_time timestamptz, raw jsonb)`,
          [JSON.stringify(pageAlerts)],
        )
    })
  }
  return performance.now() - t0
}

const rows: string[][] = []
async function measure(name: string, open: () => Promise<{ db: Database; cleanup(): Promise<void> }>) {
  const { db, cleanup } = await open()
  try {
    const s = await syncInto(db)
    const records = s.incidents + s.alerts
    const bulkMs = await bulkInsert(db)
    const sync = records / (s.ms / 1000)
    const bulk = records / (bulkMs / 1000)
    rows.push([name, String(s.incidents), String(s.alerts), (s.ms / 1000).toFixed(2), sync.toFixed(0), bulk.toFixed(0), `${((sync / bulk) * 100).toFixed(0)} %`])
  } finally {
    await db.close()
    await cleanup()
  }
}

try {
  await measure('PGlite', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'm365d-bench-'))
    return { db: await openPglite(dir), cleanup: () => rm(dir, { recursive: true, force: true }) }
  })
  const admin = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 3000 })
  const reachable = await admin.connect().then(() => true, () => false)
  if (reachable) {
    const name = `m365d_bench_${randomBytes(4).toString('hex')}`
    await admin.query(`CREATE DATABASE ${name}`)
    const url = new URL(ADMIN_URL)
    url.pathname = `/${name}`
    await measure('PostgreSQL', async () => ({ db: await openPostgres(url.toString(), { max: CONCURRENCY + 2 }), cleanup: async () => void (await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)) }))
    await admin.end()
  } else rows.push(['PostgreSQL', 'skipped: not reachable at', ADMIN_URL, '', '', '', ''])
} finally {
  tokens.close()
  await srv.close()
}

console.log(`sync throughput: ${TENANTS} tenants × ${INCIDENTS} incidents (legacy API, alerts inline), concurrency ${CONCURRENCY}, limits off; ${availableParallelism()} CPUs, load ${loadavg()[0]!.toFixed(1)}`)
const header = ['store', 'incidents', 'alerts', 'sync s', 'sync rec/s', 'bulk-insert rec/s', 'sync/bulk']
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
for (const r of [header, ...rows]) console.log(r.map((c, i) => c.padEnd(widths[i]!)).join('  '))
