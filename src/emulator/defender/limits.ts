/**
 * Per app + tenant + operation call quotas (defender-api.md §2.1, §6: "The rate limitations are
 * always on the combination of application+tenant"). Each operation has one or more fixed windows;
 * a window opens at its first call and resets when it elapses.
 */

export type DefenderOperation =
  | 'legacy.list'
  | 'legacy.get'
  | 'legacy.update'
  | 'graph.incidents.list'
  | 'graph.incidents.get'
  | 'graph.incidents.update'
  | 'graph.alerts.list'
  | 'graph.alerts.get'
  | 'graph.alerts.update'

export interface Quota {
  limit: number
  windowMs: number
}

export interface DefenderLimits {
  /** `false` turns every quota off (benchmarks, bulk tests). */
  enabled: boolean
  quotas: Record<DefenderOperation, Quota[]>
  /** Graph `$expand=alerts` answers 500 when the page size is above this (elastic#18144); null = never. */
  expandFailAbove: number | null
  /** Incidents whose lastUpdateTime is older than this are gone (defender-api.md §2.2, data-privacy.md). */
  retentionDays: number
}

/** A partial limits document: what the control API's PUT and `createEmulator({defender:{limits}})` take. */
export type DefenderLimitsInput = Partial<Omit<DefenderLimits, 'quotas'>> & { quotas?: Partial<Record<DefenderOperation, Quota[]>> }

const MIN = 60_000
const HOUR = 3_600_000

export function defaultLimits(): DefenderLimits {
  const perMinuteAndHour = (perMinute: number): Quota[] => [
    { limit: perMinute, windowMs: MIN },
    { limit: 1500, windowMs: HOUR },
  ]
  return {
    enabled: true,
    quotas: {
      // Legacy: documented per method (defender-api.md §2.1).
      'legacy.list': perMinuteAndHour(50),
      'legacy.get': perMinuteAndHour(100),
      'legacy.update': perMinuteAndHour(50),
      // Graph: no per-method numbers are documented for security incidents/alerts; the emulator
      // uses the legacy API's numbers so clients tuned for one surface behave on the other.
      'graph.incidents.list': perMinuteAndHour(50),
      'graph.incidents.get': perMinuteAndHour(100),
      'graph.incidents.update': perMinuteAndHour(50),
      'graph.alerts.list': perMinuteAndHour(50),
      'graph.alerts.get': perMinuteAndHour(100),
      'graph.alerts.update': perMinuteAndHour(50),
    },
    expandFailAbove: null,
    retentionDays: 180,
  }
}

export interface Throttled {
  quota: Quota
  retryAfterSeconds: number
}

export class RateLimiter {
  /** key → per-quota window state */
  #windows = new Map<string, { start: number; count: number }[]>()

  /** Counts one call; returns the quota it exceeds (call not counted) or undefined. */
  take(settings: DefenderLimits, key: { tenantId: string; appId: string; operation: DefenderOperation }, now: number): Throttled | undefined {
    if (!settings.enabled) return undefined
    const quotas = settings.quotas[key.operation] ?? []
    const id = `${key.tenantId}|${key.appId}|${key.operation}`
    let windows = this.#windows.get(id)
    if (!windows || windows.length !== quotas.length) this.#windows.set(id, (windows = quotas.map(() => ({ start: now, count: 0 }))))
    for (let i = 0; i < quotas.length; i++) {
      const w = windows[i]!
      if (now - w.start >= quotas[i]!.windowMs) {
        w.start = now
        w.count = 0
      }
    }
    for (let i = 0; i < quotas.length; i++) {
      const q = quotas[i]!
      const w = windows[i]!
      if (w.count >= q.limit) return { quota: q, retryAfterSeconds: Math.max(1, Math.ceil((w.start + q.windowMs - now) / 1000)) }
    }
    for (const w of windows) w.count++
    return undefined
  }

  reset(): void {
    this.#windows.clear()
  }
}

/** `hh:mm:ss`, as in the real 429 message ("maximum allowed 45 per 00:01:00"). */
export function formatWindow(ms: number): string {
  const s = Math.round(ms / 1000)
  const pad = (n: number) => String(n).padStart(2, '0')
  return `${pad(Math.floor(s / 3600))}:${pad(Math.floor((s % 3600) / 60))}:${pad(s % 60)}`
}

/** Validates and merges a partial limits document from the control API. */
export function mergeLimits(current: DefenderLimits, patch: unknown): DefenderLimits {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) throw new TypeError('limits must be a JSON object')
  const p = patch as Record<string, unknown>
  const next = structuredClone(current)
  for (const key of Object.keys(p)) {
    if (!['enabled', 'quotas', 'expandFailAbove', 'retentionDays'].includes(key)) throw new TypeError(`unknown limits key '${key}' (expected enabled, quotas, expandFailAbove, retentionDays)`)
  }
  if ('enabled' in p) {
    if (typeof p.enabled !== 'boolean') throw new TypeError('enabled must be a boolean')
    next.enabled = p.enabled
  }
  if ('expandFailAbove' in p) {
    if (p.expandFailAbove !== null && !(Number.isInteger(p.expandFailAbove) && (p.expandFailAbove as number) >= 0)) throw new TypeError('expandFailAbove must be a non-negative integer or null')
    next.expandFailAbove = p.expandFailAbove as number | null
  }
  if ('retentionDays' in p) {
    if (!(typeof p.retentionDays === 'number' && p.retentionDays > 0)) throw new TypeError('retentionDays must be a positive number')
    next.retentionDays = p.retentionDays
  }
  if ('quotas' in p) {
    const quotas = p.quotas as Record<string, unknown>
    if (typeof quotas !== 'object' || quotas === null) throw new TypeError('quotas must be an object')
    for (const [op, list] of Object.entries(quotas)) {
      if (!(op in next.quotas)) throw new TypeError(`unknown operation '${op}' (expected one of ${Object.keys(next.quotas).join(', ')})`)
      if (!Array.isArray(list) || !list.every((q) => Number.isInteger(q?.limit) && q.limit >= 0 && Number.isInteger(q?.windowMs) && q.windowMs > 0))
        throw new TypeError(`quotas.${op} must be an array of {limit, windowMs} with non-negative integer limit and positive integer windowMs`)
      next.quotas[op as DefenderOperation] = list.map((q: Quota) => ({ limit: q.limit, windowMs: q.windowMs }))
    }
  }
  return next
}
