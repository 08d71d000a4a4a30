/**
 * First sync of many tenants with the real per-tenant client limits on (list: 50/min and
 * 1,500/h per app per tenant, defender-api.md §2.1), time scaled down by --scale (every quota
 * window divided by it) so the run stays bounded. Reports the total time over the floor the
 * limits impose: each tenant needs calls = floor(incidents / pageSize) + 1 list calls, and a
 * quota of L calls per window W forces ceil(calls / L) − 1 full windows of waiting; tenants are
 * independent, so the floor of the whole run is that of one tenant. Target ≤ 1.2×.
 *
 *   node --import tsx bench/sync_first_sync.ts [--tenants 1000] [--incidents 100] [--page-size 100]
 *        [--scale 60] [--concurrency 8]
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { availableParallelism, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { TokenProvider } from '../src/auth/index.js'
import { DEFAULT_LIMITS, scaleLimits, type RateLimits } from '../src/defender/index.js'
import { createEmulator, serve, WELL_KNOWN } from '../src/emulator/index.js'
import { SyncDaemon } from '../src/sync/daemon/index.js'
import { openPglite } from '../src/sync/db/database.js'
import { migrate } from '../src/sync/db/migrations.js'
import { upsertTenant } from '../src/sync/db/sql/tenants.js'

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`)
  return i > 0 ? process.argv[i + 1]! : fallback
}
const TENANTS = Number(arg('tenants', '1000'))
const INCIDENTS = Number(arg('incidents', '100'))
const PAGE = Number(arg('page-size', '100'))
const SCALE = Number(arg('scale', '60'))
const CONCURRENCY = Number(arg('concurrency', '8'))

const scaled: RateLimits = scaleLimits(DEFAULT_LIMITS, SCALE)
const calls = Math.floor(INCIDENTS / PAGE) + 1
const floorMs = Math.max(...scaled.list.map((q) => (Math.ceil(calls / q.limit) - 1) * q.windowMs))

const emu = await createEmulator({ defender: { incidentsPerTenant: INCIDENTS } })
emu.defender.limits.enabled = false
const srv = await serve(emu)
const dir = await mkdtemp(join(tmpdir(), 'm365d-first-sync-'))
const db = await openPglite(dir)
const tokens = new TokenProvider({ clientId: WELL_KNOWN.clientId, credential: { kind: 'secret', secret: WELL_KNOWN.clientSecret }, authorityHost: srv.url })
try {
  await migrate(db)
  for (let i = 0; i < TENANTS; i++) {
    const id = `f1257000-0000-4000-8000-${String(i).padStart(12, '0')}`
    emu.directory.addTenant({ id, domains: [`first${i}.onmicrosoft.com`] })
    emu.directory.consent(id, WELL_KNOWN.clientId)
    await upsertTenant(db, { tenantId: id })
  }
  // runOnce() renews no leases: a TTL longer than the run keeps them.
  const daemon = new SyncDaemon({ db, tokenProvider: tokens, defenderApi: srv.url, limits: scaled, concurrency: CONCURRENCY, pageSize: PAGE, backfillDays: 400, maxPassMs: 0, leaseTtlSeconds: 3600 })
  const t0 = performance.now()
  const results = await daemon.runOnce({ force: true })
  const ms = performance.now() - t0
  await daemon.stop()
  const failed = results.filter((r) => !r.ok)
  const stored = Number((await db.query<{ n: string }>(`SELECT count(*) AS n FROM m365d_incidents`)).rows[0]!.n)
  console.log(`first sync: ${TENANTS} tenants × ${INCIDENTS} incidents, page ${PAGE} (${calls} list calls/tenant), limits ÷${SCALE} (list ${scaled.list.map((q) => `${q.limit}/${q.windowMs} ms`).join(', ')}), concurrency ${CONCURRENCY}, PGlite; ${availableParallelism()} CPUs, load ${loadavg()[0]!.toFixed(1)}`)
  console.log(`total ${(ms / 1000).toFixed(2)} s · floor imposed by the limits ${(floorMs / 1000).toFixed(2)} s · ratio ${floorMs > 0 ? (ms / floorMs).toFixed(2) + '×' : 'n/a (the limits impose no wait at this page size)'} · ${stored} incidents stored · ${(stored / (ms / 1000)).toFixed(0)} incidents/s · ${failed.length} tenants failed`)
  const codes = new Map<string, number>()
  for (const f of failed) codes.set(`${f.error?.code}: ${f.error?.message.slice(0, 120)}`, (codes.get(`${f.error?.code}: ${f.error?.message.slice(0, 120)}`) ?? 0) + 1)
  for (const [code, n] of codes) console.log(`  ${n} × ${code}`)
} finally {
  tokens.close()
  await db.close()
  await srv.close()
  await rm(dir, { recursive: true, force: true })
}
