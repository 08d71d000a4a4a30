/**
 * Advanced hunting limits (defender-api.md §3.2, peers.md §6.1 item 8): 100,000 rows, 30 days of
 * data, 3-minute timeout, a per-tenant CPU allocation that resets every 15 minutes, 45 calls per
 * minute and 1,500 per hour (per app + tenant, §6), and Graph's 50 MB result cap. The emulator's
 * query "CPU time" is the engine's measured run time × `cpuScale`, so tests can make a cheap query
 * look expensive without waiting.
 */

export interface HuntingLimits {
  /** `false` turns the call and CPU quotas off (benchmarks, bulk tests); row/size/timeout stay. */
  enabled: boolean
  /** Rows returned at most; more are cut off ("Results can return up to 100,000 rows"). */
  maxRows: number
  /** Days of data a query sees ("Queries explore and return data from the past 30 days"). */
  lookbackDays: number
  /** A query charged more CPU than this fails ("more than three minutes, it times out"). */
  timeoutMs: number
  /** Multiplier from measured engine time to charged CPU time. */
  cpuScale: number
  /** CPU allocation per tenant per `cpuWindowMs` ("blocked … until after the next 15-minute cycle"). */
  cpuQuotaMs: number
  cpuWindowMs: number
  callsPerMinute: number
  callsPerHour: number
  /** Graph only: result cap in bytes of the `results` JSON (peers.md §3 "+ 50 MB result cap"). */
  graphMaxResultBytes: number
  /**
   * Legacy: result cap in bytes of the `Results` JSON. Learn's advanced hunting limits page
   * (https://learn.microsoft.com/defender-xdr/advanced-hunting-limits) gives 64 MB per result; the
   * stored copy in defender-api.md §3.2 predates that row, and the API pages state no size, so
   * this is the documented service figure applied to the legacy surface.
   */
  legacyMaxResultBytes: number
  /**
   * Largest intermediate result of the engine in rows: an operator that would produce more stops
   * with "Query stopped. Adjust use of the <operator> operator to avoid excessive resource
   * consumption." (advanced-hunting-errors.md, §3.4) before it allocates. The service's own
   * per-node memory limits are not documented; this keeps one query well inside the worker's heap.
   */
  maxIntermediateRows: number
  /** Largest intermediate result in values (rows × columns; arrays built by range() and the like). */
  maxIntermediateValues: number
}

export function defaultHuntingLimits(): HuntingLimits {
  return {
    enabled: true,
    maxRows: 100_000,
    lookbackDays: 30,
    timeoutMs: 180_000,
    cpuScale: 1,
    // api-terms: "10 minutes of running time per hour" → 150 s per 15-minute cycle.
    cpuQuotaMs: 150_000,
    cpuWindowMs: 900_000,
    callsPerMinute: 45,
    callsPerHour: 1_500,
    graphMaxResultBytes: 50 * 1024 * 1024,
    legacyMaxResultBytes: 64 * 1024 * 1024,
    maxIntermediateRows: 2_000_000,
    maxIntermediateValues: 20_000_000,
  }
}

const NUMBERS = ['maxRows', 'lookbackDays', 'timeoutMs', 'cpuScale', 'cpuQuotaMs', 'cpuWindowMs', 'callsPerMinute', 'callsPerHour', 'graphMaxResultBytes', 'legacyMaxResultBytes', 'maxIntermediateRows', 'maxIntermediateValues'] as const

/** Validates and merges a partial limits document from the control API or the options. */
export function mergeHuntingLimits(current: HuntingLimits, patch: unknown): HuntingLimits {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) throw new TypeError('limits must be a JSON object')
  const p = patch as Record<string, unknown>
  const next = { ...current }
  for (const key of Object.keys(p)) {
    if (key === 'enabled') {
      if (typeof p.enabled !== 'boolean') throw new TypeError('enabled must be a boolean')
      next.enabled = p.enabled
    } else if ((NUMBERS as readonly string[]).includes(key)) {
      const v = p[key]
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new TypeError(`${key} must be a non-negative number`)
      next[key as (typeof NUMBERS)[number]] = v
    } else throw new TypeError(`unknown hunting limits key '${key}' (expected enabled, ${NUMBERS.join(', ')})`)
  }
  return next
}

/** `hh:mm:ss` for messages ("maximum allowed 45 per 00:01:00", "run queries again in 00:12:30"). */
export function hms(ms: number): string {
  const s = Math.max(0, Math.ceil(ms / 1000))
  const pad = (n: number) => String(n).padStart(2, '0')
  return `${pad(Math.floor(s / 3600))}:${pad(Math.floor((s % 3600) / 60))}:${pad(s % 60)}`
}

/** Fixed windows opened by their first call (like src/emulator/defender/limits.ts). */
export class Windows {
  readonly #state = new Map<string, { start: number; used: number }[]>()

  /**
   * Adds `amount` under `key` unless that would overfill a window (`amount` 0: only checks that no
   * window is used up); returns the blocking window's limit and when it frees up.
   */
  take(key: string, quotas: { limit: number; windowMs: number }[], now: number, amount = 1): { limit: number; windowMs: number; retryAfterMs: number } | undefined {
    const w = this.#windowsOf(key, quotas, now)
    for (let i = 0; i < quotas.length; i++) {
      const full = amount === 0 ? w[i]!.used >= quotas[i]!.limit : w[i]!.used + amount > quotas[i]!.limit
      if (full) return { ...quotas[i]!, retryAfterMs: w[i]!.start + quotas[i]!.windowMs - now }
    }
    for (const x of w) x.used += amount
    return undefined
  }

  /** Adds `amount` without checking (CPU is charged after the run). */
  charge(key: string, quotas: { limit: number; windowMs: number }[], now: number, amount: number): void {
    for (const x of this.#windowsOf(key, quotas, now)) x.used += amount
  }

  reset(): void {
    this.#state.clear()
  }

  #windowsOf(key: string, quotas: { limit: number; windowMs: number }[], now: number): { start: number; used: number }[] {
    let w = this.#state.get(key)
    if (!w || w.length !== quotas.length) this.#state.set(key, (w = quotas.map(() => ({ start: now, used: 0 }))))
    for (let i = 0; i < quotas.length; i++) if (now - w[i]!.start >= quotas[i]!.windowMs) w[i] = { start: now, used: 0 }
    return w
  }
}
