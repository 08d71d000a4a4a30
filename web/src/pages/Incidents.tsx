import { useEffect, useRef, useState } from 'preact/hooks'
import type { ActionTarget, QueueItem, QueueResponse, TenantChoicesResponse } from '../../../src/console/api_types.ts'
import { api, ApiError, fmtAge, onLive } from '../api.ts'
import { ActionForm } from '../actions.tsx'
import { ErrorNote, SevBadge } from '../components.tsx'

const STATUSES = ['active', 'inProgress', 'awaitingAction', 'resolved', 'redirected']
const SEVERITIES = ['high', 'medium', 'low', 'informational']
const CLASSIFICATIONS = ['unknown', 'truePositive', 'falsePositive', 'informationalExpectedActivity']

/** Filters live in the URL hash, so a filtered queue is a link an analyst can share. */
function readFilters(params: URLSearchParams) {
  return {
    tenant: params.get('tenant') ?? '',
    tag: params.get('tag') ?? '',
    severity: params.get('severity') ?? '',
    status: params.get('status') ?? '',
    assignedTo: params.get('assignedTo') ?? '',
    classification: params.get('classification') ?? '',
    age: params.get('age') ?? '',
    text: params.get('text') ?? '',
    sort: params.get('sort') ?? 'updated',
    all: params.get('all') === '1',
  }
}
type Filters = ReturnType<typeof readFilters>

function toQuery(f: Filters, cursor?: string | null): string {
  const q = new URLSearchParams()
  if (f.tenant) q.set('tenant', f.tenant)
  if (f.tag) q.set('tag', f.tag)
  if (f.severity) q.set('severity', f.severity)
  if (f.status) q.set('status', f.status)
  if (f.assignedTo) q.set('assignedTo', f.assignedTo)
  if (f.classification) q.set('classification', f.classification)
  if (f.age) {
    const [kind, hours] = f.age.split(':')
    q.set(kind === 'older' ? 'minAgeHours' : 'maxAgeHours', hours!)
  }
  if (f.text) q.set('text', f.text)
  if (f.all) q.set('open', 'false')
  q.set('sort', f.sort)
  if (cursor) q.set('cursor', cursor)
  return q.toString()
}

function hashQuery(f: Filters): string {
  const q = new URLSearchParams()
  for (const [k, v] of Object.entries(f)) if (v && !(k === 'sort' && v === 'updated')) q.set(k, v === true ? '1' : String(v))
  return q.toString()
}

const key = (i: { tenantId: string; source: string; incidentId: string }) => `${i.tenantId}/${i.source}/${i.incidentId}`

