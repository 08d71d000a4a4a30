import { chromium } from 'playwright-core'
import { createConsole } from '/work/wt/consoleperf/dist/src/console/index.js'
import { openPostgres } from '/work/wt/consoleperf/dist/src/sync/db/database.js'
import { startOpsServer, SyncDaemon } from '/work/wt/consoleperf/dist/src/sync/index.js'
const db = await openPostgres('postgres://postgres@127.0.0.1:5432/m365d_console_bench', { max: 8 })
const daemon = new SyncDaemon({ db, tokenProvider: { getToken: () => Promise.reject(new Error('x')) } })
const web = createConsole({ db, tokenProvider: { getToken: () => Promise.reject(new Error('x')) }, cloud: { defenderApi: 'http://127.0.0.1:9', graphApi: 'http://127.0.0.1:9', defenderResource: 'a', graphResource: 'b', authorityHost: 'http://127.0.0.1:9' }, surface: 'graph', clientId: '00000000-0000-0000-0000-000000000000', workerId: daemon.workerId }, { rollupIntervalMs: 0 })
const ops = await startOpsServer({ daemon, port: 0, mount: web })
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run', '--disable-component-update', '--disable-sync'] })
for (let i = 0; i < 3; i++) {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } })
  const page = await ctx.newPage()
  const t0 = performance.now()
  const log = []
  page.on('request', (r) => log.push(`${(performance.now() - t0).toFixed(0).padStart(5)} → ${r.method()} ${r.url().replace(ops.url, '').slice(0, 70)}`))
  page.on('requestfinished', (r) => log.push(`${(performance.now() - t0).toFixed(0).padStart(5)} ✓ ${r.url().replace(ops.url, '').slice(0, 70)}`))
  await page.goto(web.loginUrl(ops.url).replace('/console/?', '/console/login?'))
  log.push(`${(performance.now() - t0).toFixed(0).padStart(5)} login goto done`)
  await page.goto(`${ops.url}/console/#/incidents`)
  log.push(`${(performance.now() - t0).toFixed(0).padStart(5)} incidents goto done`)
  await page.waitForSelector('table.queue tbody tr')
  log.push(`${(performance.now() - t0).toFixed(0).padStart(5)} queue rendered`)
  console.log(log.join('\n') + '\n')
  await ctx.close()
}
await browser.close(); await web.close(); await ops.close(); await db.close()
