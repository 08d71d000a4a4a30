/**
 * Console data at MSSP scale (issue 9 §5): PostgreSQL with 1,000 tenants × 1,000 incidents (one
 * alert each, two history versions each), in a dedicated database generated with generate_series.
 * Measures the console's JSON API over HTTP (the real server: session, Host and CSP checks, SQL,
 * JSON) — the queue with each filter and sort, page 2 by cursor, the tenants page and the SLA page,
 * p50/p95 over --requests each — beside the baseline of computing the tenants page's figures per
 * request (the aggregate the rollups replace), and the first queue page rendered in Chromium from
 * the login URL. The database is kept between runs (--regenerate to rebuild it).
 *
 *   npm run build && node dist/bench/console.js [--tenants 1000] [--incidents 1000] [--requests 200] [--regenerate]
 *   (M365D_TEST_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/postgres; the bench database is m365d_console_bench)
 */
import { existsSync } from 'node:fs'
import { loadavg } from 'node:os'
import { performance } from 'node:perf_hooks'
import pg from 'pg'
import { chromium } from 'playwright-core'
import { createConsole } from '../src/console/index.js'
import { refreshRollups } from '../src/console/sql/rollups.js'
import { openPostgres } from '../src/sync/db/database.js'
import { migrate, startOpsServer, SyncDaemon } from '../src/sync/index.js'

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`)
  return i > 0 ? process.argv[i + 1]! : fallback
}
const TENANTS = Number(arg('tenants', '1000'))
const INCIDENTS = Number(arg('incidents', '1000'))
const REQUESTS = Number(arg('requests', '200'))
const ADMIN = process.env.M365D_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
const DB_NAME = 'm365d_console_bench'

const admin = new pg.Client({ connectionString: ADMIN })
await admin.connect()
if (process.argv.includes('--regenerate')) await admin.query(`DROP DATABASE IF EXISTS ${DB_NAME} WITH (FORCE)`)
const exists = (await admin.query(`SELECT 1 FROM pg_database WHERE datname = $1`, [DB_NAME])).rows.length > 0
if (!exists) await admin.query(`CREATE DATABASE ${DB_NAME}`)
await admin.end()
const url = new URL(ADMIN)
url.pathname = `/${DB_NAME}`
const db = await openPostgres(url.toString(), { max: 8 })
await migrate(db)

const have = Number((await db.query<{ n: string }>(`SELECT count(*) AS n FROM m365d_incidents`)).rows[0]!.n)
if (have !== TENANTS * INCIDENTS) {
  const t0 = performance.now()
  for (const t of ['m365d_incidents', 'm365d_alerts', 'm365d_incident_history', 'm365d_tenants', 'm365d_sync_state', 'm365d_rollup_tenant', 'm365d_rollup_daily', 'm365d_rollup_fleet_daily']) await db.query(`TRUNCATE ${t}`)
  await generate()
  console.log(`generated ${TENANTS} tenants × ${INCIDENTS} incidents in ${((performance.now() - t0) / 1000).toFixed(1)} s`)
}
const r0 = performance.now()
await refreshRollups(db, null)
const rollupMs = performance.now() - r0
await db.query('ANALYZE')

const daemon = new SyncDaemon({ db, tokenProvider: { getToken: () => Promise.reject(new Error('no tokens in the bench')) } })
const web = createConsole(
  {
    db,
    tokenProvider: { getToken: () => Promise.reject(new Error('no tokens in the bench')) },
    cloud: { defenderApi: 'http://127.0.0.1:9', graphApi: 'http://127.0.0.1:9', defenderResource: 'https://api.security.microsoft.com', graphResource: 'https://graph.microsoft.com', authorityHost: 'http://127.0.0.1:9' },
    surface: daemon.settings.surface,
    clientId: '00000000-0000-0000-0000-000000000000',
    workerId: daemon.workerId,
  },
  { rollupIntervalMs: 0 },
)
const ops = await startOpsServer({ daemon, port: 0, mount: web })
const login = await fetch(web.loginUrl(ops.url), { redirect: 'manual' })
const cookie = login.headers.getSetCookie()[0]!.split(';')[0]!
const get = async (path: string) => {
  const r = await fetch(`${ops.url}/console/api${path}`, { headers: { cookie } })
  if (r.status !== 200) throw new Error(`${path}: HTTP ${r.status} ${await r.text()}`)
  return r.json() as Promise<{ next?: string | null; items?: unknown[] }>
}
const someone = (await db.query<{ a: string }>(`SELECT assigned_to AS a FROM m365d_incidents WHERE assigned_to IS NOT NULL LIMIT 1`)).rows[0]!.a
const tenant = (await db.query<{ t: string }>(`SELECT tenant_id AS t FROM m365d_tenants ORDER BY tenant_id OFFSET $1 LIMIT 1`, [Math.floor(TENANTS / 2)])).rows[0]!.t
const page2 = (await get('/incidents')).next!

const cases: [string, string][] = [
  ['queue: open, newest change first', '/incidents'],
  ['queue: page 2 (cursor)', `/incidents?cursor=${page2}`],
  ['queue: one tenant', `/incidents?tenant=${tenant}`],
  ['queue: a group (tag, 100 tenants)', '/incidents?tag=group3'],
  ['queue: severity high', '/incidents?severity=high'],
  ['queue: status inProgress', '/incidents?status=inProgress'],
  ['queue: assigned to one analyst', `/incidents?assignedTo=${encodeURIComponent(someone)}`],
  ['queue: unassigned', '/incidents?assignedTo=unassigned'],
  ['queue: classification truePositive', '/incidents?classification=truePositive&open=false'],
  ['queue: created in the last 24 h', '/incidents?maxAgeHours=24'],
  ['queue: older than 30 days', '/incidents?minAgeHours=720'],
  ['queue: text "ransomware"', '/incidents?text=ransomware'],
  ['queue: sort by created', '/incidents?sort=created'],
  ['queue: sort by severity', '/incidents?sort=severity'],
  ['tenants page (1,000 tenants)', '/tenants'],
  ['SLA page', '/sla'],
]
const pct = (xs: number[], p: number) => xs.slice().sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!
console.log(`\n${TENANTS} tenants × ${INCIDENTS} incidents on PostgreSQL · ${REQUESTS} sequential requests per row · load ${loadavg()[0]!.toFixed(1)} · rollup refresh (all tenants) ${(rollupMs / 1000).toFixed(1)} s`)
console.log(`${'page data'.padEnd(40)} ${'p50 ms'.padStart(8)} ${'p95 ms'.padStart(8)}  target p95 ≤ 100 ms`)
// Every page's data the console serves: the queue with each filter and sort, the tenants and SLA pages.
const results: Record<string, number> = {}
for (const [name, path] of cases) {
  await get(path)
  const times: number[] = []
  for (let i = 0; i < REQUESTS; i++) {
    const t = performance.now()
    await get(path)
    times.push(performance.now() - t)
    // A case far over the target is cut at 20 requests (the shared machine), and says so.
    if (i === 19 && pct(times, 50) > 500) break
  }
  results[name] = pct(times, 95)
  console.log(`${name.padEnd(40)} ${pct(times, 50).toFixed(1).padStart(8)} ${pct(times, 95).toFixed(1).padStart(8)}  ${pct(times, 95) <= 100 ? 'met' : `NOT MET${times.length < REQUESTS ? ` (cut at ${times.length} requests)` : ''}`}`)
}

// Baseline: the tenants page's figures computed per request from the incidents (what the rollups replace).
const base: number[] = []
for (let i = 0; i < 5; i++) {
  const t = performance.now()
  await db.query(`SELECT tenant_id, count(*) FILTER (WHERE m365d_status_key(status) IN ('active','inprogress','awaitingaction') AND m365d_severity_rank(severity) = 4) AS high,
    count(*) FILTER (WHERE m365d_status_key(status) IN ('active','inprogress','awaitingaction')) AS open,
    min(created_time) FILTER (WHERE m365d_status_key(status) IN ('active','inprogress','awaitingaction')) AS oldest FROM m365d_incidents GROUP BY tenant_id`)
  base.push(performance.now() - t)
}
console.log(`baseline: tenants figures aggregated per request  p50 ${pct(base, 50).toFixed(0)} ms → with rollups p95 ${results['tenants page (1,000 tenants)']!.toFixed(1)} ms (×${(pct(base, 50) / results['tenants page (1,000 tenants)']!).toFixed(0)} faster)`)

// The first queue page in a real browser, from the login URL.
if (existsSync('/usr/bin/chromium')) {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run', '--disable-component-update', '--disable-sync'] })
  const runs: number[] = []
  for (let i = 0; i < 5; i++) {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } })
    const page = await ctx.newPage()
    const t = performance.now()
    await page.goto(web.loginUrl(ops.url).replace('/console/?', '/console/login?'))
    await page.goto(`${ops.url}/console/#/incidents`)
    await page.waitForSelector('table.queue tbody tr')
    runs.push(performance.now() - t)
    await ctx.close()
  }
  await browser.close()
  console.log(`Chromium: login → first queue page rendered  p50 ${pct(runs, 50).toFixed(0)} ms, max ${Math.max(...runs).toFixed(0)} ms over 5 fresh sessions (target ≤ 1000 ms: ${pct(runs, 50) <= 1000 ? 'met' : 'NOT MET'})`)
} else {
  console.log('Chromium: /usr/bin/chromium not found — first-page target NOT MEASURED')
}
await web.close()
await ops.close()
await db.close()