export function IncidentsPage({ params }: { params: URLSearchParams }) {
  const filters = readFilters(params)
  const [tenants, setTenants] = useState<TenantChoicesResponse | null>(null)
  const [page, setPage] = useState<QueueResponse | null>(null)
  const [cursors, setCursors] = useState<(string | null)[]>([null])
  const [error, setError] = useState<ApiError | null>(null)
  const [selected, setSelected] = useState<Map<string, ActionTarget>>(new Map())
  const [fresh, setFresh] = useState(0)
  const cursor = cursors[cursors.length - 1] ?? null
  const q = toQuery(filters, cursor)
  const qRef = useRef(q)
  qRef.current = q

  const load = () =>
    api
      .get<QueueResponse>(`/incidents?${qRef.current}`)
      .then((p) => (setPage(p), setError(null)))
      .catch((e) => setError(e as ApiError))
  useEffect(() => {
    void api.get<TenantChoicesResponse>('/tenant-choices').then(setTenants).catch(() => undefined)
  }, [])
  useEffect(() => void load(), [q])
  useEffect(() => onLive('incidents', () => (setFresh((n) => n + 1), void load())), [])

  const set = (patch: Partial<Filters>) => {
    setCursors([null])
    setSelected(new Map())
    location.hash = `#/incidents?${hashQuery({ ...filters, ...patch })}`
  }
  const toggle = (i: QueueItem) => {
    const next = new Map(selected)
    next.has(key(i)) ? next.delete(key(i)) : next.set(key(i), { tenantId: i.tenantId, source: i.source, incidentId: i.incidentId })
    setSelected(next)
  }
  const allOnPage = page?.items.length ? page.items.every((i) => selected.has(key(i))) : false

  return (
    <section aria-labelledby="inc-h">
      <h1 id="inc-h">Incidents</h1>
      <form class="filters" role="search" aria-label="Queue filters" onSubmit={(e) => e.preventDefault()}>
        <label>
          Tenant
          <select name="tenant" value={filters.tenant} onChange={(e) => set({ tenant: (e.target as HTMLSelectElement).value })}>
            <option value="">all tenants</option>
            {tenants?.tenants.map((t) => <option key={t.tenantId} value={t.tenantId}>{t.name ?? t.domain ?? t.tenantId}</option>)}
          </select>
        </label>
        <label>
          Group (tag)
          <select name="tag" value={filters.tag} onChange={(e) => set({ tag: (e.target as HTMLSelectElement).value })}>
            <option value="">any</option>
            {tenants?.tags.map((t) => <option key={t} value={t}>{t}</option>)}
          </select>
        </label>
        <label>
          Severity
          <select name="severity" value={filters.severity} onChange={(e) => set({ severity: (e.target as HTMLSelectElement).value })}>
            <option value="">any</option>
            {SEVERITIES.map((s) => <option key={s} value={s}>{s}</option>)}
          </select>
        </label>
        <label>
          Status
          <select name="status" value={filters.status} onChange={(e) => set({ status: (e.target as HTMLSelectElement).value })}>
            <option value="">open (active, in progress, awaiting)</option>
            {STATUSES.map((s) => <option key={s} value={s}>{s}</option>)}
          </select>
        </label>
        <label>
          Assigned to
          <input name="assignedTo" value={filters.assignedTo} placeholder="email or 'unassigned'" onChange={(e) => set({ assignedTo: (e.target as HTMLInputElement).value })} />
        </label>
        <label>
          Classification
          <select name="classification" value={filters.classification} onChange={(e) => set({ classification: (e.target as HTMLSelectElement).value })}>
            <option value="">any</option>
            {CLASSIFICATIONS.map((s) => <option key={s} value={s}>{s}</option>)}
          </select>
        </label>
        <label>
          Age
          <select name="age" value={filters.age} onChange={(e) => set({ age: (e.target as HTMLSelectElement).value })}>
            <option value="">any</option>
            <option value="younger:24">created in the last 24 h</option>
            <option value="younger:168">created in the last 7 days</option>
            <option value="older:120">older than 5 days</option>
            <option value="older:720">older than 30 days</option>
          </select>
        </label>
        <label>
          Text
          <input name="text" type="search" value={filters.text} placeholder="title, id or assignee" onChange={(e) => set({ text: (e.target as HTMLInputElement).value })} />
        </label>
        <label>
          Sort
          <select name="sort" value={filters.sort} onChange={(e) => set({ sort: (e.target as HTMLSelectElement).value })}>
            <option value="updated">last update</option>
            <option value="created">created</option>
            <option value="severity">severity</option>
          </select>
        </label>
      </form>
      {error && <ErrorNote error={{ code: error.code, message: error.message, ...(error.hint && { hint: error.hint }) }} />}
      {selected.size > 0 && <ActionForm targets={[...selected.values()]} onDone={() => void load()} />}
      <div class="pager">
        <button type="button" disabled={cursors.length <= 1} onClick={() => setCursors(cursors.slice(0, -1))}>
          ← Newer
        </button>
        <span class="muted small" aria-live="polite">
          Page {cursors.length}
          {page ? ` · ${page.items.length} incidents · ${page.tookMs} ms` : ''} · live updates {fresh}
        </span>
        <button type="button" disabled={!page?.next} onClick={() => page?.next && setCursors([...cursors, page.next])}>
          Older →
        </button>
      </div>
      <table class="grid queue" aria-label="Incident queue across tenants">
        <thead>
          <tr>
            <th scope="col">
              <input
                type="checkbox"
                aria-label="Select all on this page"
                checked={allOnPage}
                onChange={() => {
                  const next = new Map(selected)
                  for (const i of page?.items ?? []) allOnPage ? next.delete(key(i)) : next.set(key(i), { tenantId: i.tenantId, source: i.source, incidentId: i.incidentId })
                  setSelected(next)
                }}
              />
            </th>
            <th scope="col">Tenant</th>
            <th scope="col">Incident</th>
            <th scope="col">Severity</th>
            <th scope="col">Status</th>
            <th scope="col">Assigned to</th>
            <th scope="col">Classification</th>
            <th scope="col">Alerts</th>
            <th scope="col">Age</th>
            <th scope="col">Updated</th>
          </tr>
        </thead>
        <tbody>
          {page?.items.map((i) => (
            <tr key={key(i)} data-incident={key(i)}>
              <td>
                <input type="checkbox" aria-label={`Select incident ${i.incidentId} of ${i.tenantName ?? i.tenantId}`} checked={selected.has(key(i))} onChange={() => toggle(i)} />
              </td>
              <td>{i.tenantName ?? i.tenantId}</td>
              <th scope="row">
                <a href={`#/incident/${encodeURIComponent(i.tenantId)}/${i.source}/${encodeURIComponent(i.incidentId)}`}>{i.title ?? `(incident ${i.incidentId})`}</a>
                <div class="muted small mono">#{i.incidentId}</div>
              </th>
              <td><SevBadge severity={i.severity} /></td>
              <td>{i.status}</td>
              <td class="assigned">{i.assignedTo || <span class="muted">unassigned</span>}</td>
              <td class="small">{i.classification}{i.determination && i.determination !== 'NotAvailable' ? ` / ${i.determination}` : ''}</td>
              <td>{i.alertCount}</td>
              <td>{fmtAge(i.createdTime ? (Date.now() - Date.parse(i.createdTime)) / 1000 : null)}</td>
              <td class="small">{fmtAge((Date.now() - Date.parse(i.lastUpdateTime)) / 1000)} ago</td>
            </tr>
          ))}
        </tbody>
      </table>
      {page && page.items.length === 0 && <p>No incidents match these filters.</p>}
    </section>
  )
}
