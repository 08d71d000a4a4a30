import { systemClock, type Clock } from '../lib/clock.js'
import { channels, publish } from '../lib/diagnostics.js'
import { M365dArgumentError } from '../lib/errors.js'
import { acquireToken } from './acquire_token.js'
import { resolveCloud, type Cloud, type CloudName } from './clouds.js'
import type { ClientCredential } from './credentials.js'
import { TokenError, TokenProviderClosedError, TokenThrottledError } from './errors.js'
import { resolveTenantId } from './tenant_discovery.js'
import { isGuid } from './token_claims.js'
import type { TokenRequestParams } from './token_request.js'
import { DEFAULT_REFRESH_AHEAD_MS, type AccessToken } from './token_response.js'

export interface TokenProviderOptions {
  clientId: string
  credential: ClientCredential
  /** Cloud name or object (default commercial); decides the authority host. */
  cloud?: CloudName | Cloud
  /** Overrides the cloud's authority host, e.g. the emulator's URL. */
  authorityHost?: string
  endpointVersion?: 1 | 2
  fetch?: typeof fetch
  clock?: Clock
  /** Start refreshing this long before expiry (default 5 min). */
  refreshAheadMs?: number
  /** Most cached (tenant, resource) entries before the least recently used is dropped (default 100,000). */
  maxEntries?: number
  /** Backoff of background refreshes after transient failures: base (default 1 s) doubling up to `maxDelayMs` (default 60 s). */
  retry?: { maxDelayMs?: number; baseDelayMs?: number }
  /** A cached token is not handed out in its last `expiryMarginMs` (default 10 s), so callers have time to use it. */
  expiryMarginMs?: number
}

export interface GetTokenRequest {
  /** Tenant GUID or verified domain. */
  tenant: string
  /** Resource, e.g. `https://api.security.microsoft.com` (or `cloud.defenderResource`). */
  resource: string
  /** Skip the cache, e.g. after a 403 caused by a role just granted (a new token carries the new roles). */
  forceRefresh?: boolean
  /** Abandons this caller's wait; a request shared with other callers keeps going. */
  signal?: AbortSignal
}

interface Entry {
  key: string
  tenant: string
  resource: string
  token: AccessToken | undefined
  /** A resolved promise of `token`, handed out as is on cache hits (no allocation, no extra hop). */
  hit: Promise<AccessToken> | undefined
  /** The request on the way (foreground or background): every caller joins it (single flight). */
  inflight: Promise<AccessToken> | undefined
  /** Next entry of the same tenant (another resource): tenants have one or two resources, so a chain beats a Map per tenant. */
  sibling: Entry | undefined
  /** Used since the eviction hand last passed (CLOCK / second chance, see #evictOne). */
  used: boolean
  /** Consecutive transient failures, for the backoff. */
  failures: number
  /** No new request before this time (backoff and Retry-After). */
  nextAttemptAt: number
  /** The failure that set `nextAttemptAt`, returned to callers that find no valid token meanwhile. */
  lastError: TokenError | undefined
  /** A non-retryable (4xx) failure stopped background refreshes of the current token. */
  refreshStopped: boolean
}

/**
 * A multi-tenant app-only token cache: one per process and app registration.
 *
 * - O(1) lookup keyed `authorityHost|tenant|clientId|resource`, memory bounded by `maxEntries` with
 *   a CLOCK approximation of LRU over the Map's insertion order (see #evictOne).
 * - Single flight: N concurrent callers without a valid token → ONE request (MSAL lacks this, peers.md §2.1 #6566).
 * - Refresh ahead: from `refreshAt` on, a caller gets the still-valid token at once and a background
 *   refresh starts; if it fails, the valid token keeps being served and refreshes are retried with
 *   capped exponential backoff + jitter, never earlier than a 429's Retry-After (default 60 s, cap
 *   3600 s, entra-app-only.md §8.2); 4xx other than 429 are not retried. Refreshes are driven by
 *   `getToken` calls, not timers: nothing runs for tenants nobody asks for, 100k tenants cost no
 *   timers, and close() only has in-flight requests to abort.
 * - Without a valid token, failures reach the caller as `TokenError`s; during a backoff window the
 *   last error is returned without a new request.
 * - Tokens are checked for the tenant asked for (`tid`), never served across tenants (MSAL.NET #5743).
 *   The check fails closed (issue 10 §5): a tenant named by domain is resolved to its tenant id
 *   through OpenID discovery BEFORE its first token (once per tenant, single flight), every
 *   resource of the tenant is checked against that id, and a token without a string `tid` is refused.
 * - Single flight does not depend on the cache bound: an entry evicted while its request is in
 *   flight stays reachable until the request settles, so N callers of one key make one request
 *   even when the working set exceeds `maxEntries`.
 */
