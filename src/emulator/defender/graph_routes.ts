/**
 * Microsoft Graph security API over the same data: `/v1.0/security/incidents` (+ `/{id}`,
 * `/{id}/comments`) and `/v1.0/security/alerts_v2` (+ `/{id}`), with `@odata.nextLink` paging on
 * the request origin, `$count`, `$orderby`, `$expand=alerts` and Graph error bodies.
 */
import type { EmulatorContext } from '../context.js'
import type { Router } from '../router.js'
import { applyAlertChanges, parseAlertChanges } from './alert_update.js'
import { readJson } from '../api/front.js'
import { contextUrl, fail, ok, requestInfo, type RequestInfo } from '../api/responses.js'
import { guard } from './guard.js'
import type { Incident } from './model.js'
import { applyChanges, checkPair, parseChanges } from './patch.js'
import { parseListQuery, runList, type ListQuery, type ListRules } from './query.js'
import { GRAPH_ALERT_FIELDS, GRAPH_INCIDENT_FIELDS, graphAlert, graphIncident, iso, type AlertRow } from './views.js'

const INCIDENT_READ = ['SecurityIncident.Read.All', 'SecurityIncident.ReadWrite.All']
const INCIDENT_WRITE = ['SecurityIncident.ReadWrite.All']
const ALERT_READ = ['SecurityAlert.Read.All', 'SecurityAlert.ReadWrite.All']
const ALERT_WRITE = ['SecurityAlert.ReadWrite.All']

const INCIDENT_RULES: ListRules<Incident> = {
  entity: 'microsoft.graph.security.incident',
  fields: GRAPH_INCIDENT_FIELDS,
  // Graph serves incidents in pages of at most 50; a larger $top is clamped and paged by nextLink.
  defaultTop: 50,
  maxTop: 50,
  overMaxTop: 'clamp',
  allowed: ['$filter', '$top', '$skip', '$orderby', '$count', '$expand'],
  defaultOrder: (a, b) => b.createdTime - a.createdTime || b.incidentId - a.incidentId,
  expandable: ['alerts'],
}

const ALERT_RULES: ListRules<AlertRow> = {
  entity: 'microsoft.graph.security.alert',
  fields: GRAPH_ALERT_FIELDS,
  defaultTop: 2000,
  maxTop: 2000,
  overMaxTop: 'clamp',
  allowed: ['$filter', '$top', '$skip', '$orderby', '$count'],
  defaultOrder: (a, b) => b.alert.creationTime - a.alert.creationTime || (a.alert.alertId < b.alert.alertId ? 1 : -1),
}

type Paging = Pick<ListQuery<unknown>, 'top' | 'skip' | 'count'>

function nextLink(url: URL, q: Paging, served: number): string {
  const next = new URL(url.pathname, url.origin)
  for (const [k, v] of url.searchParams) if (k !== '$skip' && k !== '$top') next.searchParams.append(k, v)
  next.searchParams.set('$top', String(q.top))
  next.searchParams.set('$skip', String(q.skip + served))
  // Graph nextLinks keep `$` literal.
  return next.href.replace(/%24/g, '$')
}

function collection(url: URL, info: RequestInfo, fragment: string, q: Paging, result: { page: unknown[]; total: number; more: boolean }, values: unknown[]): Response {
  return ok(info, {
    '@odata.context': contextUrl(url, info, fragment),
    ...(q.count && { '@odata.count': result.total }),
    ...(result.more && { '@odata.nextLink': nextLink(url, q, result.page.length) }),
    value: values,
  })
}

function incidentId(info: RequestInfo, raw: string): number {
  if (!/^\d{1,15}$/.test(raw)) fail(info, 400, 'BadRequest', `Invalid incident id '${raw}': incident ids are numeric.`)
  return Number(raw)
}

function findIncident(ctx: EmulatorContext, info: RequestInfo, tenantId: string, raw: string): Incident {
  const id = incidentId(info, raw)
  const inc = ctx.defender.get(tenantId, id)
  if (!inc) fail(info, 404, 'NotFound', `Incident ${id} not found.`)
  return inc
}

function expandAlertsRequested(info: RequestInfo, url: URL): boolean {
  const raw = url.searchParams.get('$expand')
  if (raw === null) return false
  if (raw.trim() !== 'alerts') fail(info, 400, 'BadRequest', `Invalid OData URI query: could not find a navigation property named '${raw}' (expandable: alerts).`)
  return true
}

