import { M365dArgumentError } from '../lib/errors.js'
import type { DefenderRequest } from './call.js'
import { dateLiteral, stringLiteral, type DateRange } from './filter.js'
import { processCollection, trimSlash, type Page } from './incidents_list.js'
import type { GraphAlert } from './models.js'
import { expectObject, readJson } from './response.js'

/** Graph alerts_v2 `$top` maximum (Graph security docs: 2,000 for alerts_v2). */
export const MAX_ALERTS_PAGE_SIZE = 2000

const ALERT_READ = ['SecurityAlert.Read.All', 'SecurityAlert.ReadWrite.All'] as const

export interface AlertFilter {
  lastUpdateDateTime?: DateRange
  createdDateTime?: DateRange
  status?: string
  severity?: string
  incidentId?: string
  serviceSource?: string
}

export interface ListAlertsParams {
  baseUrl: string
  filter?: AlertFilter
  rawFilter?: string
  top?: number
  orderBy?: string
}

/** `GET /v1.0/security/alerts_v2` (Graph only: the legacy API has no alert list; alerts come inside incidents). */
export function listAlertsRequest(params: ListAlertsParams): DefenderRequest {
  const top = params.top ?? 100
  if (!Number.isInteger(top) || top < 1 || top > MAX_ALERTS_PAGE_SIZE) throw new M365dArgumentError(`alerts page size (top) must be 1..${MAX_ALERTS_PAGE_SIZE}`)
  const parts: string[] = []
  const f = params.filter ?? {}
  for (const field of ['lastUpdateDateTime', 'createdDateTime'] as const)
    for (const [op, v] of Object.entries(f[field] ?? {})) if (v !== undefined) parts.push(`${field} ${op} ${dateLiteral(v, field)}`)
  for (const field of ['status', 'severity', 'incidentId', 'serviceSource'] as const) if (f[field] !== undefined) parts.push(`${field} eq ${stringLiteral(f[field]!)}`)
  if (params.rawFilter) parts.push(params.rawFilter)
  const query = [`$top=${top}`]
  if (parts.length) query.unshift(`$filter=${encodeURIComponent(parts.join(' and '))}`)
  if (params.orderBy) query.push(`$orderby=${encodeURIComponent(params.orderBy)}`)
  return { method: 'GET', url: `${trimSlash(params.baseUrl)}/v1.0/security/alerts_v2?${query.join('&')}`, surface: 'graph', group: 'list', idempotent: true, permissions: ALERT_READ, quotaScope: 'alerts' }
}

export function processListAlertsResponse(response: Response, url: string = response.url): Promise<Page<GraphAlert>> {
  return processCollection<GraphAlert>(response, url)
}

/** `GET /v1.0/security/alerts_v2/{id}`. */
export function getAlertRequest(params: { baseUrl: string; id: string }): DefenderRequest {
  const id = checkAlertId(params.id)
  return { method: 'GET', url: `${trimSlash(params.baseUrl)}/v1.0/security/alerts_v2/${encodeURIComponent(id)}`, surface: 'graph', group: 'get', idempotent: true, permissions: ALERT_READ, quotaScope: 'alerts' }
}

/** Alert ids are path-safe tokens (`da08…_-1234`, `fa…`): anything else is refused before a call. */
export function checkAlertId(id: string): string {
  const s = String(id).trim()
  if (!/^[A-Za-z0-9_.-]{1,128}$/.test(s)) throw new M365dArgumentError(`invalid alert id "${s.slice(0, 40)}"`, { hint: 'use the alert id as listed (m365d alerts list)' })
  return s
}

export async function processGetAlertResponse(response: Response, url: string = response.url): Promise<GraphAlert> {
  return expectObject(await readJson(response, 'GET', url), response.status, url, 'an alert') as GraphAlert
}
