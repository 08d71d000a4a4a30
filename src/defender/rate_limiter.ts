import { publish } from '../lib/diagnostics.js'
import { systemClock, type Clock } from '../lib/clock.js'
import type { EndpointGroup, Layer, Surface } from './call.js'
import { checkLimits, LEGACY_LIMITS, QUOTA_PROFILES, tenantBuckets, type RateLimits } from './quotas.js'

export type { Quota, RateLimits } from './quotas.js'

/** The legacy profile (kept under its old name): see quotas.ts for every number and its source. */
export const DEFAULT_LIMITS: RateLimits = LEGACY_LIMITS

export interface AcquireOptions {
  /** Selects the quota profile when the limiter was built without fixed `limits` (default legacy). */
  surface?: Surface
  /** The app-wide budget's key (the API origin): every tenant key under it shares the `app` quotas. */
  app?: string
}

interface Waiter {
  queue: string
  rings: Ring[]
  resolve(): void
  reject(reason: unknown): void
}

/**
 * Client-side limiter with SLIDING windows: a timestamp log per (key, quota) in a ring buffer, so
 * no window ever holds more than `limit` calls — which also keeps every fixed window the server
 * may count in under the limit. Callers over a limit WAIT (abortably) instead of failing: a 429
 * costs a round trip and, per Microsoft, keeps "the calculated request rate high for longer"
 * (peers.md §3).
 *
 * Two levels of quota: per app + tenant (`key`), and per app across all tenants (`app`, Graph's
 * 130,000 requests per 10 s). A call goes when BOTH have room, and is counted in both at that
 * moment. Waiting calls queue per (tenant key, group); when capacity frees, the queues are served
 * ROUND-ROBIN, one call each per turn, so a tenant with a deep backlog cannot starve the others of
 * the shared app budget. Share one instance between the clients of one app (the daemon does).
 *
 * Without fixed `limits`, each call is counted against its surface's profile (quotas.ts): one
 * limiter serves legacy and Graph clients alike.
 */
export class RateLimiter {
  readonly #fixed: RateLimits | undefined
  readonly #profiles: Readonly<Record<Surface, RateLimits>>
  readonly #clock: Clock
  readonly #rings = new Map<string, Ring>()
  /** Waiting calls, FIFO per queue key; Map order + #cursor give the round-robin order. */
  readonly #queues = new Map<string, Waiter[]>()
  #cursor: string | undefined
  #timer: AbortController | undefined
  #wakeAt = Infinity

  constructor(options: { limits?: RateLimits; profiles?: Partial<Record<Surface, RateLimits>>; clock?: Clock } = {}) {
    this.#fixed = options.limits ? checkLimits(options.limits) : undefined
    this.#profiles = { ...QUOTA_PROFILES, ...options.profiles }
    this.#clock = options.clock ?? systemClock
  }

