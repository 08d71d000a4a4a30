import { openPostgres } from '/work/wt/consoleperf/dist/src/sync/db/database.js'
import { getTenants } from '/work/wt/consoleperf/dist/src/console/routes/tenants.js'
const db = await openPostgres('postgres://postgres@127.0.0.1:5432/m365d_console_bench')
const deps = { db, surface: 'graph', clientId: '00000000-0000-0000-0000-000000000000', cloud: { authorityHost: 'http://127.0.0.1:9' } }
for (let i = 0; i < 60; i++) await (await getTenants(deps, new URL('http://x/console/api/tenants'))).text()
await db.close()
