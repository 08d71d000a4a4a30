import { M365dArgumentError } from '../lib/errors.js'
import type { DefenderRequest, Surface } from './call.js'
import { buildIncidentFilter, type IncidentFilter } from './filter.js'
import type { GraphIncident, Incident } from './models.js'
import { readJson, expectObject } from './response.js'
import { InvalidBodyError } from './errors.js'
import { warnLegacyUse } from './legacy_warning.js'

/** Documented page-size maxima: legacy `$top` ≤ 100 (defender-api.md §2.2); Graph incidents ≤ 50. */
export const MAX_PAGE_SIZE: Record<Surface, number> = { legacy: 100, graph: 50 }

export const READ_PERMISSIONS: Record<Surface, readonly string[]> = {
  legacy: ['Incident.Read.All', 'Incident.ReadWrite.All'],
  graph: ['SecurityIncident.Read.All', 'SecurityIncident.ReadWrite.All'],
}

export interface ListIncidentsParams {
  baseUrl: string
  surface: Surface
  filter?: IncidentFilter
  /** A raw `$filter` string, ANDed with `filter` (for conditions the builder does not cover). */
  rawFilter?: string
  /** Page size (`$top`), at most {@link MAX_PAGE_SIZE}; default the maximum. */
  top?: number
  /** `$skip` (legacy paging). */
  skip?: number
  /** Graph only: `$expand=alerts` (fails with 500 on big incidents, peers.md §1.2 — off by default). */
  expandAlerts?: boolean
  /** Graph only: `$orderby`, e.g. `lastUpdateDateTime asc`. */
  orderBy?: string
  /** Graph only: `$count=true` → `@odata.count`. */
  count?: boolean
}

export interface Page<T> {
  items: T[]
  /** `@odata.nextLink` when the server sent one (Graph paging). */
  nextLink?: string
  /** `@odata.count` when asked for. */
  count?: number
}

/** `GET /api/incidents` or `GET /v1.0/security/incidents` with the OData options. No I/O. */
export function listIncidentsRequest(params: ListIncidentsParams): DefenderRequest {
  const { surface } = params
  if (surface === 'legacy') warnLegacyUse()
  const top = params.top ?? MAX_PAGE_SIZE[surface]
  if (!Number.isInteger(top) || top < 1 || top > MAX_PAGE_SIZE[surface])
    throw new M365dArgumentError(`page size (top) must be an integer from 1 to ${MAX_PAGE_SIZE[surface]} on the ${surface} surface`)
  if (surface === 'legacy' && (params.expandAlerts || params.orderBy || params.count))
    throw new M365dArgumentError('the legacy incidents API supports only $filter, $top and $skip', { hint: "use surface 'graph' for $expand, $orderby and $count" })
  const built = params.filter ? buildIncidentFilter(params.filter, surface) : undefined
  const filter = [built, params.rawFilter].filter(Boolean).join(' and ')
  const query: string[] = []
  if (filter) query.push(`$filter=${encodeURIComponent(filter)}`)
  query.push(`$top=${top}`)
  if (params.skip) query.push(`$skip=${params.skip}`)
  if (params.expandAlerts) query.push('$expand=alerts')
  if (params.orderBy) query.push(`$orderby=${encodeURIComponent(params.orderBy)}`)
  if (params.count) query.push('$count=true')
  const path = surface === 'legacy' ? '/api/incidents' : '/v1.0/security/incidents'
  return { method: 'GET', url: `${trimSlash(params.baseUrl)}${path}?${query.join('&')}`, surface, group: 'list', idempotent: true, permissions: READ_PERMISSIONS[surface] }
}

/** `{"@odata.context", "value": [...], "@odata.nextLink"?}` → a page. */
export async function processListIncidentsResponse<S extends Surface>(response: Response, surface: S, url: string = response.url): Promise<Page<S extends 'graph' ? GraphIncident : Incident>> {
  void surface
  return processCollection(response, url)
}

/** Shared by every collection: validates the envelope; the items are returned as received. */
export async function processCollection<T>(response: Response, url: string = response.url): Promise<Page<T>> {
  const body = expectObject(await readJson(response, 'GET', url), response.status, url, 'an OData collection')
  if (!Array.isArray(body.value)) throw new InvalidBodyError({ status: response.status, url, reason: 'expected an OData collection with a "value" array' })
  const page: Page<T> = { items: body.value as T[] }
  if (typeof body['@odata.nextLink'] === 'string') page.nextLink = body['@odata.nextLink']
  if (typeof body['@odata.count'] === 'number') page.count = body['@odata.count']
  return page
}

export function trimSlash(url: string): string {
  return url.endsWith('/') ? url.slice(0, -1) : url
}
