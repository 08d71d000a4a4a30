/**
 * The documented call quotas of each surface, as data the client's limiter (rate_limiter.ts)
 * enforces before a call leaves. Every number carries its source; where Microsoft documents none,
 * the comment says so and which nearby number stands in.
 */
import type { EndpointGroup, Surface } from './call.js'

/** One quota: at most `limit` calls in any `windowMs`. */
export interface Quota {
  limit: number
  windowMs: number
}

/**
 * Quotas of one surface.
 * - Per app + tenant, per endpoint group (`list`, `get`, `update`, `hunting`); calls that carry a
 *   `quotaScope` (Graph alerts_v2: `alerts`) are counted apart from incidents.
 * - `shared`: per app + tenant quotas counted by every call of several groups together (Graph:
 *   "any operation on …").
 * - `app`: per app ACROSS ALL TENANTS — one budget every tenant of a multi-tenant app shares.
 */
export type RateLimits = Record<Exclude<EndpointGroup, 'hunting'>, readonly Quota[]> & {
  hunting?: readonly Quota[]
  shared?: readonly { groups: readonly EndpointGroup[]; quotas: readonly Quota[] }[]
  app?: readonly Quota[]
}

const MINUTE = 60_000
const HOUR = 3_600_000

/**
 * Legacy `api.security.microsoft.com`, per app + tenant (defender-api.md §2.1: "Each method also
 * has its own quotas"): list 50/min and 1,500/h, get 100/min and 1,500/h, update 50/min and
 * 1,500/h (DD `api-list-incidents.md`, `api-get-incident.md`, `api-update-incidents.md`).
 * Advanced hunting: "at least 45 calls per minute per tenant" (DD `api-advanced-hunting.md`);
 * 1,500/h is what real 429 bodies say ("maximum allowed 1500 per 01:00:00", defender-api.md §6,
 * microsoft-365-docs#4616) and what the MDE hunting page documents.
 * No app-wide quota is documented for this API: the limits are "always on the combination of
 * application+tenant" (microsoft-365-docs#10124).
 */
export const LEGACY_LIMITS: RateLimits = {
  list: [{ limit: 50, windowMs: MINUTE }, { limit: 1_500, windowMs: HOUR }],
  get: [{ limit: 100, windowMs: MINUTE }, { limit: 1_500, windowMs: HOUR }],
  update: [{ limit: 50, windowMs: MINUTE }, { limit: 1_500, windowMs: HOUR }],
  hunting: [{ limit: 45, windowMs: MINUTE }, { limit: 1_500, windowMs: HOUR }],
}

/**
 * Microsoft Graph security API.
 * - Per app + tenant, incidents and alerts_v2: Graph documents no per-method numbers for
 *   `/security/incidents` or `/security/alerts_v2`. The "Security detections and incidents service
 *   limits" table of https://learn.microsoft.com/graph/throttling-limits ("the following limits
 *   apply to any request on /security") gives "Any operation on alert, securityActions,
 *   secureScore: 150 requests per minute" per app per tenant; that number is applied to any
 *   operation (list, get, update, comment) on incidents, and separately on alerts_v2.
 * - runHuntingQuery: the Graph security API overview ("Migrate from the older APIs", peers.md §0)
 *   says it has the same quotas as the legacy hunting API: 45 calls per minute per tenant.
 * - App-wide: "Any [request]: 130,000 requests per 10 seconds" per app across all tenants — the
 *   global limit of https://learn.microsoft.com/graph/throttling-limits (ms.date 06/19/2024 and
 *   01/14/2025). One MSSP app polling many customer tenants shares it.
 */
export const GRAPH_LIMITS: RateLimits = {
  list: [],
  get: [],
  update: [],
  shared: [{ groups: ['list', 'get', 'update'], quotas: [{ limit: 150, windowMs: MINUTE }] }],
  hunting: [{ limit: 45, windowMs: MINUTE }],
  app: [{ limit: 130_000, windowMs: 10_000 }],
}

/** The default profile of each surface. */
export const QUOTA_PROFILES: Readonly<Record<Surface, RateLimits>> = { legacy: LEGACY_LIMITS, graph: GRAPH_LIMITS }

/** The per app + tenant quotas a call of `group` counts against, each list with a bucket name. */
export function tenantBuckets(limits: RateLimits, group: EndpointGroup): { bucket: string; quotas: readonly Quota[] }[] {
  const out: { bucket: string; quotas: readonly Quota[] }[] = []
  const own = group === 'hunting' ? (limits.hunting ?? LEGACY_LIMITS.hunting!) : limits[group]
  if (own.length) out.push({ bucket: group, quotas: own })
  limits.shared?.forEach((s, i) => {
    if (s.groups.includes(group) && s.quotas.length) out.push({ bucket: `shared${i}`, quotas: s.quotas })
  })
  return out
}

/** Checks a limits document (e.g. from configuration); throws TypeError naming the bad entry. */
export function checkLimits(limits: RateLimits): RateLimits {
  const check = (where: string, list: readonly Quota[] | undefined) => {
    if (list === undefined) return
    if (!Array.isArray(list)) throw new TypeError(`${where} must be a list of {limit, windowMs}`)
    for (const q of list) if (!(Number.isInteger(q?.limit) && q.limit >= 1 && Number.isFinite(q?.windowMs) && q.windowMs > 0)) throw new TypeError(`${where}: each quota needs an integer limit ≥ 1 and a positive windowMs`)
  }
  for (const g of ['list', 'get', 'update', 'hunting'] as const) check(`limits.${g}`, limits[g])
  limits.shared?.forEach((s, i) => check(`limits.shared[${i}].quotas`, s.quotas))
  check('limits.app', limits.app)
  return limits
}

/** The same quotas over windows `factor` times shorter (benchmarks that compress time: an hour → a minute at 60). */
export function scaleLimits(limits: RateLimits, factor: number): RateLimits {
  const scale = (list: readonly Quota[]) => list.map((q) => ({ limit: q.limit, windowMs: q.windowMs / factor }))
  return {
    list: scale(limits.list),
    get: scale(limits.get),
    update: scale(limits.update),
    ...(limits.hunting && { hunting: scale(limits.hunting) }),
    ...(limits.shared && { shared: limits.shared.map((s) => ({ groups: s.groups, quotas: scale(s.quotas) })) }),
    ...(limits.app && { app: scale(limits.app) }),
  }
}
