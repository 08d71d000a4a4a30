import type { HealthEventsResponse, SeverityKey, SlaResponse, SyncResponse } from '../api_types.js'
import type { ConsoleDeps } from '../deps.js'
import { json, numberParam } from '../http.js'
import { healthEventRows } from '../sql/health_events.js'
import { dailyRows, slaRows } from '../sql/sla.js'
import { outboxRows, streamRows, workerRows } from '../sql/sync_view.js'

export async function getSla(deps: ConsoleDeps, url: URL): Promise<Response> {
  const days = Math.min(90, Math.max(7, numberParam(url, 'days') ?? 30))
  const [rows, daily] = await Promise.all([slaRows(deps.db), dailyRows(deps.db, days)])
  const body: SlaResponse = {
    tenants: rows.map((r) => ({
      tenantId: r.tenant_id,
      name: r.display_name,
      open: { high: r.open_high, medium: r.open_medium, low: r.open_low, informational: r.open_informational, unknown: r.open_other } satisfies Record<SeverityKey, number>,
      stale5d: r.stale_5d,
      stale30d: r.stale_30d,
      ttaP50Seconds: r.tta_p50_s,
      ttaP90Seconds: r.tta_p90_s,
      ttrP50Seconds: r.ttr_p50_s,
      ttrP90Seconds: r.ttr_p90_s,
      resolved: r.resolved,
    })),
    daily,
    rollupAt: rows.length ? new Date(Math.min(...rows.map((r) => new Date(r.refreshed_at).getTime()))).toISOString() : null,
  }
  return json(body)
}

/** Rate-limit waits live in this worker's metrics only (the limiter is in memory). */
function waitsByTenant(metrics: string): Map<string, number> {
  const out = new Map<string, number>()
  for (const m of metrics.matchAll(/^m365d_ratelimit_wait_seconds_total\{tenant="([^"]+)"\} ([\d.e+-]+)$/gm)) out.set(m[1]!, Number(m[2]))
  return out
}

export async function getSync(deps: ConsoleDeps): Promise<Response> {
  const [workers, streams, outbox, metrics] = await Promise.all([workerRows(deps.db), streamRows(deps.db), outboxRows(deps.db), deps.metricsText?.().catch(() => '') ?? ''])
  const waits = waitsByTenant(metrics)
  const now = Date.now()
  const body: SyncResponse = {
    workers: workers.map((w) => ({
      workerId: w.worker_id,
      hostname: w.hostname,
      pid: w.pid,
      startedAt: new Date(w.started_at).toISOString(),
      heartbeatAt: new Date(w.heartbeat_at).toISOString(),
      leases: Number(w.leases),
      alive: w.alive,
      self: w.worker_id === deps.workerId,
    })),
    streams: streams.map((s) => ({
      tenantId: s.tenant_id,
      name: s.display_name,
      stream: s.stream,
      leasedBy: s.worker_id,
      leaseExpiresAt: s.expires_at ? new Date(s.expires_at).toISOString() : null,
      watermark: s.watermark ? new Date(s.watermark).toISOString() : null,
      lagSeconds: s.watermark ? Math.max(0, Math.round((now - new Date(s.watermark).getTime()) / 1000)) : null,
      lastSuccessAt: s.last_success_at ? new Date(s.last_success_at).toISOString() : null,
      consecutiveFailures: s.consecutive_failures,
      nextRunAt: s.next_run_at ? new Date(s.next_run_at).toISOString() : null,
      throttled: Number(s.throttled),
      apiCalls: Number(s.api_calls),
      records: Number(s.records_synced),
      rateLimitWaitSeconds: Math.round((waits.get(s.tenant_id) ?? 0) * 10) / 10,
      lastError: s.last_error,
    })),
    outbox: outbox.map((o) => ({ sink: o.sink, pending: Number(o.pending), failing: Number(o.failing), lastError: o.last_error, oldest: o.oldest ? new Date(o.oldest).toISOString() : null })),
  }
  return json(body)
}

export async function getHealthEvents(deps: ConsoleDeps, url: URL): Promise<Response> {
  const { events, counts } = await healthEventRows(deps.db, { tenant: url.searchParams.get('tenant'), kind: url.searchParams.get('kind'), limit: Math.min(1000, numberParam(url, 'limit') ?? 200) })
  const body: HealthEventsResponse = { events, counts }
  return json(body)
}
