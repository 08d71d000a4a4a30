import { useEffect, useState } from 'preact/hooks'
import type { SyncResponse } from '../../../src/console/api_types.ts'
import { ago, api, ApiError, fmtAge, fmtTime, onLive } from '../api.ts'
import { ErrorNote } from '../components.tsx'

export function SyncPage() {
  const [d, setD] = useState<SyncResponse | null>(null)
  const [error, setError] = useState<ApiError | null>(null)
  const load = () => api.get<SyncResponse>('/sync').then(setD).catch((e) => setError(e as ApiError))
  useEffect(() => {
    void load()
    const t = setInterval(() => void load(), 5000)
    const off = onLive('tenants', () => void load())
    return () => (clearInterval(t), off())
  }, [])
  if (error) return <ErrorNote error={{ code: error.code, message: error.message }} />
  if (!d) return <p>Loading…</p>
  return (
    <section aria-labelledby="sync-h">
      <h1 id="sync-h">Sync</h1>
      <h2>Workers</h2>
      <table class="grid">
        <thead><tr><th scope="col">Worker</th><th scope="col">Host / pid</th><th scope="col">Started</th><th scope="col">Heartbeat</th><th scope="col">Leases</th></tr></thead>
        <tbody>
          {d.workers.map((w) => (
            <tr key={w.workerId}>
              <th scope="row" class="mono small">{w.workerId}{w.self ? ' (this one)' : ''}</th>
              <td>{w.hostname} / {w.pid}</td><td>{fmtTime(w.startedAt)}</td>
              <td class={w.alive ? '' : 'bad-text'}>{ago(w.heartbeatAt)}</td><td>{w.leases}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>Outbox</h2>
      {d.outbox.length === 0 ? <p class="muted">No sink configured, or nothing pending.</p> : (
        <table class="grid">
          <thead><tr><th scope="col">Sink</th><th scope="col">Backlog</th><th scope="col">Failing</th><th scope="col">Oldest</th><th scope="col">Last error</th></tr></thead>
          <tbody>
            {d.outbox.map((o) => (
              <tr key={o.sink}><th scope="row">{o.sink}</th><td>{o.pending}</td><td class={o.failing ? 'bad-text' : ''}>{o.failing}</td><td>{ago(o.oldest)}</td><td class="small">{o.lastError}</td></tr>
            ))}
          </tbody>
        </table>
      )}
      <h2>Tenants and streams</h2>
      <div class="scroll">
        <table class="grid">
          <thead>
            <tr>
              <th scope="col">Tenant</th><th scope="col">Stream</th><th scope="col">Lease</th><th scope="col">Watermark</th><th scope="col">Lag</th>
              <th scope="col">Last success</th><th scope="col">Failures</th><th scope="col">Next run</th><th scope="col">429s</th><th scope="col">Rate-limit wait</th>
              <th scope="col">API calls</th><th scope="col">Records</th><th scope="col">Last error</th>
            </tr>
          </thead>
          <tbody>
            {d.streams.map((s) => (
              <tr key={`${s.tenantId}/${s.stream}`}>
                <th scope="row">{s.name ?? s.tenantId}</th><td>{s.stream}</td><td class="mono small">{s.leasedBy ?? '–'}</td>
                <td class="small">{fmtTime(s.watermark)}</td><td>{fmtAge(s.lagSeconds)}</td><td>{ago(s.lastSuccessAt)}</td>
                <td class={s.consecutiveFailures ? 'bad-text' : ''}>{s.consecutiveFailures}</td><td class="small">{fmtTime(s.nextRunAt)}</td>
                <td>{s.throttled}</td><td>{s.rateLimitWaitSeconds}s</td><td>{s.apiCalls}</td><td>{s.records}</td>
                <td class="small">{s.lastError ? `${s.lastError.code ?? ''} ${s.lastError.message ?? ''}` : ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  )
}
