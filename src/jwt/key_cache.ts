import { createRemoteJWKSet, customFetch } from 'jose'
import { publish } from '../lib/diagnostics.js'

export interface KeyCacheOptions {
  /** Used for discovery documents and JWKS (default: the global `fetch`). */
  fetch?: typeof fetch
  /** How long a discovery document and a key set are reused (default 1 h: "refreshes happening every hour", entra-app-only.md §5.5). */
  maxAgeMs?: number
  /** A token with an unknown `kid` refetches its key set at most this often (default 30 s, jose's default). */
  cooldownMs?: number
  /** Per request (default 10 s). */
  timeoutMs?: number
  /** Key sets and discovery documents kept, least recently used dropped first (default 1,000 each). */
  maxEntries?: number
}

type RemoteKeySet = ReturnType<typeof createRemoteJWKSet>

/** A discovery document that could not be loaded: HTTP status (and the OAuth error fields), or `cause` for a network failure. */
export class DiscoveryLoadError extends Error {
  constructor(
    readonly url: string,
    readonly status: number | undefined,
    readonly detail: string,
    options: { cause?: unknown } = {},
  ) {
    super(`discovery ${url} failed`, options)
  }
}

/**
 * What signature checks fetch, cached the way Microsoft asks resource servers to (entra-app-only.md
 * §5.5: "always discover and cache keys independently for each tenant", refresh hourly, refetch on
 * an unknown `kid` but not too often):
 *
 * - discovery documents per URL, for `maxAgeMs`, one request at a time per URL (single flight);
 *   failures are not kept, so the next check tries again;
 * - key sets per `jwks_uri` through jose's `createRemoteJWKSet`, which reuses a set for `maxAgeMs`,
 *   refetches it when a token names an unknown `kid` unless the last fetch is younger than
 *   `cooldownMs`, and shares one fetch between concurrent callers.
 *
 * `validateToken` uses one cache per `fetch` function unless given its own (`keyCache`).
 */
export class KeyCache {
  readonly #fetch: typeof fetch | undefined
  readonly #maxAgeMs: number
  readonly #cooldownMs: number
  readonly #timeoutMs: number
  readonly #maxEntries: number
  readonly #documents = new Map<string, { at: number; document: Promise<Record<string, unknown>> }>()
  readonly #keySets = new Map<string, RemoteKeySet>()

  constructor(options: KeyCacheOptions = {}) {
    this.#fetch = options.fetch
    this.#maxAgeMs = options.maxAgeMs ?? 3_600_000
    this.#cooldownMs = options.cooldownMs ?? 30_000
    this.#timeoutMs = options.timeoutMs ?? 10_000
    this.#maxEntries = Math.max(1, options.maxEntries ?? 1_000)
  }

  /** The discovery document at `url` (parsed JSON object), from the cache while younger than `maxAgeMs`. */
  discovery(url: string): Promise<Record<string, unknown>> {
    const cached = this.#documents.get(url)
    if (cached !== undefined && Date.now() - cached.at < this.#maxAgeMs) return touch(this.#documents, url, cached).document
    const entry = { at: Date.now(), document: this.#loadDocument(url) }
    entry.document.catch(() => {
      if (this.#documents.get(url) === entry) this.#documents.delete(url)
    })
    bounded(this.#documents, url, entry, this.#maxEntries)
    return entry.document
  }

  /** The key set at `jwksUri`, as a jose key resolver for `compactVerify`/`jwtVerify`. */
  keySet(jwksUri: string): RemoteKeySet {
    const cached = this.#keySets.get(jwksUri)
    if (cached !== undefined) return touch(this.#keySets, jwksUri, cached)
    const keySet = createRemoteJWKSet(new URL(jwksUri), {
      cacheMaxAge: this.#maxAgeMs,
      cooldownDuration: this.#cooldownMs,
      timeoutDuration: this.#timeoutMs,
      [customFetch]: (url, init) => this.#timed(String(url), 'jwks', () => (this.#fetch ?? globalThis.fetch)(url, init)),
    })
    bounded(this.#keySets, jwksUri, keySet, this.#maxEntries)
    return keySet
  }

  async #loadDocument(url: string): Promise<Record<string, unknown>> {
    let response: Response
    try {
      response = await this.#timed(url, 'discovery', () => (this.#fetch ?? globalThis.fetch)(url, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(this.#timeoutMs) }))
    } catch (cause) {
      throw new DiscoveryLoadError(url, undefined, describe(cause), { cause })
    }
    if (response.status !== 200) throw new DiscoveryLoadError(url, response.status, await errorDetail(response))
    let body: unknown
    try {
      body = await response.json()
    } catch (cause) {
      throw new DiscoveryLoadError(url, 200, ' (not JSON)', { cause })
    }
    if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new DiscoveryLoadError(url, 200, ' (not a JSON object)')
    return body as Record<string, unknown>
  }

  async #timed(url: string, kind: 'discovery' | 'jwks', send: () => Promise<Response>): Promise<Response> {
    const startedAt = Date.now()
    try {
      const response = await send()
      publish('jwksFetch', { url, kind, status: response.status, durationMs: Date.now() - startedAt })
      return response
    } catch (error) {
      publish('jwksFetch', { url, kind, durationMs: Date.now() - startedAt, error: (error as Error)?.name ?? 'Error' })
      throw error
    }
  }
}

const defaults = new WeakMap<typeof fetch, KeyCache>()

/** The process-wide cache for one `fetch` function (the global one by default). */
export function defaultKeyCache(fetchImpl: typeof fetch = globalThis.fetch): KeyCache {
  let cache = defaults.get(fetchImpl)
  if (cache === undefined) {
    cache = new KeyCache({ fetch: fetchImpl })
    defaults.set(fetchImpl, cache)
  }
  return cache
}

/** Moves `key` to the young end of the Map's insertion order (LRU). */
function touch<V>(map: Map<string, V>, key: string, value: V): V {
  map.delete(key)
  map.set(key, value)
  return value
}

function bounded<V>(map: Map<string, V>, key: string, value: V, max: number): void {
  map.set(key, value)
  while (map.size > max) map.delete(map.keys().next().value!)
}

async function errorDetail(res: Response): Promise<string> {
  try {
    const body = (await res.json()) as { error?: unknown; error_codes?: unknown }
    const codes = Array.isArray(body.error_codes) ? ` AADSTS${body.error_codes.join(',')}` : ''
    return typeof body.error === 'string' ? ` (${body.error}${codes})` : ''
  } catch {
    return ''
  }
}

export function describe(e: unknown): string {
  if (e instanceof Error) {
    const cause = e.cause instanceof Error ? `: ${e.cause.message}` : ''
    return `${e.message}${cause}`
  }
  return String(e)
}
