import type { Queryable } from '../db/database.js'

/** One tenant as `tenants list` and the `start` live view show it. */
export interface TenantSummary {
  tenantId: string
  name: string | null
  domain: string | null
  enabled: boolean
  health: string
  /** The API its last pass used (graph | legacy; null before the first pass). */
  surface: string | null
  /** The API pinned for it (`tenants add --api`); null = the daemon's default. */
  api: string | null
  /** The fix recorded with the health (consent link, missing permission…). */
  problem: { code?: string; message?: string; hint?: string } | null
  lastSync: string | null
  /** now − the oldest stream watermark, in seconds (null before the first sync). */
  lagSeconds: number | null
  incidents: number
  alerts: number
  recordsSynced: number
  apiCalls: number
  throttled: number
}

/** Every tenant with its sync state rolled up over streams; one query, cheap enough for a 2 s refresh. */
export async function tenantSummaries(db: Queryable): Promise<TenantSummary[]> {
  const { rows } = await db.query<{
    tenant_id: string
    display_name: string | null
    domain: string | null
    enabled: boolean
    health: string
    surface: string | null
    api: string | null
    health_detail: Record<string, unknown> | null
    last_success: Date | null
    lag: number | null
    last_error: TenantSummary['problem']
    incidents: string
    alerts: string
    records: string | null
    calls: string | null
    throttled: string | null
  }>(
    `SELECT t.tenant_id, t.display_name, t.domain, t.enabled, t.health, t.surface, t.api, t.health_detail,
       s.last_success, extract(epoch FROM now() - s.min_watermark)::float8 AS lag, s.last_error,
       (SELECT count(*) FROM m365d_incidents i WHERE i.tenant_id = t.tenant_id) AS incidents,
       (SELECT count(*) FROM m365d_alerts a WHERE a.tenant_id = t.tenant_id) AS alerts,
       s.records, s.calls, s.throttled
     FROM m365d_tenants t
     LEFT JOIN LATERAL (
       SELECT max(last_success_at) AS last_success, min(watermark) AS min_watermark,
         (array_agg(last_error ORDER BY last_error_at DESC NULLS LAST) FILTER (WHERE last_error IS NOT NULL))[1] AS last_error,
         sum(records_synced) AS records, sum(api_calls) AS calls, sum(throttled) AS throttled
       FROM m365d_sync_state s WHERE s.tenant_id = t.tenant_id
     ) s ON true
     ORDER BY t.display_name NULLS LAST, t.domain NULLS LAST, t.tenant_id`,
  )
  return rows.map((r) => {
    const detail = r.health_detail
    const fromHealth = detail && r.health !== 'ok' && r.health !== 'unknown' ? healthProblem(detail) : null
    return {
      tenantId: r.tenant_id,
      name: r.display_name,
      domain: r.domain,
      enabled: r.enabled,
      health: r.health,
      surface: r.surface,
      api: r.api,
      problem: fromHealth ?? (r.health === 'ok' ? null : r.last_error),
      lastSync: r.last_success ? new Date(r.last_success).toISOString() : null,
      lagSeconds: r.lag === null ? null : Math.max(0, Math.round(Number(r.lag))),
      incidents: Number(r.incidents),
      alerts: Number(r.alerts),
      recordsSynced: Number(r.records ?? 0),
      apiCalls: Number(r.calls ?? 0),
      throttled: Number(r.throttled ?? 0),
    }
  })
}

/** health_detail is written by syncTenant ({code, message, hint}) or by `tenants check` ({problems:[…]}). */
function healthProblem(detail: Record<string, unknown>): TenantSummary['problem'] {
  const problems = detail.problems
  if (Array.isArray(problems) && problems.length) {
    const p = problems[0] as { code?: string; message?: string; fix?: string }
    return { ...(p.code && { code: p.code }), ...(p.message && { message: p.message }), ...(p.fix && { hint: p.fix }) }
  }
  if (typeof detail.code === 'string' || typeof detail.message === 'string') return detail as TenantSummary['problem']
  return null
}

/** `75` → `1m15s`; null → `-`. */
export function formatLag(seconds: number | null): string {
  if (seconds === null) return '-'
  if (seconds < 60) return `${seconds}s`
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s`
  if (seconds < 86400) return `${Math.floor(seconds / 3600)}h${String(Math.floor((seconds % 3600) / 60)).padStart(2, '0')}m`
  return `${Math.floor(seconds / 86400)}d`
}
