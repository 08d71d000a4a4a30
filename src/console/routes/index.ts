import type { ConsoleDeps } from '../deps.js'
import type { LiveHub } from '../live.js'
import type { Session } from '../security.js'
import { postHunt } from './hunting.js'
import { getHealthEvents, getSla, getSync } from './views.js'
import { getChoices, getIncident, getQueue, postActions } from './incidents.js'
import { addTenant, deleteTenant, getTenantChoices, getTenants, onboardTenant, patchTenant } from './tenants.js'

export interface RouteContext {
  deps: ConsoleDeps
  live: LiveHub
  session: Session
}

type Handler = (ctx: RouteContext, request: Request, url: URL, params: string[]) => Promise<Response>

/** `METHOD /path/:param` → handler; params in order. Paths are relative to /console/api. */
const ROUTES: [string, RegExp, Handler][] = [
  ['GET', /^\/tenants$/, (c, _r, u) => getTenants(c.deps, u)],
  ['GET', /^\/tenant-choices$/, (c) => getTenantChoices(c.deps)],
  ['POST', /^\/tenants$/, (c, r) => addTenant(c.deps, r)],
  ['POST', /^\/tenants\/([^/]+)\/onboard$/, (c, _r, _u, [id]) => onboardTenant(c.deps, id!)],
  ['PATCH', /^\/tenants\/([^/]+)$/, async (c, r, _u, [id]) => {
    const res = await patchTenant(c.deps, id!, r)
    void c.live.poll()
    return res
  }],
  ['DELETE', /^\/tenants\/([^/]+)$/, (c, _r, u, [id]) => deleteTenant(c.deps, id!, u)],
  ['GET', /^\/incidents$/, (c, _r, u) => getQueue(c.deps, u)],
  ['GET', /^\/incidents\/([^/]+)\/(legacy|graph)\/([^/]+)$/, (c, _r, _u, [t, s, id]) => getIncident(c.deps, t!, s!, id!)],
  ['POST', /^\/incidents\/actions$/, async (c, r) => {
    const res = await postActions(c.deps, r, c.session.actor)
    void c.live.poll()
    return res
  }],
  ['GET', /^\/choices$/, async () => getChoices()],
  ['GET', /^\/sla$/, (c, _r, u) => getSla(c.deps, u)],
  ['GET', /^\/sync$/, (c) => getSync(c.deps)],
  ['POST', /^\/hunt$/, (c, r) => postHunt(c.deps, r)],
  ['GET', /^\/health-events$/, (c, _r, u) => getHealthEvents(c.deps, u)],
]

export async function routeApi(ctx: RouteContext, request: Request, url: URL, path: string): Promise<Response | undefined> {
  const method = request.method === 'HEAD' ? 'GET' : request.method
  for (const [m, re, handler] of ROUTES) {
    if (m !== method) continue
    const match = re.exec(path)
    if (match) return handler(ctx, request, url, match.slice(1).map((p) => decodeURIComponent(p)))
  }
  return undefined
}
