import { useEffect, useState } from 'preact/hooks'
import type { HuntResponse, TenantsResponse } from '../../../src/console/api_types.ts'
import { api, ApiError } from '../api.ts'
import { ErrorNote } from '../components.tsx'

const EXAMPLE = 'DeviceProcessEvents\n| where Timestamp > ago(1d)\n| summarize Processes = count() by DeviceName\n| top 20 by Processes'

function download(name: string, type: string, text: string) {
  const url = URL.createObjectURL(new Blob([text], { type }))
  const a = document.createElement('a')
  a.href = url
  a.download = name
  a.click()
  setTimeout(() => URL.revokeObjectURL(url), 1000)
}

function csvCell(v: unknown): string {
  const s = v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v)
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}

export function HuntingPage() {
  const [tenants, setTenants] = useState<TenantsResponse | null>(null)
  const [query, setQuery] = useState(EXAMPLE)
  const [picked, setPicked] = useState<string[]>([])
  const [tag, setTag] = useState('')
  const [timespan, setTimespan] = useState('P1D')
  const [busy, setBusy] = useState(false)
  const [result, setResult] = useState<HuntResponse | null>(null)
  const [error, setError] = useState<ApiError | null>(null)
  useEffect(() => void api.get<TenantsResponse>('/tenants').then(setTenants).catch((e) => setError(e as ApiError)), [])
  const run = async (e: Event) => {
    e.preventDefault()
    setBusy(true)
    setError(null)
    try {
      setResult(await api.post<HuntResponse>('/hunt', { query, ...(picked.length && { tenants: picked }), ...(tag && { tags: [tag] }), ...(timespan && { timespan }) }))
    } catch (err) {
      setError(err as ApiError)
    } finally {
      setBusy(false)
    }
  }
  return (
    <section aria-labelledby="hunt-h">
      <h1 id="hunt-h">Hunting</h1>
      <form onSubmit={run} class="panel">
        <label for="kql" class="strong">KQL query</label>
        <textarea id="kql" class="kql" spellcheck={false} value={query} onInput={(e) => setQuery((e.target as HTMLTextAreaElement).value)}
          onKeyDown={(e) => { if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) void run(e) }} />
        <div class="filters">
          <label>
            Tenants (none = all enabled)
            <select multiple name="tenants" onChange={(e) => setPicked(Array.from((e.target as HTMLSelectElement).selectedOptions).map((o) => o.value))}>
              {tenants?.tenants.filter((t) => t.enabled).map((t) => <option key={t.tenantId} value={t.tenantId} selected={picked.includes(t.tenantId)}>{t.name ?? t.domain ?? t.tenantId}</option>)}
            </select>
          </label>
          <label>
            Group (tag)
            <select name="tag" value={tag} onChange={(e) => setTag((e.target as HTMLSelectElement).value)}>
              <option value="">any</option>
              {tenants?.tags.map((t) => <option key={t} value={t}>{t}</option>)}
            </select>
          </label>
          <label>
            Time span
            <select name="timespan" value={timespan} onChange={(e) => setTimespan((e.target as HTMLSelectElement).value)}>
              <option value="PT1H">1 hour</option><option value="P1D">1 day</option><option value="P7D">7 days</option><option value="P30D">30 days</option>
            </select>
          </label>
          <button class="primary" type="submit" disabled={busy}>{busy ? 'Running…' : 'Run (Ctrl+Enter)'}</button>
        </div>
      </form>
      {error && <ErrorNote error={{ code: error.code, message: error.message, ...(error.hint && { hint: error.hint }) }} />}
      {result && (
        <>
          <h2>Per tenant</h2>
          <ul class="hunt-tenants">
            {result.tenants.map((t) => (
              <li key={t.tenantId} data-tenant={t.tenantId} data-ok={String(t.ok)}>
                <strong>{t.name ?? t.tenantId}</strong>: {t.ok ? `${t.rows} rows in ${t.tookMs} ms` : <span class="bad-text">{t.error?.code} {t.error?.message}{t.error?.hint ? ` — fix: ${t.error.hint}` : ''}</span>}
              </li>
            ))}
          </ul>
          <div class="pager">
            <strong>{result.rows.length} rows{result.truncated ? ' (cut at 10,000)' : ''}</strong>
            <button type="button" onClick={() => download('hunt.json', 'application/json', JSON.stringify(result.rows, null, 2))}>Export JSON</button>
            <button type="button" onClick={() => download('hunt.csv', 'text/csv', [result.columns.map((c) => csvCell(c.name)).join(','), ...result.rows.map((r) => result.columns.map((c) => csvCell(r[c.name])).join(','))].join('\r\n'))}>Export CSV</button>
          </div>
          <div class="scroll">
            <table class="grid hunt-results">
              <thead><tr>{result.columns.map((c) => <th key={c.name} scope="col" title={c.type}>{c.name}</th>)}</tr></thead>
              <tbody>
                {result.rows.slice(0, 500).map((r, i) => (
                  <tr key={i}>{result.columns.map((c) => <td key={c.name} class="small">{r[c.name] === null || r[c.name] === undefined ? '' : typeof r[c.name] === 'object' ? JSON.stringify(r[c.name]) : String(r[c.name])}</td>)}</tr>
                ))}
              </tbody>
            </table>
          </div>
          {result.rows.length > 500 && <p class="muted small">Showing the first 500 rows; the exports hold all {result.rows.length}.</p>}
        </>
      )}
    </section>
  )
}
