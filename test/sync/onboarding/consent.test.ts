import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { createApp, type App } from '../../../src/app/index.js'
import { adminConsentLink, resolveCloud } from '../../../src/auth/index.js'
import { createEmulator, serve, WELL_KNOWN, type Emulator, type RunningEmulator } from '../../../src/emulator/index.js'
import { addTenant, createConsentRequest, findTenant, listTenants, removeTenant, type DaemonEvent, type Database } from '../../../src/sync/index.js'

/** Issue 10 §3: onboarding is bound to its tenant, proven by a token, and never revives a removed tenant. */
describe('onboarding: the consent callback', () => {
  let emulator: Emulator
  let server: RunningEmulator
  let dir: string
  let app: App
  let db: Database
  let callback: (request: Request) => Promise<Response>
  const cb = (q: string) => callback(new Request(`http://localhost:8765/consent/callback?${q}`))
  const ids = async () => (await listTenants(db)).map((t) => t.tenant_id).sort()

  before(async () => {
    emulator = await createEmulator({ defender: { incidentsPerTenant: 8 } })
    server = await serve(emulator)
    dir = await mkdtemp(join(tmpdir(), 'm365d-consent-'))
    app = createApp({
      clientId: WELL_KNOWN.clientId,
      credential: { kind: 'secret', secret: WELL_KNOWN.clientSecret },
      cloud: resolveCloud('commercial', { authorityHost: server.url, defenderApi: server.url, graphApi: server.url }),
      storage: { dataDir: join(dir, 'data') },
      sync: { tickMs: 100, intervalMs: 60_000, backfillDays: 400 },
    })
    db = (await app.openStore()).db
    callback = app.consentCallback(db)
  })
  after(async () => {
    await db.close()
    app.close()
    await server.close()
    await rm(dir, { recursive: true, force: true })
  })

  test('a link issued for Contoso, redeemed with Fabrikam\'s tenant id, adds nothing; Contoso then redeems it', async () => {
    const { state } = await createConsentRequest(db, { intendedTenant: WELL_KNOWN.contosoTenantId })
    const wrong = await cb(`admin_consent=True&tenant=${WELL_KNOWN.fabrikamTenantId}&state=${state}`)
    assert.equal(wrong.status, 400)
    assert.match(await wrong.text(), /issued for another organization/)
    assert.deepEqual(await ids(), [])
    const right = await cb(`admin_consent=True&tenant=${WELL_KNOWN.contosoTenantId}&state=${state}`)
    assert.equal(right.status, 200)
    assert.match(await right.text(), /Consent recorded/)
    assert.deepEqual(await ids(), [WELL_KNOWN.contosoTenantId])
  })

  test('a made-up tenant id is refused: the consent is proven with a token before anything is added', async () => {
    const { state } = await createConsentRequest(db, { anyTenant: true })
    const made = await cb(`admin_consent=True&tenant=0badc0de-0000-4000-8000-00000000beef&state=${state}`)
    assert.equal(made.status, 503)
    assert.match(await made.text(), /could not get access/)
    assert.equal(await findTenant(db, '0badc0de-0000-4000-8000-00000000beef'), undefined)
    // Woodgrove exists but never consented: no token, not added either.
    const never = await cb(`admin_consent=True&tenant=${WELL_KNOWN.woodgroveTenantId}&state=${state}`)
    assert.equal(never.status, 503)
    assert.equal(await findTenant(db, WELL_KNOWN.woodgroveTenantId), undefined)
  })

  test('an old link never brings back a tenant the operator removed; tenants add does', async () => {
    const { state } = await createConsentRequest(db, { intendedTenant: WELL_KNOWN.fabrikamTenantId })
    await addTenant(db, { tenantId: WELL_KNOWN.fabrikamTenantId })
    assert.equal(await removeTenant(db, WELL_KNOWN.fabrikamTenantId), true)
    const back = await cb(`admin_consent=True&tenant=${WELL_KNOWN.fabrikamTenantId}&state=${state}`)
    assert.equal(back.status, 400)
    assert.match(await back.text(), /removed this organization/)
    assert.equal(await findTenant(db, WELL_KNOWN.fabrikamTenantId), undefined)
    await addTenant(db, { tenantId: WELL_KNOWN.fabrikamTenantId })
    assert.ok(await findTenant(db, WELL_KNOWN.fabrikamTenantId))
    await removeTenant(db, WELL_KNOWN.fabrikamTenantId)
  })

  test('a consent without state (the plain consent link) lands on a neutral page and adds nothing', async () => {
    const before = await ids()
    const r = await cb(`admin_consent=True&tenant=${WELL_KNOWN.tailspinTenantId}`)
    assert.equal(r.status, 200)
    const html = await r.text()
    assert.match(html, /Consent received/)
    assert.doesNotMatch(html, /not accepted/)
    assert.equal(r.headers.get('x-frame-options'), 'DENY')
    assert.match(r.headers.get('content-security-policy') ?? '', /default-src 'none'/)
    assert.deepEqual(await ids(), before)
  })

  test('granting consent through the emulator\'s consent page resets the tenant\'s backoff and syncs it within seconds', { timeout: 60_000 }, async () => {
    emulator.directory.revokeConsent(WELL_KNOWN.fabrikamTenantId, WELL_KNOWN.clientId)
    await addTenant(db, { tenantId: WELL_KNOWN.fabrikamTenantId, displayName: 'Fabrikam' })
    const events: DaemonEvent[] = []
    const daemon = app.createDaemon(db, { onEvent: (e) => events.push(e) })
    const granted = app.consentCallback(db, { onGranted: () => daemon.wake() })
    await daemon.start()
    try {
      const failed = await waitFor(() => events.find((e) => e.type === 'pass.failed' && e.tenantId === WELL_KNOWN.fabrikamTenantId), 20_000)
      assert.equal((failed as { health: string }).health, 'not_consented')
      const { rows } = await db.query<{ next_run_at: Date }>(`SELECT next_run_at FROM m365d_sync_state WHERE tenant_id = $1`, [WELL_KNOWN.fabrikamTenantId])
      assert.ok(rows.every((r) => new Date(r.next_run_at).getTime() > Date.now() + 10_000), 'backed off')

      // The admin opens the link bound to Fabrikam, accepts on the emulator's page, and comes back.
      const { state } = await createConsentRequest(db, { intendedTenant: WELL_KNOWN.fabrikamTenantId })
      const link = adminConsentLink({ clientId: WELL_KNOWN.clientId, tenant: WELL_KNOWN.fabrikamTenantId, redirectUri: WELL_KNOWN.redirectUri, state, authorityHost: server.url }).url
      const pageHtml = await (await fetch(link)).text()
      const flowToken = /name="flowToken" value="([^"]+)"/.exec(pageHtml)![1]!
      const set = await fetch(`${server.url}/common/Consent/Set`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', origin: server.url }, body: new URLSearchParams({ flowToken, action: 'accept' }) })
      assert.equal(set.status, 302)
      const back = new URL(set.headers.get('location')!)
      assert.equal(back.searchParams.get('tenant'), WELL_KNOWN.fabrikamTenantId)
      const t0 = Date.now()
      const page = await granted(new Request(back.href))
      assert.equal(page.status, 200)
      const ok = await waitFor(() => events.find((e) => e.type === 'pass.finished' && e.tenantId === WELL_KNOWN.fabrikamTenantId), 15_000)
      assert.ok(ok)
      assert.ok(Date.now() - t0 < 15_000)
    } finally {
      await daemon.stop()
    }
  })
})

async function waitFor<T>(fn: () => T | undefined, ms: number): Promise<T> {
  const end = Date.now() + ms
  for (;;) {
    const v = fn()
    if (v) return v
    if (Date.now() > end) throw new Error(`not within ${ms} ms`)
    await new Promise((r) => setTimeout(r, 50))
  }
}
