/**
 * Microsoft Graph security API over the same data: `/v1.0/security/incidents` (+ `/{id}`,
 * `/{id}/comments`) and `/v1.0/security/alerts_v2` (+ `/{id}`), with `@odata.nextLink` paging on
 * the request origin, `$count`, `$orderby`, `$expand=alerts` and Graph error bodies.
 */
import type { Principal } from '../api/auth.js'
import type { EmulatorContext } from '../context.js'
import type { Handler, Router } from '../router.js'
import { applyAlertChanges, parseAlertChanges } from './alert_update.js'
import { readJson } from '../api/front.js'
import { contextUrl, fail, ok, requestInfo, type RequestInfo } from '../api/responses.js'
import { guard } from './guard.js'
import type { DefenderOperation } from './limits.js'
import type { Incident } from './model.js'
import { applyChanges, checkPair, parseChanges } from './patch.js'
import { parseListQuery, parseSelect, project, runList, type ListQuery, type ListRules } from './query.js'
import { GRAPH_ALERT_FIELDS, GRAPH_ALERT_PROPERTIES, GRAPH_INCIDENT_FIELDS, GRAPH_INCIDENT_PROPERTIES, graphAlert, graphComment, graphIncident, type AlertRow } from './views.js'

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
  allowed: ['$filter', '$top', '$skip', '$orderby', '$count', '$expand', '$select'],
  defaultOrder: (a, b) => b.createdTime - a.createdTime || b.incidentId - a.incidentId,
  expandable: ['alerts'],
  properties: GRAPH_INCIDENT_PROPERTIES,
}

const ALERT_RULES: ListRules<AlertRow> = {
  entity: 'microsoft.graph.security.alert',
  fields: GRAPH_ALERT_FIELDS,
  defaultTop: 2000,
  maxTop: 2000,
  overMaxTop: 'clamp',
  allowed: ['$filter', '$top', '$skip', '$orderby', '$count', '$select'],
  defaultOrder: (a, b) => b.alert.creationTime - a.alert.creationTime || (a.alert.alertId < b.alert.alertId ? 1 : -1),
  properties: GRAPH_ALERT_PROPERTIES,
}

type Paging = Pick<ListQuery<unknown>, 'top' | 'skip' | 'count'>

/** `security/incidents` → `security/incidents(id,status)` when `$select`ed (OData context URL). */
function selected(fragment: string, select: string[] | undefined): string {
  return select ? `${fragment}(${select.join(',')})` : fragment
}

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

/** `security/incidents`, with the `$select`ed properties and `alerts()` when expanded, as OData context URLs write them. */
function incidentsFragment(select: string[] | undefined, expand: boolean): string {
  const parts = [...(select ?? []).filter((p) => p !== 'alerts'), ...(expand ? ['alerts()'] : [])]
  return parts.length ? `security/incidents(${parts.join(',')})` : 'security/incidents'
}

function findAlert(ctx: EmulatorContext, info: RequestInfo, tenantId: string, id: string): AlertRow {
  const row = ctx.defender.alerts(tenantId).find((r) => r.alert.alertId === id)
  if (!row) fail(info, 404, 'NotFound', `Alert ${id} not found.`)
  return row
}

/** The `alertComment` body of both comment POSTs: a non-empty `comment` string, else 400. */
async function readComment(req: Request, info: RequestInfo): Promise<string> {
  const body = (await readJson(req, info)) as { comment?: unknown } | null
  if (typeof body?.comment !== 'string' || body.comment.trim() === '') fail(info, 400, 'BadRequest', "The request body must contain a non-empty 'comment' string.")
  return body.comment
}

function commentCollection(url: URL, info: RequestInfo, comments: { comment: string; createdBy: string; createdTime: number }[]): Response {
  return ok(info, {
    '@odata.context': contextUrl(url, info, 'Collection(microsoft.graph.security.alertComment)'),
    value: comments.map((c) => ({ '@odata.type': 'microsoft.graph.security.alertComment', ...graphComment(c) })),
  })
}

/**
 * The shape every Graph write shares (PATCH, comments): the role check and quota, the body (a JSON
 * or comment error is 400 before an unknown id is 404), the record, the change at the emulator's
 * clock, the answer.
 */
