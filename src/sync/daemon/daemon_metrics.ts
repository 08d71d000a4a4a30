import { channels } from '../../lib/diagnostics.js'
import { passContext } from './context.js'
import type { DaemonEvent, DaemonStatus } from './events.js'
import { Registry } from './metrics.js'

/** Pass durations in seconds: a page takes ~0.1–1 s; a backfill may take many minutes. */
const PASS_BUCKETS = [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900]

/**
 * The daemon's Prometheus metrics: counters from its events and from the library's diagnostics
 * channels (attributed to a tenant through {@link passContext}), gauges from its status snapshot.
 * Metric names and labels are listed in docs/sync.md.
 */
export class DaemonMetrics {
  readonly registry = new Registry()
  readonly #unsubscribe: (() => void)[] = []

  constructor(private readonly daemon: object, private readonly holds: (tenantId: string) => boolean) {
    const r = this.registry
    r.gauge('m365d_sync_lag_seconds', 'Seconds between now and the stream watermark (data older than this is in the database).')
    r.gauge('m365d_sync_consecutive_failures', 'Failed passes in a row per tenant and stream.')
    r.gauge('m365d_tenant_health', 'Tenant health (1 for the current value): ok, not_consented, missing_roles, throttled, auth_error, error, unknown.')
    r.gauge('m365d_leases_held', 'Tenants whose lease this worker holds.')
    r.gauge('m365d_passes_running', 'Tenant passes running on this worker.')
    r.gauge('m365d_outbox_pending', 'Outbox rows waiting for delivery per sink.')
    r.counter('m365d_api_calls_total', 'HTTP responses from the Defender / Graph APIs per tenant and status code.')
    r.counter('m365d_api_throttled_total', 'Responses with HTTP 429 per tenant.')
    r.counter('m365d_api_retries_total', 'Retries scheduled per tenant.')
    r.counter('m365d_ratelimit_wait_seconds_total', 'Seconds passes waited in the client-side rate limiter per tenant.')
    r.counter('m365d_token_requests_total', 'Token requests to the identity platform per tenant and outcome (ok, error).')
    r.counter('m365d_records_synced_total', 'Incident and alert versions written to the database per tenant and kind.')
    r.counter('m365d_sync_passes_total', 'Finished passes per tenant and outcome (ok, failed, aborted).')
    r.counter('m365d_sync_errors_total', 'Failed passes per tenant and error code.')
    r.counter('m365d_lease_events_total', 'Lease acquisitions, releases and losses of this worker.')
    r.counter('m365d_sink_records_delivered_total', 'Records delivered per sink.')
    r.counter('m365d_sink_failures_total', 'Failed batch deliveries per sink.')
    r.histogram('m365d_sync_pass_duration_seconds', 'Duration of finished tenant passes.', PASS_BUCKETS)
    this.#subscribe()
  }

  onEvent(e: DaemonEvent): void {
    const r = this.registry
    switch (e.type) {
      case 'pass.finished':
        r.inc('m365d_sync_passes_total', { tenant: e.tenantId, outcome: 'ok' })
        r.observe('m365d_sync_pass_duration_seconds', {}, e.durationMs / 1000)
        break
      case 'pass.failed':
        r.inc('m365d_sync_passes_total', { tenant: e.tenantId, outcome: 'failed' })
        r.inc('m365d_sync_errors_total', { tenant: e.tenantId, code: e.code })
        r.observe('m365d_sync_pass_duration_seconds', {}, e.durationMs / 1000)
        break
      case 'pass.aborted':
        r.inc('m365d_sync_passes_total', { tenant: e.tenantId, outcome: 'aborted' })
        break
      case 'lease.acquired':
      case 'lease.lost':
        r.inc('m365d_lease_events_total', { event: e.type.slice(6) })
        break
      case 'lease.released':
        r.inc('m365d_lease_events_total', { event: 'released' })
        break
      case 'sink.delivered':
        r.inc('m365d_sink_records_delivered_total', { sink: e.sink }, e.records)
        break
      case 'sink.failed':
        r.inc('m365d_sink_failures_total', { sink: e.sink })
        break
    }
  }

  recordsSynced(tenantId: string, kind: 'incident' | 'alert', n: number): void {
    if (n > 0) this.registry.inc('m365d_records_synced_total', { tenant: tenantId, kind }, n)
  }

  /** Refreshes the gauges from a status snapshot, at scrape time. */
  fromStatus(s: DaemonStatus, nowMs: number): void {
    const r = this.registry
    for (const name of ['m365d_sync_lag_seconds', 'm365d_sync_consecutive_failures', 'm365d_tenant_health', 'm365d_outbox_pending']) r.reset(name)
    for (const t of s.tenants) {
      if (!t.enabled) continue
      r.set('m365d_tenant_health', { tenant: t.tenantId, health: t.health }, 1)
      for (const st of t.streams) {
        if (st.watermark) r.set('m365d_sync_lag_seconds', { tenant: t.tenantId, stream: st.stream }, Math.max(0, (nowMs - Date.parse(st.watermark)) / 1000))
        r.set('m365d_sync_consecutive_failures', { tenant: t.tenantId, stream: st.stream }, st.consecutiveFailures)
      }
    }
    r.set('m365d_leases_held', {}, s.worker.leasesHeld.length)
    r.set('m365d_passes_running', {}, s.worker.running.length)
    for (const k of s.sinks) r.set('m365d_outbox_pending', { sink: k.name }, k.pending)
  }

  close(): void {
    for (const u of this.#unsubscribe.splice(0)) u()
  }

  /** The tenant a diagnostics event belongs to, when it belongs to this daemon at all. */
  #tenant(explicit?: string): string | undefined {
    const ctx = passContext.getStore()
    if (ctx) return ctx.daemon === this.daemon ? (explicit ?? ctx.tenantId) : undefined
    // Outside a pass (a background token refresh): ours if we hold the tenant.
    return explicit && this.holds(explicit.toLowerCase()) ? explicit.toLowerCase() : undefined
  }

  #subscribe(): void {
    const on = (channel: { subscribe(fn: (m: unknown) => void): void; unsubscribe(fn: (m: unknown) => void): void }, fn: (m: Record<string, unknown>) => void) => {
      const handler = (m: unknown) => fn(m as Record<string, unknown>)
      channel.subscribe(handler)
      this.#unsubscribe.push(() => channel.unsubscribe(handler))
    }
    const r = this.registry
    on(channels.httpResponse, (m) => {
      const tenant = this.#tenant()
      if (!tenant) return
      r.inc('m365d_api_calls_total', { tenant, status: String(m.status) })
      if (m.status === 429) r.inc('m365d_api_throttled_total', { tenant })
    })
    on(channels.httpRetry, () => {
      const tenant = this.#tenant()
      if (tenant) r.inc('m365d_api_retries_total', { tenant })
    })
    on(channels.rateLimitWait, (m) => {
      const tenant = this.#tenant()
      if (tenant) r.inc('m365d_ratelimit_wait_seconds_total', { tenant }, Number(m.delayMs) / 1000)
    })
    on(channels.tokenResponse, (m) => {
      const tenant = this.#tenant(typeof m.tenant === 'string' ? m.tenant : undefined)
      if (tenant) r.inc('m365d_token_requests_total', { tenant, outcome: m.error ? 'error' : 'ok' })
    })
  }
}