export class TokenProvider {
  readonly cloud: Cloud
  readonly clientId: string
  readonly #credential: ClientCredential
  readonly #authorityHost: string
  readonly #endpointVersion: 1 | 2
  readonly #fetch: typeof fetch | undefined
  readonly #clock: Clock
  readonly #refreshAheadMs: number
  readonly #maxEntries: number
  readonly #baseDelayMs: number
  readonly #maxDelayMs: number
  readonly #marginMs: number
  /** Every entry in CLOCK order, keyed `authorityHost|tenant|clientId|resource` (insert / evict only). */
  readonly #map = new Map<string, Entry>()
  /**
   * tenant → its entries (chained by `sibling`): the hit path hashes the caller's own tenant string
   * (V8 caches string hashes) instead of building a key per call, and compares the resource.
   */
  readonly #index = new Map<string, Entry>()
  /**
   * Entries evicted while their request was in flight, by key: callers of that key join the
   * request instead of starting another, and a successful one is cached again (single flight
   * independent of eviction). Holds at most the requests in flight.
   */
  readonly #orphans = new Map<string, Entry>()
  /**
   * Tenant ids of domain-named tenants (lower-cased domain → discovery), shared by every resource
   * of the tenant and kept apart from the token entries so eviction never forgets them.
   */
  readonly #tenantIds = new Map<string, { id: Promise<string>; settled: boolean }>()
  readonly #abort = new AbortController()
  #closed = false

