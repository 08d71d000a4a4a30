import assert from 'node:assert/strict'
import { after, before, beforeEach, describe, test } from 'node:test'
import { setImmediate as tick } from 'node:timers/promises'
import { createEmulator, serve, type Emulator, type RunningEmulator } from '../../src/emulator/index.js'
import { WELL_KNOWN, wellKnownConfig } from '../../src/emulator/well_known.js'
import { TokenProvider, toTokenCredential, type TokenError, type TokenProviderOptions } from '../../src/auth/index.js'
import { ManualClock } from '../../src/lib/clock.js'
import { channels } from '../../src/lib/diagnostics.js'

const DEFENDER = 'https://api.security.microsoft.com'
const CONTOSO = { tenant: WELL_KNOWN.contosoTenantId, resource: DEFENDER }
const LIFETIME_S = 3600

describe('TokenProvider against the emulator over HTTP (ManualClock)', () => {
  let clock: ManualClock
  let emulator: Emulator
  let running: RunningEmulator
  const providers: TokenProvider[] = []
  // Every provider's requests go through this counter, and the tokenResponse channel counts the
  // ones acquireToken finished, so a test can wait until no request is in flight (real HTTP).
  let sent = 0
  let done = 0
  const onResponse = () => done++
  const counting: typeof fetch = (input, init) => {
    sent++
    return fetch(input, init)
  }
  const make = (over: Partial<TokenProviderOptions> = {}) => {
    const p = new TokenProvider({
      clientId: WELL_KNOWN.clientId,
      credential: { kind: 'secret', secret: WELL_KNOWN.clientSecret },
      authorityHost: running.url,
      clock,
      fetch: counting,
      ...over,
    })
    providers.push(p)
    return p
  }
  const tokenRequests = () => emulator.requests.list({ group: 'token' }).length
  /** Waits (real time, bounded) until every request started so far is processed; the clock does not move. */
  async function idle() {
    await tick() // a background refresh reaches fetch within the current microtasks
    for (let i = 0; i < 5000 && done < sent; i++) await new Promise((r) => setTimeout(r, 2))
    assert.equal(done, sent, 'requests still in flight')
    await tick() // the provider's own handlers run after acquireToken publishes
  }

  before(async () => {
    // Real time as start: the emulator's seeded secrets become valid when it loads.
    clock = new ManualClock(Date.now())
    emulator = await createEmulator({ clock, config: { ...wellKnownConfig(), tokenLifetimeSeconds: LIFETIME_S } })
    running = await serve(emulator)
    channels.tokenResponse.subscribe(onResponse)
  })
  beforeEach(() => emulator.faults.clear())
  after(async () => {
    channels.tokenResponse.unsubscribe(onResponse)
    for (const p of providers) p.close()
    await running.close()
  })

  test('1,000 concurrent getToken calls → exactly ONE token request, then cache hits', async () => {
    const provider = make()
    const n0 = tokenRequests()
    const results = await Promise.all(Array.from({ length: 1000 }, () => provider.getToken(CONTOSO)))
    assert.equal(tokenRequests() - n0, 1)
    assert.equal(new Set(results.map((t) => t.token)).size, 1)
    assert.equal(results[0]!.expiresAt, clock.now() + LIFETIME_S * 1000)
    const again = await Promise.all(Array.from({ length: 1000 }, () => provider.getToken(CONTOSO)))
    assert.equal(tokenRequests() - n0, 1)
    assert.equal(again[0]!.token, results[0]!.token)
    assert.equal(provider.size, 1)
  })

  test('refresh ahead: the valid token keeps being served while ONE background refresh runs', async () => {
    const provider = make()
    const t1 = await provider.getToken(CONTOSO)
    assert.equal(t1.refreshAt, t1.expiresAt - 5 * 60_000)
    const n0 = tokenRequests()
    await clock.advance(t1.refreshAt - clock.now() + 1000)
    const served = await Promise.all([provider.getToken(CONTOSO), provider.getToken(CONTOSO), provider.getToken(CONTOSO)])
    assert.ok(served.every((t) => t.token === t1.token), 'old token served at once')
    await idle()
    assert.equal(tokenRequests() - n0, 1)
    const t2 = await provider.getToken(CONTOSO)
    assert.notEqual(t2.token, t1.token)
    assert.equal(t2.expiresAt, clock.now() + LIFETIME_S * 1000)
    assert.equal(tokenRequests() - n0, 1)
  })

  test('outage during refresh: valid token served, retries back off, then recover', async () => {
    const provider = make({ retry: { baseDelayMs: 1000, maxDelayMs: 8000 } })
    const t1 = await provider.getToken(CONTOSO)
    const events: { reason: string; retry?: boolean; nextAttemptAt?: number }[] = []
    const onRefresh = (m: unknown) => events.push(m as (typeof events)[number])
    channels.tokenRefresh.subscribe(onRefresh)
    try {
      emulator.faults.add({ target: 'token', status: 503, count: 5, body: 'Service Unavailable' })
      await clock.advance(t1.refreshAt - clock.now())
      const n0 = tokenRequests()
      const attemptTimes: number[] = []
      for (let i = 0; i < 300 && tokenRequests() - n0 < 6; i++) {
        const before = tokenRequests()
        const t = await provider.getToken(CONTOSO)
        await idle()
        if (tokenRequests() > before) attemptTimes.push(clock.now())
        if (tokenRequests() - n0 < 6) assert.equal(t.token, t1.token, 'the valid token keeps being served')
        await clock.advance(250)
      }
      assert.equal(tokenRequests() - n0, 6, '5 failures then a success')
      assert.equal(attemptTimes.length, 6)
      const gaps = attemptTimes.slice(1).map((t, i) => t - attemptTimes[i]!)
      // Backoff with jitter in [d/2, d] for d = 1, 2, 4, 8, 8 s (250 ms steps of the test loop).
      const expected = [1000, 2000, 4000, 8000, 8000]
      gaps.forEach((g, i) => assert.ok(g >= expected[i]! / 2 && g <= expected[i]! + 250, `gap ${i} = ${g} ms`))
      const t2 = await provider.getToken(CONTOSO)
      assert.notEqual(t2.token, t1.token)
      const failed = events.filter((e) => e.reason === 'failed')
      assert.equal(failed.length, 5)
      assert.ok(failed.every((e) => e.retry === true))
    } finally {
      channels.tokenRefresh.unsubscribe(onRefresh)
    }
  })

  test('429 Retry-After is honoured by background refreshes', async () => {
    const provider = make({ retry: { baseDelayMs: 100, maxDelayMs: 100 } })
    const t1 = await provider.getToken(CONTOSO)
    emulator.faults.add({ target: 'token', status: 429, retryAfter: 7, body: 'Too Many Requests' })
    await clock.advance(t1.refreshAt - clock.now())
    const n0 = tokenRequests()
    assert.equal((await provider.getToken(CONTOSO)).token, t1.token)
    await idle()
    assert.equal(tokenRequests() - n0, 1)
    await clock.advance(6_000)
    assert.equal((await provider.getToken(CONTOSO)).token, t1.token)
    await idle()
    assert.equal(tokenRequests() - n0, 1, 'no request inside Retry-After')
    await clock.advance(1_100)
    await provider.getToken(CONTOSO)
    await idle()
    assert.equal(tokenRequests() - n0, 2, 'refresh after Retry-After')
  })

  test('after expiry with the outage still on, the error surfaces; a 429 then fails fast', async () => {
    const provider = make({ retry: { baseDelayMs: 1000, maxDelayMs: 1000 } })
    const t1 = await provider.getToken(CONTOSO)
    emulator.faults.add({ target: 'token', status: 503, count: 1000, body: 'Service Unavailable' })
    await clock.advance(t1.expiresAt - clock.now())
    const err = (await provider.getToken(CONTOSO).catch((e: unknown) => e)) as TokenError
    assert.equal(err.code, 'ERR_TOKEN_SERVER')
    assert.equal(err.status, 503)
    emulator.faults.clear()
    emulator.faults.add({ target: 'token', status: 429, retryAfter: 30, body: 'Too Many Requests' })
    await clock.advance(2_000)
    const throttled = (await provider.getToken(CONTOSO).catch((e: unknown) => e)) as TokenError
    assert.equal(throttled.code, 'ERR_TOKEN_THROTTLED')
    const n0 = tokenRequests()
    await clock.advance(10_000)
    const again = (await provider.getToken(CONTOSO).catch((e: unknown) => e)) as TokenError
    assert.equal(again.code, 'ERR_TOKEN_THROTTLED')
    assert.ok(again.retryAfterMs! <= 20_000 && again.retryAfterMs! > 19_000)
    assert.equal(tokenRequests(), n0, 'no request while throttled')
    await clock.advance(21_000)
    const t2 = await provider.getToken(CONTOSO)
    assert.equal(t2.tenantId, WELL_KNOWN.contosoTenantId)
  })

  test('4xx during refresh is not retried; the token is served until it expires, then the error surfaces', async () => {
    const provider = make()
    const t1 = await provider.getToken(CONTOSO)
    emulator.faults.add({ target: 'token', status: 401, body: { error: 'invalid_client', error_description: 'AADSTS7000222: The provided client secret keys are expired.', error_codes: [7000222] } })
    await clock.advance(t1.refreshAt - clock.now())
    const n0 = tokenRequests()
    await provider.getToken(CONTOSO)
    await idle()
    assert.equal(tokenRequests() - n0, 1)
    for (let i = 0; i < 5; i++) {
      await clock.advance(30_000)
      assert.equal((await provider.getToken(CONTOSO)).token, t1.token)
      await idle()
    }
    assert.equal(tokenRequests() - n0, 1, 'no retry of a 401')
    emulator.faults.add({ target: 'token', status: 401, body: { error: 'invalid_client', error_description: 'AADSTS7000222: expired', error_codes: [7000222] } })
    await clock.advance(t1.expiresAt - clock.now())
    const err = (await provider.getToken(CONTOSO).catch((e: unknown) => e)) as TokenError
    assert.deepEqual(err.errorCodes, [7000222])
    assert.match(err.hint!, /new/)
  })

  test('a tenant that fails with a 4xx (no consent) leaves no cache entry behind', async () => {
    const provider = make()
    const err = (await provider.getToken({ tenant: WELL_KNOWN.woodgroveTenantId, resource: DEFENDER }).catch((e: unknown) => e)) as TokenError
    assert.deepEqual(err.errorCodes, [700016])
    assert.equal(provider.size, 0)
    await assert.rejects(provider.getToken({ tenant: 'common', resource: DEFENDER }), { code: 'ERR_INVALID_ARGUMENT' })
    assert.equal(provider.size, 0)
  })

  test('toTokenCredential: Azure SDK clients share the provider cache', async () => {
    const provider = make()
    const credential = toTokenCredential(provider, { tenant: WELL_KNOWN.contosoTenantId })
    const n0 = tokenRequests()
    const a = await credential.getToken(`${DEFENDER}/.default`)
    const b = await credential.getToken([`${DEFENDER}/.default`], { tenantId: WELL_KNOWN.contosoTenantId })
    const direct = await provider.getToken(CONTOSO)
    assert.equal(tokenRequests() - n0, 1)
    assert.equal(a!.token, direct.token)
    assert.equal(b!.expiresOnTimestamp, direct.expiresAt)
    assert.equal(b!.refreshAfterTimestamp, direct.refreshAt)
    const fab = await credential.getToken(`${DEFENDER}/.default`, { tenantId: WELL_KNOWN.fabrikamTenantId })
    assert.notEqual(fab!.token, direct.token)
    await assert.rejects(credential.getToken([`${DEFENDER}/.default`, 'https://graph.microsoft.com/.default']), { code: 'ERR_INVALID_ARGUMENT' })
    await assert.rejects(toTokenCredential(provider).getToken(`${DEFENDER}/.default`), { code: 'ERR_INVALID_ARGUMENT' })
  })

  test('forceRefresh fetches a new token (the "403 after a role change" path)', async () => {
    const provider = make()
    const t1 = await provider.getToken(CONTOSO)
    const n0 = tokenRequests()
    await clock.advance(1000)
    const t2 = await provider.getToken({ ...CONTOSO, forceRefresh: true })
    assert.equal(tokenRequests() - n0, 1)
    assert.notEqual(t2.token, t1.token)
    assert.equal((await provider.getToken(CONTOSO)).token, t2.token)
  })

  test('roles and tid per tenant; resources are separate entries', async () => {
    const provider = make()
    const [contoso, tailspin, graph] = await Promise.all([
      provider.getToken(CONTOSO),
      provider.getToken({ tenant: WELL_KNOWN.tailspinTenantId, resource: DEFENDER }),
      provider.getToken({ tenant: WELL_KNOWN.contosoTenantId, resource: 'https://graph.microsoft.com' }),
    ])
    assert.equal(contoso.tenantId, WELL_KNOWN.contosoTenantId)
    assert.equal(tailspin.tenantId, WELL_KNOWN.tailspinTenantId)
    assert.equal(graph.resource, 'https://graph.microsoft.com')
    assert.equal(provider.size, 3)
    // Two resources of one tenant are chained: dropping one keeps the other.
    const n0 = tokenRequests()
    provider.invalidate({ tenant: WELL_KNOWN.contosoTenantId, resource: 'https://graph.microsoft.com' })
    assert.equal(provider.size, 2)
    assert.equal((await provider.getToken(CONTOSO)).token, contoso.token)
    assert.equal(tokenRequests(), n0)
    assert.notEqual((await provider.getToken({ tenant: WELL_KNOWN.contosoTenantId, resource: 'https://graph.microsoft.com' })).token, graph.token)
    assert.equal(tokenRequests() - n0, 1)
    provider.invalidate(CONTOSO)
    assert.equal((await provider.getToken({ tenant: WELL_KNOWN.contosoTenantId, resource: 'https://graph.microsoft.com' })).resource, 'https://graph.microsoft.com')
    assert.equal(tokenRequests() - n0, 1)
  })

  test('tid guard: a token for another tenant is never served (GUID, and a domain from its FIRST token on)', async () => {
    let rewrite = false
    const swapping: typeof fetch = (input, init) => {
      const req = new Request(input, init)
      if (!rewrite || !req.url.includes('/oauth2/')) return fetch(req)
      // No real peer does this; it stands for a misbehaving proxy / cache (MSAL.NET #5743).
      const url = req.url.replace(/\/[^/]+\/oauth2\//, `/${WELL_KNOWN.fabrikamTenantId}/oauth2/`)
      return fetch(new Request(url, req))
    }
    const provider = make({ fetch: swapping })
    rewrite = true
    await assert.rejects(provider.getToken(CONTOSO), { code: 'ERR_TOKEN_TENANT_MISMATCH' })
    // A domain is resolved through discovery before its first token, so even the first token is checked.
    await assert.rejects(provider.getToken({ tenant: 'contoso.onmicrosoft.com', resource: DEFENDER }), (e: TokenError & { actualTenantId: string; expectedTenantId: string }) => {
      assert.equal(e.code, 'ERR_TOKEN_TENANT_MISMATCH')
      assert.equal(e.expectedTenantId, WELL_KNOWN.contosoTenantId)
      assert.equal(e.actualTenantId, WELL_KNOWN.fabrikamTenantId)
      return true
    })
    rewrite = false
    const byDomain = await provider.getToken({ tenant: 'contoso.onmicrosoft.com', resource: DEFENDER })
    assert.equal(byDomain.tenantId, WELL_KNOWN.contosoTenantId)
    rewrite = true
    await assert.rejects(provider.getToken({ tenant: 'contoso.onmicrosoft.com', resource: DEFENDER, forceRefresh: true }), { code: 'ERR_TOKEN_TENANT_MISMATCH' })
    // Every resource of the tenant is protected by the tenant's id, not only the entry that learned it.
    await assert.rejects(provider.getToken({ tenant: 'contoso.onmicrosoft.com', resource: 'https://graph.microsoft.com' }), { code: 'ERR_TOKEN_TENANT_MISMATCH' })
    // The good token is still the one served.
    assert.equal((await provider.getToken({ tenant: 'contoso.onmicrosoft.com', resource: DEFENDER })).token, byDomain.token)
  })

  test('a domain is resolved once per tenant (single flight), shared by its resources; an unknown domain gets no token request', async () => {
    const provider = make()
    const discovery = () => emulator.requests.list().filter((r) => r.url.endsWith('/v2.0/.well-known/openid-configuration')).length
    const d0 = discovery()
    const n0 = tokenRequests()
    const calls = Array.from({ length: 200 }, (_, i) => provider.getToken({ tenant: i % 2 ? 'Fabrikam.onmicrosoft.com' : 'fabrikam.onmicrosoft.com', resource: i % 4 < 2 ? DEFENDER : 'https://graph.microsoft.com' }))
    const tokens = await Promise.all(calls)
    assert.ok(tokens.every((t) => t.tenantId === WELL_KNOWN.fabrikamTenantId))
    assert.equal(discovery() - d0, 1, 'one discovery for the tenant, whatever the case and the resource')
    assert.equal(tokenRequests() - n0, 4, 'one token per (tenant string, resource)')
    const unknown = (await provider.getToken({ tenant: 'nosuch.onmicrosoft.com', resource: DEFENDER }).catch((e: unknown) => e)) as TokenError
    assert.equal(unknown.code, 'ERR_TENANT_UNKNOWN')
    assert.equal(tokenRequests() - n0, 4)
    assert.equal(provider.size, 4, 'the unknown tenant left no entry')
  })

  test('single flight does not depend on eviction: 40 keys × 50 callers with maxEntries 8 → 40 requests', async () => {
    const tenants = Array.from({ length: 20 }, (_, i) => `5f0a0000-0000-4000-8000-${String(i).padStart(12, '0')}`)
    for (const id of tenants) if (!emulator.directory.tenants.has(id)) {
      emulator.directory.addTenant({ id })
      emulator.directory.consent(id, WELL_KNOWN.clientId)
    }
    const provider = make({ maxEntries: 8 })
    const n0 = tokenRequests()
    const keys = tenants.flatMap((tenant) => [DEFENDER, 'https://graph.microsoft.com'].map((resource) => ({ tenant, resource })))
    const results = await Promise.all(Array.from({ length: keys.length * 50 }, (_, i) => provider.getToken(keys[i % keys.length]!).then((t) => [keys[i % keys.length]!, t] as const)))
    assert.equal(tokenRequests() - n0, keys.length)
    for (const [asked, t] of results) {
      assert.equal(t.tenantId, asked.tenant)
      assert.equal(t.resource, asked.resource)
    }
    assert.equal(new Set(results.map(([, t]) => t.token)).size, keys.length, 'every caller of a key got that key\'s one token')
    assert.ok(provider.size <= 8)
  })

  test('LRU: maxEntries bounds the cache and evicts the least recently used entry', async () => {
    const provider = make({ maxEntries: 3 })
    const req = (tenant: string) => ({ tenant, resource: DEFENDER })
    await provider.getToken(req(WELL_KNOWN.homeTenantId))
    await provider.getToken(req(WELL_KNOWN.contosoTenantId))
    await provider.getToken(req(WELL_KNOWN.fabrikamTenantId))
    await provider.getToken(req(WELL_KNOWN.homeTenantId)) // home is used again → young
    await provider.getToken(req(WELL_KNOWN.tailspinTenantId)) // evicts contoso
    assert.equal(provider.size, 3)
    const n0 = tokenRequests()
    await provider.getToken(req(WELL_KNOWN.homeTenantId))
    await provider.getToken(req(WELL_KNOWN.tailspinTenantId))
    assert.equal(tokenRequests(), n0, 'home and tailspin still cached')
    await provider.getToken(req(WELL_KNOWN.contosoTenantId))
    assert.equal(tokenRequests() - n0, 1, 'contoso was evicted')
    assert.equal(provider.size, 3)
  })

  test('invalidate drops one entry; a caller abort does not cancel the shared request; close() rejects later calls', async () => {
    const provider = make()
    await provider.getToken(CONTOSO)
    provider.invalidate(CONTOSO)
    assert.equal(provider.size, 0)
    const ac = new AbortController()
    const aborted = provider.getToken({ ...CONTOSO, signal: ac.signal })
    const other = provider.getToken(CONTOSO)
    ac.abort(new Error('caller gave up'))
    await assert.rejects(aborted, /caller gave up/)
    assert.equal((await other).tenantId, WELL_KNOWN.contosoTenantId)
    provider.close()
    await assert.rejects(provider.getToken(CONTOSO), { code: 'ERR_TOKEN_PROVIDER_CLOSED' })
  })
})
