import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { createApp, type App } from '../../src/app/index.js'
import { resolveCloud } from '../../src/auth/index.js'
import { createEmulator, serve, WELL_KNOWN, type RunningEmulator } from '../../src/emulator/index.js'
import { listTenants, resolveSyncSettings, SYNC_DEFAULTS, upsertTenant } from '../../src/sync/index.js'

describe('the application layer (createApp)', () => {
  let server: RunningEmulator
  let dir: string
  let app: App
  let tokenRequests = 0

  before(async () => {
    const emulator = await createEmulator({ defender: { incidentsPerTenant: 12 } })
    server = await serve(emulator)
    dir = await mkdtemp(join(tmpdir(), 'm365d-app-'))
    const counting: typeof fetch = (input, init) => {
      if (String(input instanceof Request ? input.url : input).includes('/oauth2/')) tokenRequests++
      return fetch(input, init)
    }
    app = createApp({
      clientId: WELL_KNOWN.clientId,
      credential: { kind: 'secret', secret: WELL_KNOWN.clientSecret },
      cloud: resolveCloud('commercial', { authorityHost: server.url, defenderApi: server.url, graphApi: server.url }),
      storage: { dataDir: join(dir, 'data') },
      sync: { intervalMs: 5000, concurrency: 2 },
      fetch: counting,
    })
  })
  after(async () => {
    app.close()
    await server.close()
    await rm(dir, { recursive: true, force: true })
  })

  test('per-tenant clients on both surfaces share one token provider (one token per tenant and resource)', async () => {
    const before = tokenRequests
    const legacy = await app.clientFor(WELL_KNOWN.contosoTenantId, { surface: 'legacy' }).listIncidents({ pageSize: 5, limit: 5 }).toArray()
    assert.equal(legacy.length, 5)
    const again = await app.clientFor(WELL_KNOWN.contosoTenantId, { surface: 'legacy' }).listIncidents({ limit: 1 }).toArray()
    assert.equal(again.length, 1)
    assert.equal(tokenRequests - before, 1, 'the second client reuses the cached token')
    const graph = app.clientFor(WELL_KNOWN.contosoTenantId, { surface: 'graph' })
    assert.equal(graph.surface, 'graph')
    assert.equal(graph.baseUrl, server.url.replace(/\/$/, ''))
    const hunting = app.huntingClientFor(WELL_KNOWN.fabrikamTenantId, { surface: 'legacy' })
    const r = await hunting.hunt('DeviceInfo | take 1')
    assert.equal(r.rows.length, 1)
  })

  test('the store and the daemon come from the same settings', async () => {
    const { db } = await app.openStore()
    try {
      await upsertTenant(db, { tenantId: WELL_KNOWN.contosoTenantId, displayName: 'Contoso' })
      assert.deepEqual((await listTenants(db)).map((t) => t.tenant_id), [WELL_KNOWN.contosoTenantId])
      const daemon = app.createDaemon(db, { workerId: 'app-test', backfillDays: 400 })
      assert.equal(daemon.settings.intervalMs, 5000, 'from the app settings')
      assert.equal(daemon.settings.concurrency, 2)
      assert.equal(daemon.settings.leaseTtlSeconds, SYNC_DEFAULTS.leaseTtlSeconds, 'the default, from src/sync/settings.ts')
      assert.equal(daemon.workerId, 'app-test')
      const results = await daemon.runOnce({ force: true })
      await daemon.stop()
      assert.equal(results.length, 1)
      assert.equal(results[0]!.ok, true, JSON.stringify(results[0]!.error))
      assert.ok((results[0]!.incidents?.records ?? 0) > 0)
    } finally {
      await db.close()
    }
  })
})

describe('resolveSyncSettings', () => {
  test('fills every default once and keeps what was given', () => {
    const s = resolveSyncSettings({ concurrency: 3 })
    assert.equal(s.concurrency, 3)
    assert.equal(s.intervalMs, SYNC_DEFAULTS.intervalMs)
    assert.equal(s.backfillDays, 30)
    assert.equal(s.surface, SYNC_DEFAULTS.surface)
    assert.deepEqual(s.sinks, [])
  })
  test('refuses values no daemon can run with', () => {
    assert.throws(() => resolveSyncSettings({ concurrency: 0 }), { code: 'ERR_INVALID_ARGUMENT' })
    assert.throws(() => resolveSyncSettings({ leaseTtlSeconds: -1 }), { code: 'ERR_INVALID_ARGUMENT' })
    assert.throws(() => resolveSyncSettings({ surface: 'beta' as never }), { code: 'ERR_INVALID_ARGUMENT' })
  })
})