function writeRoute<E, B>(o: {
  operation: DefenderOperation
  roles: string[]
  body: (req: Request, info: RequestInfo) => Promise<B>
  find: (ctx: EmulatorContext, info: RequestInfo, tenantId: string, id: string) => E
  apply: (record: E, body: B, principal: Principal, now: number) => void
  respond: (url: URL, info: RequestInfo, record: E) => Response
}): Handler<EmulatorContext> {
  return async (req, url, params, ctx) => {
    const info = requestInfo('graph', req, ctx.clock.now())
    const principal = await guard(req, ctx, info, o.operation, o.roles)
    const body = await o.body(req, info)
    const record = o.find(ctx, info, principal.tenantId, params.id!)
    o.apply(record, body, principal, ctx.clock.now())
    return o.respond(url, info, record)
  }
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
    const view = { expandAlerts: expand, unknownEnums: info.unknownEnums }
    const items = result.page.map((i) => project(graphIncident(i, view), q.select, expand ? ['alerts'] : []))
    return collection(url, info, incidentsFragment(q.select, expand), q, result, items)
  }, opts)

  router.add('GET', '/v1.0/security/incidents/:id', async (req, url, params, ctx) => {
    const info = requestInfo('graph', req, ctx.clock.now())
    const principal = await guard(req, ctx, info, 'graph.incidents.get', INCIDENT_READ)
    const expand = expandAlertsRequested(info, url)
    const select = parseSelect(info, url, INCIDENT_RULES)
    const inc = findIncident(ctx, info, principal.tenantId, params.id!)
    const body = project(graphIncident(inc, { expandAlerts: expand, unknownEnums: info.unknownEnums }), select, expand ? ['alerts'] : [])
    return ok(info, { '@odata.context': contextUrl(url, info, `${incidentsFragment(select, expand)}/$entity`), ...body })
  }, opts)

  router.add('PATCH', '/v1.0/security/incidents/:id', writeRoute({
    operation: 'graph.incidents.update',
    roles: INCIDENT_WRITE,
    body: readJson,
    find: findIncident,
    apply: (inc, body, principal, now) => {
      const changes = parseChanges('graph', body)
      checkPair('graph', inc, changes)
      applyChanges(inc, changes, principal.displayName, now)
    },
    respond: (url, info, inc) => ok(info, { '@odata.context': contextUrl(url, info, 'security/incidents/$entity'), ...graphIncident(inc, { unknownEnums: info.unknownEnums }) }),
  }), opts)

  router.add('POST', '/v1.0/security/incidents/:id/comments', writeRoute({
    operation: 'graph.incidents.update',
    roles: INCIDENT_WRITE,
    body: readComment,
    find: findIncident,
    apply: (inc, comment, principal, now) => applyChanges(inc, { comment }, principal.displayName, now),
    respond: (url, info, inc) => commentCollection(url, info, inc.comments),
  }), opts)

  router.add('GET', '/v1.0/security/alerts_v2', async (req, url, _p, ctx) => {
    const info = requestInfo('graph', req, ctx.clock.now())
    const principal = await guard(req, ctx, info, 'graph.alerts.list', ALERT_READ)
    const q = parseListQuery(info, url, ALERT_RULES)
    const result = runList<AlertRow>(ctx.defender.alerts(principal.tenantId), q)
    const view = { unknownEnums: info.unknownEnums }
    return collection(url, info, selected('security/alerts_v2', q.select), q, result, result.page.map((r) => project(graphAlert(r.alert, r.incident, view), q.select)))
  }, opts)

  router.add('GET', '/v1.0/security/alerts_v2/:id', async (req, url, params, ctx) => {
    const info = requestInfo('graph', req, ctx.clock.now())
    const principal = await guard(req, ctx, info, 'graph.alerts.get', ALERT_READ)
    const select = parseSelect(info, url, ALERT_RULES)
    const row = findAlert(ctx, info, principal.tenantId, params.id!)
    return ok(info, { '@odata.context': contextUrl(url, info, `${selected('security/alerts_v2', select)}/$entity`), ...project(graphAlert(row.alert, row.incident, { unknownEnums: info.unknownEnums }), select) })
  }, opts)

  router.add('PATCH', '/v1.0/security/alerts_v2/:id', writeRoute({
    operation: 'graph.alerts.update',
    roles: ALERT_WRITE,
    body: readJson,
    find: findAlert,
    apply: (row, body, _principal, now) => applyAlertChanges(row.alert, row.incident, parseAlertChanges(body, row.alert), now),
    respond: (url, info, row) => ok(info, { '@odata.context': contextUrl(url, info, 'security/alerts_v2/$entity'), ...graphAlert(row.alert, row.incident, { unknownEnums: info.unknownEnums }) }),
  }), opts)

  // security-alert-post-comments: `{"@odata.type": "microsoft.graph.security.alertComment", "comment"}` →
  // 200 with every comment of the alert (SecurityAlert.ReadWrite.All).
  router.add('POST', '/v1.0/security/alerts_v2/:id/comments', writeRoute({
    operation: 'graph.alerts.update',
    roles: ALERT_WRITE,
    body: readComment,
    find: findAlert,
    apply: (row, comment, principal, now) => {
      ;(row.alert.comments ??= []).push({ comment, createdBy: principal.displayName, createdTime: now })
      // A comment is an update of the alert and of its incident (pollers on lastUpdateDateTime see it).
      row.alert.lastUpdatedTime = Math.max(now, row.alert.lastUpdatedTime + 1)
      row.incident.lastUpdateTime = Math.max(now, row.incident.lastUpdateTime + 1)
    },
    respond: (url, info, row) => commentCollection(url, info, row.alert.comments!),
  }), opts)
}