export function registerGraphRoutes(router: Router<EmulatorContext>): void {
  const opts = { group: 'graph', caseInsensitive: true }

  router.add('GET', '/v1.0/security/incidents', async (req, url, _p, ctx) => {
    const info = requestInfo('graph', req, ctx.clock.now())
    const principal = await guard(req, ctx, info, 'graph.incidents.list', INCIDENT_READ)
    const q = parseListQuery(info, url, INCIDENT_RULES)
    const expand = q.expand.includes('alerts')
    const failAbove = ctx.defender.limits.expandFailAbove
    // Large pages with expanded alerts time out server-side on real tenants (elastic#18144, peers.md §1.2).
    if (expand && failAbove !== null && q.top > failAbove) fail(info, 500, 'InternalServerError', 'An internal server error occurred while expanding alerts. Please retry the request.')
    const result = runList(ctx.defender.visible(principal.tenantId), q)
    return collection(url, info, expand ? 'security/incidents(alerts())' : 'security/incidents', q, result, result.page.map((i) => graphIncident(i, { expandAlerts: expand })))
  }, opts)

  router.add('GET', '/v1.0/security/incidents/:id', async (req, url, params, ctx) => {
    const info = requestInfo('graph', req, ctx.clock.now())
    const principal = await guard(req, ctx, info, 'graph.incidents.get', INCIDENT_READ)
    const expand = expandAlertsRequested(info, url)
    const inc = findIncident(ctx, info, principal.tenantId, params.id!)
    return ok(info, { '@odata.context': contextUrl(url, info, `security/incidents${expand ? '(alerts())' : ''}/$entity`), ...graphIncident(inc, { expandAlerts: expand }) })
  }, opts)

  router.add('PATCH', '/v1.0/security/incidents/:id', async (req, url, params, ctx) => {
    const info = requestInfo('graph', req, ctx.clock.now())
    const principal = await guard(req, ctx, info, 'graph.incidents.update', INCIDENT_WRITE)
    const body = await readJson(req, info)
    const inc = findIncident(ctx, info, principal.tenantId, params.id!)
    const changes = parseChanges('graph', body)
    checkPair('graph', inc, changes)
    applyChanges(inc, changes, principal.displayName, ctx.clock.now())
    return ok(info, { '@odata.context': contextUrl(url, info, 'security/incidents/$entity'), ...graphIncident(inc) })
  }, opts)

  router.add('POST', '/v1.0/security/incidents/:id/comments', async (req, url, params, ctx) => {
    const info = requestInfo('graph', req, ctx.clock.now())
    const principal = await guard(req, ctx, info, 'graph.incidents.update', INCIDENT_WRITE)
    const body = (await readJson(req, info)) as { comment?: unknown } | null
    const inc = findIncident(ctx, info, principal.tenantId, params.id!)
    if (typeof body?.comment !== 'string' || body.comment.trim() === '') fail(info, 400, 'BadRequest', "The request body must contain a non-empty 'comment' string.")
    applyChanges(inc, { comment: body.comment }, principal.displayName, ctx.clock.now())
    return ok(info, {
      '@odata.context': contextUrl(url, info, 'Collection(microsoft.graph.security.alertComment)'),
      value: inc.comments.map((c) => ({ '@odata.type': 'microsoft.graph.security.alertComment', comment: c.comment, createdByDisplayName: c.createdBy, createdDateTime: iso(c.createdTime) })),
    })
  }, opts)

  router.add('GET', '/v1.0/security/alerts_v2', async (req, url, _p, ctx) => {
    const info = requestInfo('graph', req, ctx.clock.now())
    const principal = await guard(req, ctx, info, 'graph.alerts.list', ALERT_READ)
    const q = parseListQuery(info, url, ALERT_RULES)
    const result = runList<AlertRow>(ctx.defender.alerts(principal.tenantId), q)
    return collection(url, info, 'security/alerts_v2', q, result, result.page.map((r) => graphAlert(r.alert, r.incident)))
  }, opts)

  router.add('GET', '/v1.0/security/alerts_v2/:id', async (req, url, params, ctx) => {
    const info = requestInfo('graph', req, ctx.clock.now())
    const principal = await guard(req, ctx, info, 'graph.alerts.get', ALERT_READ)
    const row = ctx.defender.alerts(principal.tenantId).find((r) => r.alert.alertId === params.id)
    if (!row) fail(info, 404, 'NotFound', `Alert ${params.id} not found.`)
    return ok(info, { '@odata.context': contextUrl(url, info, 'security/alerts_v2/$entity'), ...graphAlert(row.alert, row.incident) })
  }, opts)

  router.add('PATCH', '/v1.0/security/alerts_v2/:id', async (req, url, params, ctx) => {
    const info = requestInfo('graph', req, ctx.clock.now())
    const principal = await guard(req, ctx, info, 'graph.alerts.update', ALERT_WRITE)
    const body = await readJson(req, info)
    const row = ctx.defender.alerts(principal.tenantId).find((r) => r.alert.alertId === params.id)
    if (!row) fail(info, 404, 'NotFound', `Alert ${params.id} not found.`)
    applyAlertChanges(row.alert, row.incident, parseAlertChanges(body, row.alert), ctx.clock.now())
    return ok(info, { '@odata.context': contextUrl(url, info, 'security/alerts_v2/$entity'), ...graphAlert(row.alert, row.incident) })
  }, opts)
}
