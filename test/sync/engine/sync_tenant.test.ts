import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { WELL_KNOWN } from '../../../src/emulator/index.js'
import { upsertTenant, listTenants } from '../../../src/sync/db/sql/tenants.js'
import { readSyncState } from '../../../src/sync/db/sql/sync_state.js'
import { syncTenant } from '../../../src/sync/engine/sync_tenant.js'
import { backoffMs, classifyError } from '../../../src/sync/engine/classify_error.js'
import { rig, type Rig } from './_setup.js'

describe('syncTenant: health, backoff and streams per tenant', () => {
  let r: Rig
  const base = () => ({ db: r.db, tokenProvider: r.tokens, defenderApi: r.server.url, graphApi: r.server.url, limits: false as const, retry: { maxRetries: 0 }, backfillDays: 200 })
  before(async () => {
    r = await rig({ incidentsPerTenant: 40 })
    for (const id of [WELL_KNOWN.contosoTenantId, WELL_KNOWN.tailspinTenantId, WELL_KNOWN.woodgroveTenantId, WELL_KNOWN.fabrikamTenantId]) await upsertTenant(r.db, { tenantId: id })
  })
  after(() => r.close())

  const health = async (id: string) => (await listTenants(r.db)).find((t) => t.tenant_id === id)!

  test('a healthy tenant syncs incidents and Graph alerts and is marked ok', async () => {
    const res = await syncTenant({ ...base(), tenantId: WELL_KNOWN.contosoTenantId, surface: 'graph', alerts: true })
    assert.equal(res.ok, true, JSON.stringify(res.error))
    assert.ok(res.incidents!.inserted > 0)
    // alerts_v2 returns the alerts $expand already stored: fetched, but not rewritten.
    assert.ok(res.alerts!.records > 0)
    assert.equal(res.alerts!.alerts, 0)
    assert.equal((await health(WELL_KNOWN.contosoTenantId)).health, 'ok')
    assert.ok((await readSyncState(r.db, WELL_KNOWN.contosoTenantId, 'graph:alerts'))?.watermark)
  })

  test('a tenant without SecurityIncident.Read.All (nor the legacy role) is marked missing_roles with the fix, and backs off', async () => {
    const res = await syncTenant({ ...base(), tenantId: WELL_KNOWN.tailspinTenantId })
    assert.equal(res.ok, false)
    assert.equal(res.surface, 'graph')
    assert.equal(res.error?.health, 'missing_roles')
    assert.equal(res.error?.code, 'ERR_HTTP_FORBIDDEN')
    assert.match(res.error?.hint ?? '', /SecurityIncident\.Read\.All/)
    assert.ok(res.nextRunAt.getTime() - Date.now() >= 2 * 60_000, 'configuration problems back off for minutes')
    const t = await health(WELL_KNOWN.tailspinTenantId)
    assert.equal(t.health, 'missing_roles')
  })

  test('a tenant that never consented is marked not_consented (AADSTS700016)', async () => {
    const res = await syncTenant({ ...base(), tenantId: WELL_KNOWN.woodgroveTenantId })
    assert.equal(res.error?.health, 'not_consented')
    const state = await readSyncState(r.db, WELL_KNOWN.woodgroveTenantId, 'graph:incidents')
    assert.equal(state?.consecutive_failures, 1)
    assert.equal(state?.last_error?.code, 'ERR_TOKEN_SERVER')
  })

  test('consent revoked between passes: the next pass reports it, the watermark stays', async () => {
    const ok = await syncTenant({ ...base(), tenantId: WELL_KNOWN.fabrikamTenantId })
    assert.equal(ok.ok, true)
    const before = await readSyncState(r.db, WELL_KNOWN.fabrikamTenantId, 'graph:incidents')
    r.emulator.directory.revokeConsent(WELL_KNOWN.fabrikamTenantId, WELL_KNOWN.clientId)
    r.tokens.invalidate({ tenant: WELL_KNOWN.fabrikamTenantId, resource: 'https://graph.microsoft.com' })
    const res = await syncTenant({ ...base(), tenantId: WELL_KNOWN.fabrikamTenantId })
    assert.equal(res.error?.health, 'not_consented')
    const after = await readSyncState(r.db, WELL_KNOWN.fabrikamTenantId, 'graph:incidents')
    assert.deepEqual(after?.watermark, before?.watermark)
  })

  test('backoff: server wait first, then capped exponential with jitter', () => {
    assert.equal(backoffMs({ health: 'throttled', code: 'x', message: 'x', retryAfterMs: 7000 }, 3), 7000)
    const e = classifyError(new Error('boom'))
    assert.equal(e.health, 'error')
    assert.equal(backoffMs(e, 1, () => 1), 60_000)
    assert.equal(backoffMs(e, 3, () => 1), 240_000)
    assert.equal(backoffMs(e, 30, () => 1), 3_600_000)
    assert.equal(backoffMs(e, 30, () => 0), 1_800_000)
  })
})