async function generate(): Promise<void> {
  await db.query(
    `INSERT INTO m365d_tenants (tenant_id, display_name, domain, health, tags)
     SELECT lpad(to_hex(t), 8, '0') || '-0000-4000-8000-000000000000', 'Customer ' || t, 'customer' || t || '.onmicrosoft.com',
       CASE WHEN t % 50 = 0 THEN 'not_consented' WHEN t % 97 = 0 THEN 'missing_roles' ELSE 'ok' END, ARRAY['group' || (t % 10)]
     FROM generate_series(1, $1::int) t`,
    [TENANTS],
  )
  await db.query(
    `INSERT INTO m365d_sync_state (tenant_id, stream, watermark, last_success_at, api_calls, records_synced)
     SELECT tenant_id, 'legacy:incidents', now() - interval '40 seconds', now() - interval '30 seconds', 100, 2000 FROM m365d_tenants`,
  )
  // One tenant per statement keeps each transaction small on a shared machine.
  for (let t = 1; t <= TENANTS; t += 50) {
    await db.query(
      `INSERT INTO m365d_incidents (tenant_id, source, incident_id, status, severity, classification, determination, assigned_to, created_time, last_update_time, version, raw)
       SELECT tid, 'legacy', (t * 100000 + i)::text, st, sev, cls, CASE cls WHEN 'TruePositive' THEN 'Malware' WHEN 'FalsePositive' THEN 'Clean' ELSE 'NotAvailable' END, asg, created,
         least(now(), created + ((i * 17 + t) % 14400) * interval '1 minute'), 2,
         jsonb_build_object('incidentId', t * 100000 + i, 'incidentName', (ARRAY['Suspicious PowerShell command line', 'Ransomware activity', 'Impossible travel', 'Phishing email delivered', 'Malware detected'])[1 + (i + t) % 5] || ' on host' || (i % 100),
           'status', st, 'severity', sev, 'assignedTo', asg, 'tags', '[]'::jsonb,
           'alerts', jsonb_build_array(jsonb_build_object('alertId', 'da' || t || '_' || i, 'title', 'Alert ' || i)))
       FROM (SELECT t, i, lpad(to_hex(t), 8, '0') || '-0000-4000-8000-000000000000' AS tid,
               (ARRAY['Active', 'InProgress', 'Resolved', 'Resolved', 'Resolved'])[1 + (i * 7 + t) % 5] AS st,
               (ARRAY['High', 'Medium', 'Low', 'Informational'])[1 + (i * 13 + t) % 4] AS sev,
               (ARRAY['Unknown', 'TruePositive', 'FalsePositive', 'Unknown'])[1 + (i * 3 + t) % 4] AS cls,
               CASE WHEN (i + t) % 3 = 0 THEN NULL ELSE 'analyst' || ((i + t) % 40) || '@mssp.example' END AS asg,
               now() - ((i * 37 + t * 11) % 259200) * interval '1 minute' AS created
             FROM generate_series($1::int, $2::int) t, generate_series(1, $3::int) i) x`,
      [t, Math.min(TENANTS, t + 49), INCIDENTS],
    )
  }
  await db.query(
    `INSERT INTO m365d_alerts (tenant_id, source, alert_id, incident_id, status, severity, title, created_time, last_update_time, raw)
     SELECT tenant_id, source, 'da' || incident_id, incident_id, 'New', severity, 'Alert of ' || incident_id, created_time, last_update_time, jsonb_build_object('alertId', 'da' || incident_id)
     FROM m365d_incidents`,
  )
  await db.query(
    `INSERT INTO m365d_incident_history (tenant_id, source, incident_id, version, last_update_time, changes)
     SELECT tenant_id, source, incident_id, 1, created_time, '{"created": true}'::jsonb FROM m365d_incidents
     UNION ALL
     SELECT tenant_id, source, incident_id, 2, last_update_time,
       jsonb_strip_nulls(jsonb_build_object('assignedTo', CASE WHEN assigned_to IS NOT NULL THEN jsonb_build_array(NULL, assigned_to) END,
         'status', CASE WHEN status <> 'Active' THEN jsonb_build_array('Active', status) END))
     FROM m365d_incidents`,
  )
}
