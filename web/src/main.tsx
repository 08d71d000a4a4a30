import { render } from 'preact'
import { signal } from '@preact/signals'
import { useEffect } from 'preact/hooks'
import { api, connectLive, liveConnected, session } from './api.ts'
import type { SessionInfo } from '../../src/console/api_types.ts'
import { TenantsPage } from './pages/Tenants.tsx'
import { IncidentsPage } from './pages/Incidents.tsx'
import { IncidentPage } from './pages/Incident.tsx'
import { SlaPage } from './pages/Sla.tsx'
import { SyncPage } from './pages/Sync.tsx'
import { HuntingPage } from './pages/Hunting.tsx'
import { HealthPage } from './pages/Health.tsx'
import './styles.css'

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

function App() {
  useEffect(() => {
    void api.get<SessionInfo>('/session').then((s) => (session.value = s))
    connectLive()
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
          {session.value && <div class="muted small">{session.value.surface} surface · {session.value.actor}</div>}
        </div>
      </nav>
      <main id="main" tabIndex={-1}>{page}</main>
    </div>
  )
}

render(<App />, document.getElementById('app')!)
