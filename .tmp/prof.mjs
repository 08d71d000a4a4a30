import { openPostgres } from '/work/wt/consoleperf/dist/src/sync/db/database.js'
import { getTenants } from '/work/wt/consoleperf/dist/src/console/routes/tenants.js'
import { tenantPageRows } from '/work/wt/consoleperf/dist/src/console/sql/tenants.js'
const db = await openPostgres('postgres://postgres@127.0.0.1:5432/m365d_console_bench')
const deps = { db, surface: 'graph', clientId: '00000000-0000-0000-0000-000000000000', cloud: { authorityHost: 'http://127.0.0.1:9' } }
const m = { rows: [], total: [], parse: [], q: [] }
for (let i = 0; i < 20; i++) {
  let t = performance.now()
  await db.query('SELECT 1')
  m.q.push(performance.now() - t)
  t = performance.now()
  await tenantPageRows(db)
  m.rows.push(performance.now() - t)
  t = performance.now()
  const r = await getTenants(deps, new URL('http://x/console/api/tenants'))
  const text = await r.text()
  m.total.push(performance.now() - t)
  t = performance.now()
  JSON.parse(text)
  m.parse.push(performance.now() - t)
}
for (const [k, v] of Object.entries(m)) console.log(k, 'min', Math.min(...v).toFixed(1), 'median', v.sort((a, b) => a - b)[10].toFixed(1))
await db.close()
