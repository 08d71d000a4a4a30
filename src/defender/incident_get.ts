import { M365dArgumentError } from '../lib/errors.js'
import type { DefenderRequest, Surface } from './call.js'
import { READ_PERMISSIONS, trimSlash } from './incidents_list.js'
import type { GraphIncident, Incident } from './models.js'
import { expectObject, readJson } from './response.js'
import { warnLegacyUse } from './legacy_warning.js'

export interface GetIncidentParams {
  baseUrl: string
  surface: Surface
  id: string | number
  /** Graph only: `$expand=alerts`. */
  expandAlerts?: boolean
}

/** `GET /api/incidents/{id}` (100/min, defender-api.md §2.7) or `GET /v1.0/security/incidents/{id}`. */
export function getIncidentRequest(params: GetIncidentParams): DefenderRequest {
  const id = checkIncidentId(params.id, params.surface)
  if (params.surface === 'legacy') warnLegacyUse()
  const path = params.surface === 'legacy' ? `/api/incidents/${id}` : `/v1.0/security/incidents/${encodeURIComponent(id)}`
  const query = params.expandAlerts && params.surface === 'graph' ? '?$expand=alerts' : ''
  return { method: 'GET', url: `${trimSlash(params.baseUrl)}${path}${query}`, surface: params.surface, group: 'get', idempotent: true, permissions: READ_PERMISSIONS[params.surface] }
}

/** The single entity (`@odata.context …/$entity` followed by the incident's properties). */
export async function processGetIncidentResponse<S extends Surface>(response: Response, surface: S, url: string = response.url): Promise<S extends 'graph' ? GraphIncident : Incident> {
  void surface
  return expectObject(await readJson(response, 'GET', url), response.status, url, 'an incident') as S extends 'graph' ? GraphIncident : Incident
}

/**
 * Legacy ids are longs (defender-api.md §2.3) — reject anything else before a call is spent;
 * Graph ids are strings of digits too, but only path-safety is enforced there.
 */
export function checkIncidentId(id: string | number, surface: Surface): string {
  const s = String(id).trim()
  if (surface === 'legacy' ? !/^\d{1,19}$/.test(s) : !/^[A-Za-z0-9_.-]{1,128}$/.test(s))
    throw new M365dArgumentError(`invalid incident id "${String(id).slice(0, 40)}"`, { hint: surface === 'legacy' ? 'incident ids are numbers, e.g. 924' : 'use the incident id as listed' })
  return s
}
