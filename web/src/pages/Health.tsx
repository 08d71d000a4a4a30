import { useEffect, useState } from 'preact/hooks'
import type { HealthEventsResponse } from '../../../src/console/api_types.ts'
import { api, ApiError, fmtTime, onLive } from '../api.ts'
import { ErrorNote, Tile } from '../components.tsx'

const LABEL: Record<string, string> = {
  consent_lost: 'consent lost',
  consent_restored: 'consent restored',
  not_consented: 'not consented',
  roles_missing: 'roles missing',
  roles_restored: 'roles restored',
  failing: 'failing',
  failing_passes: 'failing N passes',
  throttled: 'throttled',
  recovered: 'recovered',
  healthy: 'first healthy pass',
  credential_expiring: 'app credential expiring',
}
const BAD = new Set(['consent_lost', 'not_consented', 'roles_missing', 'failing', 'failing_passes', 'credential_expiring'])

export function HealthPage() {
  const [d, setD] = useState<HealthEventsResponse | null>(null)
  const [kind, setKind] = useState('')
  const [error, setError] = useState<ApiError | null>(null)
  const load = () => api.get<HealthEventsResponse>(`/health-events${kind ? `?kind=${kind}` : ''}`).then(setD).catch((e) => setError(e as ApiError))
  useEffect(() => {
    void load()
    return onLive('health', () => void load())
  }, [kind])
  if (error) return <ErrorNote error={{ code: error.code, message: error.message }} />
  if (!d) return <p>Loading…</p>
  return (
    <section aria-labelledby="health-h">
      <h1 id="health-h">Health events</h1>
      <p class="muted small">Every health transition of every tenant, and the app's credentials expiring. Each is also an outbox event for the sinks and the metric m365d_health_events_total.</p>
      <div class="tiles">
        {Object.entries(d.counts).map(([k, n]) => (
          <button key={k} type="button" class="tile-btn" aria-pressed={kind === k} onClick={() => setKind(kind === k ? '' : k)}>
            <Tile label={LABEL[k] ?? k} value={n} tone={BAD.has(k) ? 'bad' : undefined} />
          </button>
        ))}
      </div>
      <table class="grid health-events">
        <thead><tr><th scope="col">When</th><th scope="col">Tenant</th><th scope="col">Event</th><th scope="col">Health</th><th scope="col">Detail</th></tr></thead>
        <tbody>
          {d.events.map((e) => {
            const det = (e.detail ?? {}) as Record<string, unknown>
            return (
              <tr key={e.id} data-kind={e.kind}>
                <td class="small">{fmtTime(e.at)}</td>
                <th scope="row">{e.tenantName ?? e.tenantId ?? 'the app'}</th>
                <td><span class={`badge ${BAD.has(e.kind) ? 'h-failing' : 'h-ok'}`}>{LABEL[e.kind] ?? e.kind}</span></td>
                <td class="small">{e.from ?? ''}{e.from || e.to ? ' → ' : ''}{e.to ?? ''}</td>
                <td class="small">{String(det.message ?? det.hint ?? (det.failures ? `${det.failures} failed passes in a row (${det.stream})` : ''))}{det.expiresAt ? `expires ${fmtTime(String(det.expiresAt))} (${det.name ?? det.kind})` : ''}</td>
              </tr>
            )
          })}
        </tbody>
      </table>
    </section>
  )
}
