import { useEffect, useState } from 'preact/hooks'
import type { SlaResponse } from '../../../src/console/api_types.ts'
import { api, ApiError, fmtAge, fmtTime, onLive } from '../api.ts'
import { Chart } from '../chart.tsx'
import { ErrorNote, Tile } from '../components.tsx'

export function SlaPage() {
  const [d, setD] = useState<SlaResponse | null>(null)
  const [error, setError] = useState<ApiError | null>(null)
  const load = () => api.get<SlaResponse>('/sla?days=30').then(setD).catch((e) => setError(e as ApiError))
  useEffect(() => {
    void load()
    return onLive('tenants', () => void load())
  }, [])
  if (error) return <ErrorNote error={{ code: error.code, message: error.message }} />
  if (!d) return <p>Loading…</p>
  const x = d.daily.map((r) => Date.parse(`${r.day}T00:00:00Z`) / 1000)
  const sum = (f: (t: SlaResponse['tenants'][number]) => number) => d.tenants.reduce((n, t) => n + f(t), 0)
  const top = d.tenants.slice(0, 15)
  return (
    <section aria-labelledby="sla-h">
      <h1 id="sla-h">SLA &amp; age</h1>
      <p class="muted small">From the incident history, rolled up by the daemon (as of {fmtTime(d.rollupAt)}). Time to first assignment and to resolution are measured from the incident's creation.</p>
      <div class="tiles">
        <Tile label="open" value={sum((t) => t.open.high + t.open.medium + t.open.low + t.open.informational + t.open.unknown)} />
        <Tile label="open high" value={sum((t) => t.open.high)} tone="bad" />
        <Tile label="stale > 5 days" value={sum((t) => t.stale5d)} tone="warn" />
        <Tile label="stale > 30 days" value={sum((t) => t.stale30d)} tone="bad" />
      </div>
      <Chart title="New and resolved incidents per day (UTC)" label="incidents" x={x} bars series={[
        { label: 'new', values: d.daily.map((r) => r.created), stroke: '#0969da' },
        { label: 'resolved', values: d.daily.map((r) => r.resolved), stroke: '#1a7f37', kind: 'line' },
      ]} />
      <Chart title="Open incidents by severity, busiest tenants (stacked)" label="open" x={top.map((_, i) => i + 1)} xLabels={top.map((t) => (t.name ?? t.tenantId).slice(0, 14))} bars stacked series={[
        { label: 'high', values: top.map((t) => t.open.high), stroke: '#cf222e' },
        { label: 'medium', values: top.map((t) => t.open.medium), stroke: '#bc4c00' },
        { label: 'low', values: top.map((t) => t.open.low), stroke: '#0969da' },
        { label: 'informational', values: top.map((t) => t.open.informational + t.open.unknown), stroke: '#8c959f' },
      ]} />
      <h2>Per tenant</h2>
      <div class="scroll">
        <table class="grid sla">
          <thead>
            <tr>
              <th scope="col">#</th><th scope="col">Tenant</th><th scope="col">Open H</th><th scope="col">M</th><th scope="col">L</th><th scope="col">I</th>
              <th scope="col">Stale &gt; 5 d</th><th scope="col">Stale &gt; 30 d</th>
              <th scope="col">Time to assign p50 / p90</th><th scope="col">Time to resolve p50 / p90</th><th scope="col">Resolved</th>
            </tr>
          </thead>
          <tbody>
            {d.tenants.map((t, i) => (
              <tr key={t.tenantId}>
                <td>{i + 1}</td>
                <th scope="row"><a href={`#/incidents?tenant=${t.tenantId}`}>{t.name ?? t.tenantId}</a></th>
                <td class={t.open.high ? 'bad-text' : ''}>{t.open.high}</td><td>{t.open.medium}</td><td>{t.open.low}</td><td>{t.open.informational}</td>
                <td>{t.stale5d}</td><td class={t.stale30d ? 'bad-text' : ''}>{t.stale30d}</td>
                <td>{fmtAge(t.ttaP50Seconds)} / {fmtAge(t.ttaP90Seconds)}</td>
                <td>{fmtAge(t.ttrP50Seconds)} / {fmtAge(t.ttrP90Seconds)}</td>
                <td>{t.resolved}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  )
}
