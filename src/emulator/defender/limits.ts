/**
 * Call quotas of the incidents and alerts APIs, per app + tenant (defender-api.md §2.1, §6: "The
 * rate limitations are always on the combination of application+tenant") and, for Graph, per app
 * across all tenants. Every quota is a fixed window that opens at its first call and resets when
 * it elapses. Numbers and sources: src/defender/quotas.ts (the client's copy of the same profiles).
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

/** Per app + tenant quotas shared by every operation on one Graph resource ("any operation on …"). */
export type DefenderResource = 'graph.incidents' | 'graph.alerts'

export interface Quota {
  limit: number
  windowMs: number
}

export interface DefenderLimits {
  /** `false` turns every quota off (benchmarks, bulk tests). */
  enabled: boolean
  /** Per app + tenant: per operation, and per Graph resource (all its operations together). */
  quotas: Record<DefenderOperation | DefenderResource, Quota[]>
  /** Per app ACROSS ALL TENANTS, every Graph call (incidents, alerts_v2, runHuntingQuery). */
  appQuotas: Quota[]
  /** Graph `$expand=alerts` answers 500 when the page size is above this (elastic#18144); null = never. */
  expandFailAbove: number | null
  /** Incidents whose lastUpdateTime is older than this are gone (defender-api.md §2.2, data-privacy.md). */
  retentionDays: number
}

/** A partial limits document: what the control API's PUT and `createEmulator({defender:{limits}})` take. */
export type DefenderLimitsInput = Partial<Omit<DefenderLimits, 'quotas'>> & { quotas?: Partial<Record<DefenderOperation | DefenderResource, Quota[]>> }

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
      // Graph documents no per-method numbers for incidents or alerts_v2 ...
      'graph.incidents.list': [],
      'graph.incidents.get': [],
      'graph.incidents.update': [],
      'graph.alerts.list': [],
      'graph.alerts.get': [],
      'graph.alerts.update': [],
      // ... only "Any operation on alert …: 150 requests per minute" per app per tenant for
      // /security (https://learn.microsoft.com/graph/throttling-limits, "Security detections and
      // incidents service limits"), applied to each resource, all its operations together.
      'graph.incidents': [{ limit: 150, windowMs: MIN }],
      'graph.alerts': [{ limit: 150, windowMs: MIN }],
    },
    // Graph's global limit: "130,000 requests per 10 seconds" per app across all tenants (same page).
    appQuotas: [{ limit: 130_000, windowMs: 10_000 }],
    expandFailAbove: null,
    retentionDays: 180,
  }
}

/** The resource quota an operation also counts against. */
function resourceOf(operation: DefenderOperation): DefenderResource | undefined {
  return operation.startsWith('graph.incidents.') ? 'graph.incidents' : operation.startsWith('graph.alerts.') ? 'graph.alerts' : undefined
}

export interface Throttled {
  quota: Quota
  retryAfterSeconds: number
}

export class RateLimiter {
  /** key → per-quota window state */
  #windows = new Map<string, { start: number; count: number }[]>()

  /**
   * Counts one call against its operation, its Graph resource and (Graph) the app-wide budget;
   * returns the first quota exceeded (call counted nowhere) or undefined.
   */
  take(settings: DefenderLimits, key: { tenantId: string; appId: string; operation: DefenderOperation }, now: number): Throttled | undefined {
    if (!settings.enabled) return undefined
    const resource = resourceOf(key.operation)
    const scopes: [string, Quota[]][] = [[`${key.tenantId}|${key.appId}|${key.operation}`, settings.quotas[key.operation] ?? []]]
    if (resource) scopes.push([`${key.tenantId}|${key.appId}|${resource}`, settings.quotas[resource] ?? []], [`app|${key.appId}`, settings.appQuotas])
    return this.#take(scopes, now)
  }

  /** Counts one Graph call of another group (runHuntingQuery) against the app-wide budget only. */
  takeApp(settings: DefenderLimits, appId: string, now: number): Throttled | undefined {
    return settings.enabled ? this.#take([[`app|${appId}`, settings.appQuotas]], now) : undefined
  }

  #take(scopes: [string, Quota[]][], now: number): Throttled | undefined {
    const all = scopes.map(([id, quotas]) => {
      let windows = this.#windows.get(id)
      if (!windows || windows.length !== quotas.length) this.#windows.set(id, (windows = quotas.map(() => ({ start: now, count: 0 }))))
      quotas.forEach((q, i) => {
        if (now - windows![i]!.start >= q.windowMs) windows![i] = { start: now, count: 0 }
      })
      return { quotas, windows }
    })
    for (const { quotas, windows } of all)
      for (let i = 0; i < quotas.length; i++) {
        const q = quotas[i]!
        const w = windows[i]!
        if (w.count >= q.limit) return { quota: q, retryAfterSeconds: Math.max(1, Math.ceil((w.start + q.windowMs - now) / 1000)) }
      }
    for (const { windows } of all) for (const w of windows) w.count++
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
    if (!['enabled', 'quotas', 'appQuotas', 'expandFailAbove', 'retentionDays'].includes(key)) throw new TypeError(`unknown limits key '${key}' (expected enabled, quotas, appQuotas, expandFailAbove, retentionDays)`)
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
  if ('appQuotas' in p) next.appQuotas = quotaList('appQuotas', p.appQuotas)
  if ('quotas' in p) {
    const quotas = p.quotas as Record<string, unknown>
    if (typeof quotas !== 'object' || quotas === null) throw new TypeError('quotas must be an object')
    for (const [op, list] of Object.entries(quotas)) {
      if (!(op in next.quotas)) throw new TypeError(`unknown operation '${op}' (expected one of ${Object.keys(next.quotas).join(', ')})`)
      next.quotas[op as DefenderOperation] = quotaList(`quotas.${op}`, list)
    }
  }
  return next
}

function quotaList(where: string, list: unknown): Quota[] {
  if (!Array.isArray(list) || !list.every((q) => Number.isInteger(q?.limit) && q.limit >= 0 && Number.isInteger(q?.windowMs) && q.windowMs > 0))
    throw new TypeError(`${where} must be an array of {limit, windowMs} with non-negative integer limit and positive integer windowMs`)
  return list.map((q: Quota) => ({ limit: q.limit, windowMs: q.windowMs }))
}