  constructor(o: TokenProviderOptions) {
    if (!o.clientId) throw new M365dArgumentError('clientId is required.')
    const cloud = typeof o.cloud === 'object' ? o.cloud : resolveCloud(o.cloud)
    this.cloud = o.authorityHost ? { ...cloud, authorityHost: resolveCloud(cloud.name, { authorityHost: o.authorityHost }).authorityHost } : cloud
    this.clientId = o.clientId
    this.#credential = o.credential
    this.#authorityHost = this.cloud.authorityHost.replace(/\/+$/, '')
    this.#endpointVersion = o.endpointVersion ?? 2
    this.#fetch = o.fetch
    this.#clock = o.clock ?? systemClock
    this.#refreshAheadMs = o.refreshAheadMs ?? DEFAULT_REFRESH_AHEAD_MS
    this.#maxEntries = o.maxEntries ?? 100_000
    if (!(this.#maxEntries >= 1)) throw new M365dArgumentError('maxEntries must be at least 1.')
    this.#baseDelayMs = o.retry?.baseDelayMs ?? 1_000
    this.#maxDelayMs = o.retry?.maxDelayMs ?? 60_000
    this.#marginMs = o.expiryMarginMs ?? 10_000
  }

  /** The authority host requests go to (cloud default or override), without trailing slash. */
  get authorityHost(): string {
    return this.#authorityHost
  }

  /** Number of cached (tenant, resource) entries. */
  get size(): number {
    return this.#map.size
  }

  getToken(req: GetTokenRequest): Promise<AccessToken> {
    let e = this.#index.get(req.tenant)
    while (e !== undefined && e.resource !== req.resource) e = e.sibling
    if (e !== undefined && e.token !== undefined && req.forceRefresh !== true) {
      const now = this.#clock.now()
      const t = e.token
      if (now < t.expiresAt - this.#marginMs) {
        if (now >= t.refreshAt && e.inflight === undefined && !e.refreshStopped && now >= e.nextAttemptAt) this.#background(e, 'refresh-ahead')
        if (!e.used) e.used = true
        if (channels.tokenCacheHit.hasSubscribers) publish('tokenCacheHit', { key: e.key, expiresAt: t.expiresAt })
        return e.hit!
      }
    }
    return this.#miss(e, req)
  }

  /** Drops the cached token for one tenant and resource (e.g. after the app lost consent). */
  invalidate(req: { tenant: string; resource: string }): void {
    let e = this.#index.get(req.tenant)
    while (e !== undefined && e.resource !== req.resource) e = e.sibling
    if (e !== undefined) this.#remove(e)
  }

  /** Aborts in-flight requests and empties the cache; later calls reject with `ERR_TOKEN_PROVIDER_CLOSED`. */
  close(): void {
    if (this.#closed) return
    this.#closed = true
    this.#abort.abort(new TokenProviderClosedError())
    this.#map.clear()
    this.#index.clear()
    this.#orphans.clear()
    this.#tenantIds.clear()
  }

  #miss(existing: Entry | undefined, req: GetTokenRequest): Promise<AccessToken> {
    if (this.#closed) return Promise.reject(new TokenProviderClosedError())
    if (existing === undefined && this.#orphans.size > 0) {
      const orphan = this.#orphans.get(this.#keyOf(req.tenant, req.resource))
      // Evicted while its request runs: bring it back, so this caller joins that request.
      if (orphan !== undefined) {
        this.#attach(orphan)
        return this.getToken(req)
      }
    }
    const e = existing ?? this.#attach(this.#newEntry(req))
    let p = e.inflight
    if (p === undefined) {
      const now = this.#clock.now()
      if (now < e.nextAttemptAt && e.lastError !== undefined) return Promise.reject(this.#stillFailing(e, now))
      if (req.forceRefresh) publish('tokenRefresh', { key: e.key, reason: 'forced' })
      p = this.#request(e)
    }
    return req.signal ? abortable(p, req.signal) : p
  }

  #background(e: Entry, reason: string): void {
    publish('tokenRefresh', { key: e.key, reason, attempt: e.failures + 1 })
    // Failures are recorded on the entry and published; the valid token keeps being served.
    this.#request(e).catch(() => {})
  }

  #request(e: Entry): Promise<AccessToken> {
    const params: TokenRequestParams = {
      authorityHost: this.#authorityHost,
      tenant: e.tenant,
      clientId: this.clientId,
      credential: this.#credential,
      resource: e.resource,
      endpointVersion: this.#endpointVersion,
      clock: this.#clock,
      signal: this.#abort.signal,
      ...(this.#fetch && { fetch: this.#fetch }),
    }
    const acquire = (expectedTenantId: string) => acquireToken(params, { refreshAheadMs: this.#refreshAheadMs, expectedTenantId })
    const p = (isGuid(e.tenant) ? acquire(e.tenant) : this.#tenantIdOf(e.tenant).then(acquire))
      .then(
        (token) => {
          e.token = token
          e.hit = Promise.resolve(token)
          e.failures = 0
          e.nextAttemptAt = 0
          e.lastError = undefined
          e.refreshStopped = false
          return token
        },
        (error: unknown) => {
          this.#recordFailure(e, error)
          throw error
        },
      )
      .finally(() => {
        if (e.inflight === p) e.inflight = undefined
        if (this.#orphans.get(e.key) === e) {
          this.#orphans.delete(e.key)
          // A fresh token is the most recently used entry: cache it again (a failure is dropped with it).
          if (e.token !== undefined && !this.#closed && !this.#map.has(e.key)) this.#attach(e)
        }
      })
    e.inflight = p
    return p
  }

  /**
   * The tenant id of a domain-named tenant, resolved once per tenant through OpenID discovery
   * (single flight: concurrent callers share the request). A failure is not kept: the entry's own
   * backoff decides when the next caller tries again.
   */
  #tenantIdOf(tenant: string): Promise<string> {
    const name = tenant.toLowerCase()
    const known = this.#tenantIds.get(name)
    if (known !== undefined) return known.id
    const id = resolveTenantId(tenant, {
      authorityHost: this.#authorityHost,
      clock: this.#clock,
      signal: this.#abort.signal,
      ...(this.#fetch && { fetch: this.#fetch }),
    })
    const state = { id, settled: false }
    this.#tenantIds.set(name, state)
    id.then(
      () => (state.settled = true),
      () => {
        if (this.#tenantIds.get(name) === state) this.#tenantIds.delete(name)
      },
    )
    // Bounded like the token entries; only resolved ids are dropped, so a lookup in flight stays shared.
    if (this.#tenantIds.size > this.#maxEntries)
      for (const [other, s] of this.#tenantIds)
        if (s.settled) {
          this.#tenantIds.delete(other)
          break
        }
    return id
  }

  #recordFailure(e: Entry, error: unknown): void {
    if (this.#closed) return
    if (!(error instanceof TokenError)) {
      if (e.token === undefined) this.#remove(e)
      return
    }
    const now = this.#clock.now()
    const transient = error instanceof TokenThrottledError || error.code === 'ERR_TOKEN_NETWORK' || (error.status !== undefined && error.status >= 500)
    if (!transient) {
      // Never retry 4xx other than 429 (entra-app-only.md §8.4): the configuration must change first.
      // An entry that never had a token keeps nothing worth a cache slot (e.g. a tenant without consent).
      if (e.token === undefined) return this.#remove(e)
      e.refreshStopped = true
      publish('tokenRefresh', { key: e.key, reason: 'failed', error: error.code, retry: false })
      return
    }
    e.failures++
    const backoff = Math.min(this.#maxDelayMs, this.#baseDelayMs * 2 ** (e.failures - 1))
    const jittered = backoff / 2 + Math.random() * (backoff / 2)
    e.nextAttemptAt = now + Math.max(jittered, error.retryAfterMs ?? 0)
    e.lastError = error
    if (e.token !== undefined) publish('tokenRefresh', { key: e.key, reason: 'failed', error: error.code, retry: true, nextAttemptAt: e.nextAttemptAt })
  }

  /** The last transient error, with the remaining wait for throttling. */
  #stillFailing(e: Entry, now: number): TokenError {
    const err = e.lastError!
    if (err instanceof TokenThrottledError) {
      const wait = e.nextAttemptAt - now
      return new TokenThrottledError(`Token requests are throttled for ${Math.ceil(wait / 1000)} s more (HTTP 429 earlier).`, { ...fieldsOf(err), retryAfterMs: wait }, { ...(err.hint && { hint: err.hint }), cause: err })
    }
    return err
  }

  #keyOf(tenant: string, resource: string): string {
    return this.#authorityHost + '|' + tenant + '|' + this.clientId + '|' + resource
  }

  #newEntry(req: GetTokenRequest): Entry {
    return {
      key: this.#keyOf(req.tenant, req.resource),
      tenant: req.tenant,
      resource: req.resource,
      token: undefined,
      hit: undefined,
      inflight: undefined,
      sibling: undefined,
      used: false,
      failures: 0,
      nextAttemptAt: 0,
      lastError: undefined,
      refreshStopped: false,
    }
  }

  /** Puts an entry into the cache (evicting first when full) and chains it to its tenant's entries. */
  #attach(e: Entry): Entry {
    this.#orphans.delete(e.key)
    if (this.#map.size >= this.#maxEntries) this.#evictOne()
    // Read the chain AFTER evicting: the eviction may have removed its head.
    e.sibling = this.#index.get(e.tenant)
    e.used = false
    this.#map.set(e.key, e)
    this.#index.set(e.tenant, e)
    return e
  }

  #remove(e: Entry): void {
    if (this.#map.get(e.key) !== e) return // already evicted or invalidated (and maybe replaced)
    this.#map.delete(e.key)
    const head = this.#index.get(e.tenant)
    if (head === e) {
      if (e.sibling === undefined) this.#index.delete(e.tenant)
      else this.#index.set(e.tenant, e.sibling)
      return
    }
    for (let prev = head; prev !== undefined; prev = prev.sibling)
      if (prev.sibling === e) {
        prev.sibling = e.sibling
        return
      }
  }

  /**
   * CLOCK (second-chance) approximation of LRU over the Map's insertion order: the oldest entry is
   * evicted unless it was used since the hand last passed, in which case it loses its flag and moves
   * to the young end. A hit only sets a boolean (a delete+set per hit costs ~10 µs at 100k entries,
   * measured with bench/token_cache.ts); eviction is amortized O(1) since each pass clears a flag.
   */
  #evictOne(): void {
    for (const e of this.#map.values()) {
      if (!e.used) {
        this.#remove(e)
        // Its request keeps running; callers of the key find it there (single flight independent of eviction).
        if (e.inflight !== undefined) this.#orphans.set(e.key, e)
        return
      }
      e.used = false
      this.#map.delete(e.key)
      this.#map.set(e.key, e)
    }
  }
}

function fieldsOf(err: TokenError) {
  return {
    ...(err.status !== undefined && { status: err.status }),
    errorCodes: err.errorCodes,
    ...(err.tenant !== undefined && { tenant: err.tenant }),
    ...(err.clientId !== undefined && { clientId: err.clientId }),
  }
}

function abortable<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason)
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason)
    signal.addEventListener('abort', onAbort, { once: true })
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort)
        resolve(v)
      },
      (e) => {
        signal.removeEventListener('abort', onAbort)
        reject(e)
      },
    )
  })
}
