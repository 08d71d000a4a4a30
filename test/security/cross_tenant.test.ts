import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { TokenProvider, tenantIdOf, type AccessToken, type TokenError } from '../../src/auth/index.js'
import { createEmulator, serve, WELL_KNOWN, type Emulator, type RunningEmulator } from '../../src/emulator/index.js'
import { DEFENDER, GRAPH } from './_attacks.js'

/**
 * The cross-tenant hammer (issue 10 §8, §5): thousands of concurrent getToken calls for many
 * tenants, named by GUID and by domain, for two resources, through a cache far smaller than the
 * working set, against the emulator over HTTP. Every token handed out carries the tid of the tenant
 * asked for; a proxy that answers some requests for another tenant never gets its token through;
 * and the request counts prove single flight: one token request per (tenant, resource) key and one
 * discovery per domain, whatever the eviction.
 */
const TENANTS = 60
const CALLS_PER_KEY = 25
const guid = (i: number) => `ba5e0000-0000-4000-8000-${String(i).padStart(12, '0')}`
const domain = (i: number) => `hammer${i}.onmicrosoft.com`

interface Key {
  tenant: string
  resource: string
  /** The tenant id the token must carry. */
  tid: string
}

function shuffled<T>(items: T[], seed: number): T[] {
  const out = [...items]
  let s = seed
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1_103_515_245 + 12_345) % 2 ** 31
    const j = s % (i + 1)
    ;[out[i], out[j]] = [out[j]!, out[i]!]
  }
  return out
}

describe('cross-tenant hammer against the emulator', () => {
  let emulator: Emulator
  let srv: RunningEmulator
  const keys: Key[] = []
  const sent = { token: 0, discovery: 0 }
  let swapEvery = 0
  /** Counts requests by kind; when `swapEvery` is set, every n-th token request is answered for ANOTHER tenant (MSAL.NET #5743). */
  const counting: typeof fetch = (input, init) => {
    const req = new Request(input, init)
    const path = new URL(req.url).pathname
    if (path.endsWith('/.well-known/openid-configuration')) sent.discovery++
    if (!path.includes('/oauth2/')) return fetch(req)
    sent.token++
    if (swapEvery > 0 && sent.token % swapEvery === 0) {
      const victim = guid((sent.token * 7) % TENANTS)
      return fetch(new Request(req.url.replace(/\/[^/]+\/oauth2\//, `/${victim}/oauth2/`), req))
    }
    return fetch(req)
  }
  const provider = (maxEntries: number) =>
    new TokenProvider({ clientId: WELL_KNOWN.clientId, credential: { kind: 'secret', secret: WELL_KNOWN.clientSecret }, authorityHost: srv.url, fetch: counting, maxEntries })

  before(async () => {
    emulator = await createEmulator()
    for (let i = 0; i < TENANTS; i++) {
      emulator.directory.addTenant({ id: guid(i), domains: [domain(i)] })
      emulator.directory.consent(guid(i), WELL_KNOWN.clientId)
    }
    srv = await serve(emulator)
    for (let i = 0; i < TENANTS; i++)
      for (const resource of [DEFENDER, GRAPH]) keys.push({ tenant: guid(i), resource, tid: guid(i) }, { tenant: domain(i), resource, tid: guid(i) })
  })
  after(() => srv.close())

  async function wave(p: TokenProvider, seed: number): Promise<{ results: [Key, AccessToken | TokenError][] }> {
    const calls = shuffled(keys.flatMap((k) => Array.from({ length: CALLS_PER_KEY }, () => k)), seed)
    const results = await Promise.all(calls.map((k) => p.getToken({ tenant: k.tenant, resource: k.resource }).then((t) => [k, t] as [Key, AccessToken], (e: TokenError) => [k, e] as [Key, TokenError])))
    return { results }
  }

  function assertOwnTenant(results: [Key, AccessToken | TokenError][]): void {
    const foreign = results.filter(([k, t]) => !(t instanceof Error) && (tenantIdOf(t.token) !== k.tid || t.tenantId !== k.tid || t.resource !== k.resource))
    assert.equal(foreign.length, 0, `tokens of another tenant or resource were handed out: ${foreign.slice(0, 3).map(([k]) => `${k.tenant} ${k.resource}`).join('; ')}`)
  }

  test(`${TENANTS * 4} keys × ${CALLS_PER_KEY} concurrent calls through a cache of 25: every token is the asked tenant's; one request per key, one discovery per domain`, async () => {
    const p = provider(25)
    sent.token = 0
    sent.discovery = 0
    const { results } = await wave(p, 1)
    assert.equal(results.length, keys.length * CALLS_PER_KEY)
    assert.deepEqual(results.filter(([, t]) => t instanceof Error).map(([, e]) => (e as TokenError).code), [])
    assertOwnTenant(results)
    assert.equal(sent.token, keys.length, 'single flight: one token request per (tenant, resource) key despite eviction')
    assert.equal(sent.discovery, TENANTS, 'one discovery per domain, shared by its resources')
    // Every caller of a key got that key's one token.
    const perKey = new Map<string, Set<string>>()
    for (const [k, t] of results) {
      const id = `${k.tenant}|${k.resource}`
      if (!perKey.has(id)) perKey.set(id, new Set())
      perKey.get(id)!.add((t as AccessToken).token)
    }
    assert.ok([...perKey.values()].every((s) => s.size === 1))
    assert.ok(p.size <= 25)

    // A second wave: evicted keys are fetched again (at most once each), domains are not resolved again.
    const before = { ...sent }
    const second = await wave(p, 2)
    assertOwnTenant(second.results)
    assert.ok(sent.token - before.token <= keys.length)
    assert.equal(sent.discovery, before.discovery, 'tenant ids are kept per tenant, apart from the evicted token entries')
    p.close()
  })

  test('a proxy answering every 5th token request for another tenant: those calls fail with ERR_TOKEN_TENANT_MISMATCH, no call gets the other tenant\'s token', async () => {
    const p = provider(40)
    sent.token = 0
    sent.discovery = 0
    swapEvery = 5
    try {
      const { results } = await wave(p, 3)
      assertOwnTenant(results)
      const errors = results.filter(([, t]) => t instanceof Error).map(([, e]) => e as TokenError)
      assert.ok(errors.length > 0, 'the proxy swapped some requests')
      assert.deepEqual([...new Set(errors.map((e) => e.code))], ['ERR_TOKEN_TENANT_MISMATCH'])
      assert.equal(sent.token, keys.length, 'still one request per key')
    } finally {
      swapEvery = 0
      p.close()
    }
  })
})