  /** Resolves when a call under `key` may be sent (and counts it); rejects with the signal's reason on abort. */
  acquire(key: string, group: EndpointGroup, signal?: AbortSignal, options: AcquireOptions = {}): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason)
    const rings = this.#ringsFor(key, group, options)
    const now = this.#clock.now()
    if (this.#queues.size === 0 && rings.every((r) => r.waitMs(now) === 0)) {
      for (const r of rings) r.push(now)
      return Promise.resolve()
    }
    const queue = `${key}|${group}`
    publish('rateLimitWait', { key: queue, delayMs: Math.max(0, ...rings.map((r) => r.waitMs(now))) })
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        const q = this.#queues.get(queue)
        const i = q ? q.indexOf(waiter) : -1
        if (i >= 0) {
          q!.splice(i, 1)
          if (q!.length === 0) this.#queues.delete(queue)
        }
        reject(signal!.reason)
        this.#pump()
      }
      const waiter: Waiter = {
        queue,
        rings,
        resolve: () => {
          signal?.removeEventListener('abort', onAbort)
          resolve()
        },
        reject,
      }
      signal?.addEventListener('abort', onAbort, { once: true })
      const q = this.#queues.get(queue)
      if (q) q.push(waiter)
      else this.#queues.set(queue, [waiter])
      this.#pump()
    })
  }

  /** How long a call under `key` would wait now for quota (0 = immediately), ignoring calls already queued. */
  waitMs(key: string, group: EndpointGroup, options: AcquireOptions = {}): number {
    const now = this.#clock.now()
    return Math.max(0, ...this.#ringsFor(key, group, options).map((r) => r.waitMs(now)))
  }

  /** Calls waiting now, per queue (`<key>|<group>`): what a scheduler may look at before adding work. */
  queued(): Map<string, number> {
    return new Map([...this.#queues].map(([k, q]) => [k, q.length]))
  }

  #ringsFor(key: string, group: EndpointGroup, options: AcquireOptions): Ring[] {
    const limits = this.#fixed ?? this.#profiles[options.surface ?? 'legacy']
    const rings: Ring[] = []
    for (const { bucket, quotas } of tenantBuckets(limits, group)) quotas.forEach((q, i) => rings.push(this.#ring(`${key}|${bucket}|${i}`, q)))
    limits.app?.forEach((q, i) => rings.push(this.#ring(`app:${options.app ?? ''}|${i}`, q)))
    return rings
  }

  #ring(id: string, quota: { limit: number; windowMs: number }): Ring {
    let ring = this.#rings.get(id)
    if (!ring || ring.quota.limit !== quota.limit || ring.quota.windowMs !== quota.windowMs) this.#rings.set(id, (ring = new Ring(quota)))
    return ring
  }

  /** Grants every waiting call that can go now, round-robin over the queues, then sleeps until the next can. */
  #pump(): void {
    const now = this.#clock.now()
    for (let granted = true; granted && this.#queues.size > 0; ) {
      granted = false
      for (const name of this.#roundRobin()) {
        const q = this.#queues.get(name)!
        const head = q[0]!
        if (!head.rings.every((r) => r.waitMs(now) === 0)) continue
        for (const r of head.rings) r.push(now)
        q.shift()
        if (q.length === 0) this.#queues.delete(name)
        this.#cursor = name
        granted = true
        head.resolve()
      }
    }
    let next = Infinity
    for (const q of this.#queues.values()) next = Math.min(next, Math.max(...q[0]!.rings.map((r) => r.waitMs(now))))
    this.#schedule(next === Infinity ? Infinity : now + Math.max(1, next))
  }

  /** Queue names starting after the last one served. */
  #roundRobin(): string[] {
    const names = [...this.#queues.keys()]
    const at = this.#cursor === undefined ? -1 : names.indexOf(this.#cursor)
    return at < 0 ? names : [...names.slice(at + 1), ...names.slice(0, at + 1)]
  }

  #schedule(at: number): void {
    if (at === this.#wakeAt) return
    this.#timer?.abort()
    this.#timer = undefined
    this.#wakeAt = at
    if (at === Infinity) return
    const timer = new AbortController()
    this.#timer = timer
    this.#clock.sleep(at - this.#clock.now(), timer.signal).then(
      () => {
        if (this.#timer !== timer) return
        this.#timer = undefined
        this.#wakeAt = Infinity
        this.#pump()
      },
      () => {},
    )
  }
}

/** The last `limit` call times of one quota; the oldest tells when the window frees a slot. */
class Ring {
  readonly #times: Float64Array
  #next = 0
  #count = 0
  constructor(readonly quota: { limit: number; windowMs: number }) {
    this.#times = new Float64Array(Math.max(1, quota.limit))
  }
  waitMs(now: number): number {
    if (this.#count < this.quota.limit) return 0
    const oldest = this.#times[this.#next]!
    return Math.max(0, oldest + this.quota.windowMs - now)
  }
  push(now: number): void {
    this.#times[this.#next] = now
    this.#next = (this.#next + 1) % this.#times.length
    if (this.#count < this.quota.limit) this.#count++
  }
}

/**
 * The pipeline layer: waits for the limiter before every attempt (401 re-sends included). `key`
 * is `<origin>|<tenant>`; the origin is the app-wide budget's key.
 */
export function rateLimit(limiter: RateLimiter, key: string, app: string = key.split('|')[0] ?? ''): Layer {
  return (next) => async (call) => {
    await limiter.acquire(call.quotaScope ? `${key}|${call.quotaScope}` : key, call.group, call.signal, { surface: call.surface, app })
    return next(call)
  }
}
