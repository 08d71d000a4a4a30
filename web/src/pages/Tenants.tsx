import { useEffect, useState } from 'preact/hooks'
import type { TenantRowDto, TenantsResponse } from '../../../src/console/api_types.ts'
import { ago, api, ApiError, fmtAge, onLive } from '../api.ts'
import { copyText, ErrorNote, HealthBadge, HEALTH_LABEL, Tile } from '../components.tsx'

export function TenantsPage({ params }: { params: URLSearchParams }) {
  const [data, setData] = useState<TenantsResponse | null>(null)
  const [error, setError] = useState<ApiError | null>(null)
  const [tag, setTag] = useState(params.get('tag') ?? '')
  const [message, setMessage] = useState<string | null>(null)
  const load = () =>
    api
      .get<TenantsResponse>(`/tenants${tag ? `?tag=${encodeURIComponent(tag)}` : ''}`)
      .then((d) => (setData(d), setError(null)))
      .catch((e: ApiError) => setError(e))
  useEffect(() => {
    void load()
    return onLive('tenants', () => void load())
  }, [tag])

  const act = async (what: string, fn: () => Promise<unknown>) => {
    try {
      await fn()
      setMessage(what)
      await load()
    } catch (e) {
      setError(e as ApiError)
    }
  }

  return (
    <section aria-labelledby="tenants-h">
      <h1 id="tenants-h">Tenants</h1>
      {data && <Summary data={data} />}
      <div class="toolbar">
        <label>
          Tag{' '}
          <select value={tag} onChange={(e) => setTag((e.target as HTMLSelectElement).value)}>
            <option value="">all tenants</option>
            {data?.tags.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
        </label>
        <AddTenant onAdded={(id) => act(`Added ${id}`, async () => undefined)} onError={setError} />
        <button type="button" onClick={() => act('Token roles re-checked', () => api.post('/access/refresh', {}))}>
          Re-check roles
        </button>
      </div>
      {message && (
        <p class="note" role="status">
          {message}
        </p>
      )}
      {error && <ErrorNote error={{ code: error.code, message: error.message, ...(error.hint && { hint: error.hint }) }} />}
      {!data ? (
        <p>Loading…</p>
      ) : (
        <table class="grid tenants" aria-describedby="tenants-h">
          <thead>
            <tr>
              <th scope="col">Tenant</th>
              <th scope="col">Health and fix</th>
              <th scope="col">Roles granted / needed</th>
              <th scope="col">Last sync</th>
              <th scope="col">Lag</th>
              <th scope="col">Failures</th>
              <th scope="col">Open (H/M/L/I)</th>
              <th scope="col">Oldest open</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {data.tenants.map((t) => (
              <TenantRow key={t.tenantId} t={t} catalog={data.roleCatalog} act={act} />
            ))}
          </tbody>
        </table>
      )}
    </section>
  )
}

function Summary({ data }: { data: TenantsResponse }) {
  const s = data.summary
  const bad = s.byHealth.not_consented + s.byHealth.missing_roles + s.byHealth.failing + s.byHealth.needs_graph_consent
  return (
    <div class="tiles" role="group" aria-label="Fleet summary">
      <Tile label="tenants" value={s.tenants} />
      <Tile label="healthy" value={s.byHealth.ok} tone="ok" />
      <Tile label="need action" value={bad} tone={bad ? 'bad' : 'ok'} />
      <Tile label="throttled" value={s.byHealth.throttled} tone={s.byHealth.throttled ? 'warn' : undefined} />
      <Tile label="open incidents" value={s.openTotal} />
      <Tile label="open high" value={s.openHigh} tone={s.openHigh ? 'bad' : undefined} />
      <Tile label="stale > 30 days" value={s.stale30d} tone={s.stale30d ? 'warn' : undefined} />
      <Tile label="max lag" value={fmtAge(s.maxLagSeconds)} />
    </div>
  )
}

function TenantRow({ t, catalog, act }: { t: TenantRowDto; catalog: TenantsResponse['roleCatalog']; act: (what: string, fn: () => Promise<unknown>) => Promise<void> }) {
  const [copied, setCopied] = useState(false)
  const label = t.name ?? t.domain ?? t.tenantId
  return (
    <tr data-tenant={t.tenantId} data-health={t.health}>
      <th scope="row">
        <div class="strong">{t.name ?? '(no name)'}</div>
        <div class="muted small">{t.domain ?? ''}</div>
        <div class="mono small">{t.tenantId}</div>
        {t.tags.length > 0 && (
          <div>
            {t.tags.map((g) => (
              <a key={g} class="tag" href={`#/tenants?tag=${encodeURIComponent(g)}`}>
                {g}
              </a>
            ))}
          </div>
        )}
      </th>
      <td>
        <HealthBadge health={t.health} />
        {t.fix && <div class="small fix">{t.fix}</div>}
        {t.problem?.message && t.health !== 'ok' && (
          <details class="small">
            <summary>{t.problem.code ?? 'error'}</summary>
            {t.problem.message}
          </details>
        )}
        {t.consentLink && (
          <div class="small">
            <a href={t.consentLink} target="_blank" rel="noopener noreferrer">
              Open consent link
            </a>{' '}
            <button type="button" class="link" onClick={async () => setCopied(await copyText(t.consentLink!))} aria-label={`Copy consent link for ${label}`}>
              {copied ? 'copied' : 'copy'}
            </button>
          </div>
        )}
      </td>
      <td class="small">
        {t.roles.map((r) => (
          <div key={r.api} title={catalog[r.api].label}>
            <span class="strong">{r.api === 'graph' ? 'Graph' : 'Defender'}:</span>{' '}
            {r.error ? (
              <span class="muted">no token ({r.error.code})</span>
            ) : r.checkedAt === null ? (
              <span class="muted">not checked yet</span>
            ) : (
              <>
                {catalog[r.api].needed.length - r.missing.length}/{catalog[r.api].needed.length}
                {r.missing.length > 0 && <span class="bad-text"> missing {r.missing.join(', ')}</span>}
              </>
            )}
          </div>
        ))}
      </td>
      <td>{ago(t.lastSync)}</td>
      <td>{fmtAge(t.lagSeconds)}</td>
      <td class={t.consecutiveFailures ? 'bad-text' : ''}>{t.consecutiveFailures}</td>
      <td>
        <a href={`#/incidents?tenant=${t.tenantId}`} aria-label={`Open incidents of ${label}`}>
          <span class="sevnum sev-high">{t.open.high}</span>/<span class="sevnum">{t.open.medium}</span>/<span class="sevnum">{t.open.low}</span>/
          <span class="sevnum">{t.open.informational}</span>
        </a>
      </td>
      <td>{fmtAge(t.oldestOpenAgeSeconds)}</td>
      <td class="actions">
        <button type="button" onClick={() => act(`Consent link for ${label} created`, async () => {
          const r = await api.post<{ consentLink: string }>(`/tenants/${t.tenantId}/onboard`, {})
          await copyText(r.consentLink)
          window.open(r.consentLink, '_blank', 'noopener,noreferrer')
        })}>
          Onboard
        </button>
        <button type="button" onClick={() => act(`${label} ${t.enabled ? 'paused' : 'resumed'}`, () => api.patch(`/tenants/${t.tenantId}`, { enabled: !t.enabled }))}>
          {t.enabled ? 'Pause' : 'Resume'}
        </button>
        <button
          type="button"
          onClick={() => {
            const tags = prompt(`Tags for ${label} (comma-separated)`, t.tags.join(', '))
            if (tags !== null) void act(`Tags of ${label} saved`, () => api.patch(`/tenants/${t.tenantId}`, { tags }))
          }}
        >
          Tags
        </button>
        <button
          type="button"
          class="danger"
          onClick={() => {
            if (confirm(`Remove ${label} from the sync set? Its stored incidents stay.`)) void act(`${label} removed`, () => api.del(`/tenants/${t.tenantId}`))
          }}
        >
          Remove
        </button>
      </td>
    </tr>
  )
}

function AddTenant({ onAdded, onError }: { onAdded: (id: string) => void; onError: (e: ApiError) => void }) {
  const [value, setValue] = useState('')
  const [name, setName] = useState('')
  return (
    <form
      class="inline"
      onSubmit={async (e) => {
        e.preventDefault()
        try {
          const r = await api.post<{ tenantId: string }>('/tenants', { tenant: value, ...(name && { name }) })
          setValue('')
          setName('')
          onAdded(r.tenantId)
        } catch (err) {
          onError(err as ApiError)
        }
      }}
    >
      <label>
        Add tenant <input value={value} onInput={(e) => setValue((e.target as HTMLInputElement).value)} placeholder="tenant id or domain" required />
      </label>
      <label>
        Name <input value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} placeholder="optional" />
      </label>
      <button type="submit">Add</button>
    </form>
  )
}

export { HEALTH_LABEL }
