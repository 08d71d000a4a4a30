import { useEffect, useState } from 'preact/hooks'
import type { IncidentDetail } from '../../../src/console/api_types.ts'
import { api, ApiError, fmtTime, onLive } from '../api.ts'
import { ActionForm } from '../actions.tsx'
import { ErrorNote, SevBadge } from '../components.tsx'

export function IncidentPage({ tenantId, source, incidentId }: { tenantId: string; source: 'legacy' | 'graph'; incidentId: string }) {
  const [d, setD] = useState<IncidentDetail | null>(null)
  const [error, setError] = useState<ApiError | null>(null)
  const path = `/incidents/${encodeURIComponent(tenantId)}/${source}/${encodeURIComponent(incidentId)}`
  const load = () => api.get<IncidentDetail>(path).then((x) => (setD(x), setError(null))).catch((e) => setError(e as ApiError))
  useEffect(() => {
    void load()
    return onLive('incidents', () => void load())
  }, [path])
  if (error) return <ErrorNote error={{ code: error.code, message: error.message }} />
  if (!d) return <p>Loading…</p>
  const i = d.item
  return (
    <section aria-labelledby="incident-h">
      <p class="small"><a href="#/incidents">← Queue</a></p>
      <h1 id="incident-h">{i.title ?? `Incident ${i.incidentId}`}</h1>
      <p>
        <SevBadge severity={i.severity} /> <strong>{i.status}</strong> · {i.tenantName ?? i.tenantId} · #{i.incidentId} ({i.source}) · assigned to{' '}
        <span data-testid="assigned">{i.assignedTo || 'nobody'}</span> · {i.classification}
        {i.determination ? ` / ${i.determination}` : ''}
        {i.tags.length > 0 && <> · tags {i.tags.map((t) => <span key={t} class="tag">{t}</span>)}</>}
        {d.webUrl && <> · <a href={d.webUrl} target="_blank" rel="noopener noreferrer">open in Defender</a></>}
      </p>
      <ActionForm targets={[{ tenantId: i.tenantId, source: i.source, incidentId: i.incidentId }]} initialTags={i.tags} onDone={() => void load()} />
      <div class="cols">
        <div>
          <h2>Alerts ({d.alerts.length})</h2>
          <table class="grid">
            <thead>
              <tr><th scope="col">Alert</th><th scope="col">Severity</th><th scope="col">Status</th><th scope="col">Created</th><th scope="col">Evidence</th></tr>
            </thead>
            <tbody>
              {d.alerts.map((a) => (
                <tr key={a.alertId}>
                  <th scope="row">{a.title ?? a.alertId}<div class="muted small mono">{a.alertId}</div></th>
                  <td><SevBadge severity={a.severity} /></td>
                  <td>{a.status}</td>
                  <td class="small">{fmtTime(a.createdTime)}</td>
                  <td class="small">
                    {a.evidence.slice(0, 8).map((e, n) => {
                      const x = e as Record<string, unknown>
                      const kind = String(x['@odata.type'] ?? x.entityType ?? 'entity').replace('#microsoft.graph.security.', '')
                      const name = x.fileName ?? x.deviceDnsName ?? x.userPrincipalName ?? x.accountName ?? x.ipAddress ?? x.url ?? x.processCommandLine ?? x.deviceName ?? ''
                      return <div key={n}>{kind}: {String(name)}</div>
                    })}
                    {a.evidence.length > 8 && <div class="muted">+{a.evidence.length - 8} more</div>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <h2>Comments ({d.comments.length})</h2>
          <ul>
            {d.comments.map((c, n) => (
              <li key={n}><span class="muted small">{fmtTime(c.at)} {c.author}</span><div>{c.text}</div></li>
            ))}
          </ul>
        </div>
        <div>
          <h2>History</h2>
          <ol class="timeline" aria-label="Incident history, newest first">
            {d.timeline.map((t, n) => (
              <li key={n} class={t.kind}>
                <div class="small muted">{fmtTime(t.at)} · {t.kind === 'version' ? `version ${t.version}` : t.kind === 'action' ? `console action by ${t.author}` : `comment by ${t.author ?? 'unknown'}`}</div>
                {t.kind === 'comment' && <div>{t.text}</div>}
                {t.changes && (
                  <div class="small">
                    {Object.entries(t.changes)
                      .filter(([k]) => k !== 'lastUpdateTime')
                      .map(([k, v]) => <div key={k}><strong>{k}</strong>: {Array.isArray(v) && t.kind === 'version' ? `${v[0] ?? '–'} → ${v[1] ?? '–'}` : JSON.stringify(v)}</div>)}
                  </div>
                )}
                {t.kind === 'action' && (
                  <div class="small">{t.outcome === 'ok' ? (t.confirmed ? 'written back · confirmed by sync' : 'written back · awaiting the next pass') : `failed: ${t.error?.message ?? ''}`}</div>
                )}
              </li>
            ))}
          </ol>
        </div>
      </div>
      <details>
        <summary>Document as the API returned it</summary>
        <pre class="raw">{JSON.stringify(d.raw, null, 2)}</pre>
      </details>
    </section>
  )
}
