import { publish } from '../lib/diagnostics.js'
import { systemClock, type Clock } from '../lib/clock.js'
import type { EndpointGroup, Layer } from './call.js'

/** One quota: at most `limit` calls in any `windowMs`. */
export interface Quota {
  limit: number
  windowMs: number
}

/** Quotas per endpoint group; `hunting` may be left out (then {@link DEFAULT_LIMITS}' applies). */
export type RateLimits = Record<Exclude<EndpointGroup, 'hunting'>, readonly Quota[]> & { hunting?: readonly Quota[] }

/**
 * The documented quotas per app per tenant (defender-api.md §2.1): list 50/min and 1,500/h,
 * get 100/min and 1,500/h, update 50/min and 1,500/h. "Each method also has its own quotas", so
 * each group is counted separately.
 */
export const DEFAULT_LIMITS: RateLimits = {
  list: [{ limit: 50, windowMs: 60_000 }, { limit: 1_500, windowMs: 3_600_000 }],
  get: [{ limit: 100, windowMs: 60_000 }, { limit: 1_500, windowMs: 3_600_000 }],
  update: [{ limit: 50, windowMs: 60_000 }, { limit: 1_500, windowMs: 3_600_000 }],
  // Advanced hunting: 45 calls/min and 1,500/h per app + tenant (defender-api.md §3.2, §6 captures).
  hunting: [{ limit: 45, windowMs: 60_000 }, { limit: 1_500, windowMs: 3_600_000 }],
}

/**
 * Client-side limiter with SLIDING windows: a timestamp log per (key, quota) in a ring buffer, so
 * no 60-second span ever holds more than `limit` calls — which also keeps every fixed window the
 * server may count in under the limit. Callers over the limit WAIT (abortably) instead of failing:
 * a 429 costs a round trip and, per Microsoft, keeps "the calculated request rate high for
 * longer" (peers.md §3). Share one instance between clients of the same app to share quotas.
 */
export class RateLimiter {
  readonly #limits: RateLimits
  readonly #clock: Clock
  readonly #logs = new Map<string, Ring[]>()

  constructor(options: { limits?: RateLimits; clock?: Clock } = {}) {
    this.#limits = options.limits ?? DEFAULT_LIMITS
    this.#clock = options.clock ?? systemClock
  }

  /** Resolves when a call under `key` may be sent (and counts it); rejects with the signal's reason on abort. */
  async acquire(key: string, group: EndpointGroup, signal?: AbortSignal): Promise<void> {
    const rings = this.#rings(key, group)
    for (;;) {
      signal?.throwIfAborted()
      const now = this.#clock.now()
      let wait = 0
      for (const ring of rings) wait = Math.max(wait, ring.waitMs(now))
      if (wait === 0) {
        for (const ring of rings) ring.push(now)
        return
      }
      publish('rateLimitWait', { key: `${key}|${group}`, delayMs: wait })
      await this.#clock.sleep(wait, signal)
    }
  }

  /** How long a call under `key` would wait now (0 = immediately). */
  waitMs(key: string, group: EndpointGroup): number {
    const now = this.#clock.now()
    return Math.max(0, ...this.#rings(key, group).map((r) => r.waitMs(now)))
  }

  #rings(key: string, group: EndpointGroup): Ring[] {
    const k = `${key}|${group}`
    let rings = this.#logs.get(k)
    if (!rings) {
      rings = (this.#limits[group] ?? DEFAULT_LIMITS[group] ?? []).map((q) => new Ring(q))
      this.#logs.set(k, rings)
    }
    return rings
  }
}

/** The last `limit` call times of one quota; the oldest tells when the window frees a slot. */
class Ring {
  readonly #times: Float64Array
  #next = 0
  #count = 0
  constructor(readonly quota: Quota) {
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

/** The pipeline layer: waits for the limiter before every attempt (401 re-sends included). */
export function rateLimit(limiter: RateLimiter, key: string): Layer {
  return (next) => async (call) => {
    await limiter.acquire(call.quotaScope ? `${key}|${call.quotaScope}` : key, call.group, call.signal)
    return next(call)
  }
}
