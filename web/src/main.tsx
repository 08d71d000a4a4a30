import { render } from 'preact'
import { signal } from '@preact/signals'
import { useEffect } from 'preact/hooks'
import { api, connectLive, liveConnected, onLive, session } from './api.ts'
import type { SessionInfo } from '../../src/console/api_types.ts'
import { TenantsPage } from './pages/Tenants.tsx'
import { IncidentsPage } from './pages/Incidents.tsx'
import { lazyPage } from './lazy.tsx'
import './styles.css'

// The two pages an analyst lands on are in the first bundle; the others (the SLA page with the
// charting library, hunting, sync, health, the incident page) load on first visit, so the first
// page is not waiting for code it does not run.
const IncidentPage = lazyPage(() => import('./pages/Incident.tsx').then((m) => m.IncidentPage))
const SlaPage = lazyPage(() => import('./pages/Sla.tsx').then((m) => m.SlaPage))
const SyncPage = lazyPage(() => import('./pages/Sync.tsx').then((m) => m.SyncPage))
const HuntingPage = lazyPage(() => import('./pages/Hunting.tsx').then((m) => m.HuntingPage))
const HealthPage = lazyPage(() => import('./pages/Health.tsx').then((m) => m.HealthPage))

/** Hash routes (#/incidents?…): the server serves one index.html, links stay bookmarkable. */
const route = signal(location.hash.slice(1) || '/tenants')
addEventListener('hashchange', () => (route.value = location.hash.slice(1) || '/tenants'))

const PAGES = [
  { path: '/tenants', label: 'Tenants' },
  { path: '/incidents', label: 'Incidents' },
  { path: '/sla', label: 'SLA & age' },
  { path: '/sync', label: 'Sync' },
  { path: '/hunting', label: 'Hunting' },
  { path: '/health', label: 'Health events' },
]

/** The surface the tenants are actually synced on (the daemon's default unless pinned or held back). */
export function surfaceText(s: SessionInfo): string {
  const name = (x: 'legacy' | 'graph') => (x === 'graph' ? 'Graph' : 'legacy')
  const { legacy, graph } = s.surfaces
  if (legacy === 0 && graph === 0) return `${name(s.surface)} surface`
  if (legacy === 0 || graph === 0) return `${name(graph ? 'graph' : 'legacy')} surface`
  const major = graph >= legacy ? 'graph' : 'legacy'
  const minor = major === 'graph' ? 'legacy' : 'graph'
  return `${name(major)} surface · ${s.surfaces[minor]} tenant${s.surfaces[minor] === 1 ? '' : 's'} on ${name(minor)}`
}

function App() {
  useEffect(() => {
    const load = () => void api.get<SessionInfo>('/session').then((s) => (session.value = s))
    load()
    connectLive()
    // A tenant switching surface (Graph consent done, or pinned) changes the footer.
    return onLive('tenants', load)
  }, [])
  const [path, query = ''] = route.value.split('?')
  const params = new URLSearchParams(query)
  let page
  if (path!.startsWith('/incident/')) {
    const [, , tenantId, source, id] = path!.split('/')
    page = <IncidentPage tenantId={decodeURIComponent(tenantId!)} source={source as 'legacy' | 'graph'} incidentId={decodeURIComponent(id!)} />
  } else if (path === '/incidents') page = <IncidentsPage params={params} />
  else if (path === '/sla') page = <SlaPage />
  else if (path === '/sync') page = <SyncPage />
  else if (path === '/hunting') page = <HuntingPage />
  else if (path === '/health') page = <HealthPage />
  else page = <TenantsPage params={params} />
  return (
    <div class="shell">
      <a class="skip" href="#main">Skip to content</a>
      <nav class="nav" aria-label="Console sections">
        <div class="brand">m365d</div>
        <ul>
          {PAGES.map((p) => (
            <li key={p.path}>
              <a href={`#${p.path}`} aria-current={path === p.path || (p.path === '/incidents' && path!.startsWith('/incident/')) ? 'page' : undefined}>
                {p.label}
              </a>
            </li>
          ))}
        </ul>
        <div class="nav-foot">
          <span class={liveConnected.value ? 'dot ok' : 'dot bad'} aria-hidden="true" />
          <span>{liveConnected.value ? 'live' : 'reconnecting…'}</span>
          {session.value && <div class="muted small surface">{surfaceText(session.value)} · {session.value.actor}</div>}
        </div>
      </nav>
      <main id="main" tabIndex={-1}>{page}</main>
    </div>
  )
}

render(<App />, document.getElementById('app')!)
