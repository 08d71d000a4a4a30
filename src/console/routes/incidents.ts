import { classifications, determinationsByClassification, incidentStatuses } from '../../defender/index.js'
import type { ActionResponse, ActionTarget, IncidentAction, IncidentDetail, QueueFilters, QueueResponse, QueueSort, TimelineEntry } from '../api_types.js'
import type { ConsoleDeps } from '../deps.js'
import { ConsoleRequestError, json, listParam, numberParam, readBody } from '../http.js'
import { incidentActions, incidentAlerts, incidentHistory, incidentRow } from '../sql/incident.js'
import { queuePage, toQueueItem } from '../sql/queue.js'
import { resolveTenantScope } from '../sql/tenants.js'
import { applyActions } from '../write_back.js'

const SORTS: QueueSort[] = ['updated', 'created', 'severity']

export function queueFilters(url: URL): QueueFilters {
  const f: QueueFilters = {}
  const set = <K extends keyof QueueFilters>(k: K, v: QueueFilters[K] | undefined) => v !== undefined && (f[k] = v)
  set('tenant', listParam(url, 'tenant'))
  set('tag', listParam(url, 'tag'))
  set('severity', listParam(url, 'severity'))
  set('status', listParam(url, 'status'))
  set('classification', listParam(url, 'classification'))
  const assigned = url.searchParams.get('assignedTo')
  if (assigned !== null) f.assignedTo = assigned.trim()
  set('minAgeHours', numberParam(url, 'minAgeHours'))
  set('maxAgeHours', numberParam(url, 'maxAgeHours'))
  const text = url.searchParams.get('text')?.trim()
  if (text) f.text = text.slice(0, 200)
  f.open = url.searchParams.get('open') !== 'false'
  return f
}

export async function getQueue(deps: ConsoleDeps, url: URL): Promise<Response> {
  const started = performance.now()
  const filters = queueFilters(url)
  const sort = (url.searchParams.get('sort') ?? 'updated') as QueueSort
  if (!SORTS.includes(sort)) throw new ConsoleRequestError(400, 'ERR_CONSOLE_BAD_PARAM', `unknown sort ${sort.slice(0, 20)}`, `use ${SORTS.join(', ')}`)
  const limit = Math.min(200, Math.max(1, numberParam(url, 'limit') ?? 50))
  let scope = await resolveTenantScope(deps.db, { ...(filters.tenant && { tenants: filters.tenant }), ...(filters.tag && { tags: filters.tag }) })
  if (scope && scope.length === 0) scope = ['\u0000none']
  const { rows, next } = await queuePage(deps.db, { filters, tenantScope: scope, sort, cursor: url.searchParams.get('cursor'), limit })
  const body: QueueResponse = { items: rows.map(toQueueItem), next, sort, tookMs: Math.round(performance.now() - started) }
  return json(body)
}

export async function getIncident(deps: ConsoleDeps, tenantId: string, source: string, incidentId: string): Promise<Response> {
  const row = await incidentRow(deps.db, tenantId.toLowerCase(), source, incidentId)
  if (!row) throw new ConsoleRequestError(404, 'ERR_CONSOLE_NO_INCIDENT', `incident ${incidentId} of tenant ${tenantId} is not in the store`)
  const [alerts, history, actions] = await Promise.all([
    incidentAlerts(deps.db, row.tenant_id, source, incidentId),
    incidentHistory(deps.db, row.tenant_id, source, incidentId),
    incidentActions(deps.db, row.tenant_id, source, incidentId),
  ])
  const raw = row.raw
  const comments = (Array.isArray(raw.comments) ? raw.comments : []).map((c: Record<string, unknown>) => ({
    at: (c.createdTime ?? c.createdDateTime ?? null) as string | null,
    author: (c.createdBy ?? c.createdByDisplayName ?? null) as string | null,
    text: String(c.comment ?? ''),
  }))
  const timeline: TimelineEntry[] = [
    ...history.map((h) => ({ at: new Date(h.last_update_time).toISOString(), kind: 'version' as const, version: h.version, changes: h.changes })),
    ...comments.filter((c) => c.at).map((c) => ({ at: c.at!, kind: 'comment' as const, author: c.author, text: c.text })),
    ...actions.map((a) => ({
      at: new Date(a.at).toISOString(),
      kind: 'action' as const,
      author: a.actor,
      changes: a.action,
      outcome: a.outcome,
      confirmed: a.outcome === 'ok' && a.server_update_time !== null && a.watermark !== null && new Date(a.watermark) >= new Date(a.server_update_time),
      error: a.error,
    })),
  ].sort((a, b) => b.at.localeCompare(a.at))
  const body: IncidentDetail = {
    item: toQueueItem(row),
    raw,
    alerts: alerts.map((a) => ({
      alertId: a.alert_id,
      title: a.title,
      severity: a.severity,
      status: a.status,
      createdTime: a.created_time ? new Date(a.created_time).toISOString() : null,
      // Legacy alerts carry `entities`, Graph alerts_v2 `evidence`.
      evidence: (Array.isArray(a.raw.evidence) ? a.raw.evidence : Array.isArray(a.raw.entities) ? a.raw.entities : []) as unknown[],
      raw: a.raw,
    })),
    comments,
    timeline,
    webUrl: typeof raw.incidentWebUrl === 'string' ? raw.incidentWebUrl : null,
  }
  return json(body)
}

export async function postActions(deps: ConsoleDeps, request: Request, actor: string): Promise<Response> {
  const body = await readBody<{ targets?: ActionTarget[]; action?: IncidentAction }>(request)
  if (!body.action || typeof body.action !== 'object') throw new ConsoleRequestError(400, 'ERR_CONSOLE_ACTION', 'give action: {status?, assignedTo?, classification?, determination?, tags?, comment?}')
  const results = await applyActions(deps, body.targets ?? [], body.action, actor)
  const response: ActionResponse = { results }
  return json(response, results.every((r) => r.ok) ? 200 : 207)
}

/** The values the action forms offer: statuses and the valid classification → determination pairs. */
export function getChoices(): Response {
  return json({ statuses: incidentStatuses.filter((s) => s !== 'Redirected'), classifications, determinationsByClassification })
}
