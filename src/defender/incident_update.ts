import { M365dArgumentError } from '../lib/errors.js'
import type { DefenderRequest, Surface } from './call.js'
import { incidentStatuses, matchChoice, toGraphClassification, toGraphDetermination, toGraphStatus, validateClassification, type Classification, type Determination, type IncidentStatus } from './enums.js'
import { checkIncidentId } from './incident_get.js'
import { trimSlash } from './incidents_list.js'
import type { GraphIncident, Incident } from './models.js'
import { expectObject, readJson } from './response.js'
import { warnLegacyUse } from './legacy_warning.js'
import { commentBody } from './alert_update.js'

export const WRITE_PERMISSIONS: Record<Surface, readonly string[]> = {
  legacy: ['Incident.ReadWrite.All'],
  graph: ['SecurityIncident.ReadWrite.All'],
}

/**
 * What can be changed, in the legacy names and spellings (DD `api-update-incidents.md`,
 * defender-api.md §2.8); mapped to Graph names for the Graph surface (`tags` → `customTags`).
 * Values are matched case-insensitively and validated before any call.
 */
export interface IncidentUpdate {
  status?: IncidentStatus | (string & {})
  /** Owner; `''` un-assigns (as XSOAR does — semantics undocumented, defender-api.md §2.8). */
  assignedTo?: string
  classification?: Classification | (string & {})
  determination?: Determination | (string & {})
  /** Replaces the whole tag list. */
  tags?: string[]
  /** Appended to the incident's comments (Graph: a separate POST …/comments, see {@link incidentCommentRequest}). */
  comment?: string
}

/** The PATCH body for the surface; throws ERR_INVALID_ARGUMENT (with valid choices) on bad values. */
export function incidentUpdateBody(update: IncidentUpdate, surface: Surface): Record<string, unknown> {
  const body: Record<string, unknown> = {}
  if (update.status !== undefined) {
    const status = matchChoice(update.status, incidentStatuses)
    if (!status) throw new M365dArgumentError(`unknown status "${update.status}"`, { hint: `valid statuses: ${incidentStatuses.join(', ')}` })
    body.status = surface === 'graph' ? toGraphStatus(status) : status
  }
  if (update.assignedTo !== undefined) body.assignedTo = update.assignedTo
  const pair = validateClassification({
    surface: 'legacy',
    ...(update.classification !== undefined && { classification: update.classification }),
    ...(update.determination !== undefined && { determination: update.determination }),
  })
  if (pair.classification) body.classification = surface === 'graph' ? toGraphClassification(pair.classification as Classification) : pair.classification
  if (pair.determination) body.determination = surface === 'graph' ? toGraphDetermination(pair.determination as Determination) : pair.determination
  if (update.tags !== undefined) {
    if (!Array.isArray(update.tags) || update.tags.some((t) => typeof t !== 'string')) throw new M365dArgumentError('tags must be a list of strings')
    body[surface === 'graph' ? 'customTags' : 'tags'] = update.tags
  }
  if (update.comment !== undefined && surface === 'legacy') body.comment = update.comment
  if (Object.keys(body).length === 0 && (surface === 'legacy' || update.comment === undefined))
    throw new M365dArgumentError('nothing to update', { hint: 'set at least one of status, assignedTo, classification/determination, tags, comment' })
  return body
}

/** `PATCH /api/incidents/{id}` or `PATCH /v1.0/security/incidents/{id}`. Not idempotent: retried only on 429. */
export function updateIncidentRequest(params: { baseUrl: string; surface: Surface; id: string | number; update: IncidentUpdate }): DefenderRequest {
  const id = checkIncidentId(params.id, params.surface)
  if (params.surface === 'legacy') warnLegacyUse()
  const path = params.surface === 'legacy' ? `/api/incidents/${id}` : `/v1.0/security/incidents/${encodeURIComponent(id)}`
  return {
    method: 'PATCH',
    url: `${trimSlash(params.baseUrl)}${path}`,
    body: JSON.stringify(incidentUpdateBody(params.update, params.surface)),
    surface: params.surface,
    group: 'update',
    idempotent: false,
    permissions: WRITE_PERMISSIONS[params.surface],
  }
}

/** The updated incident (legacy: the whole entity; Graph: the updated incident). */
export async function processUpdateIncidentResponse<S extends Surface>(response: Response, surface: S, url: string = response.url): Promise<S extends 'graph' ? GraphIncident : Incident> {
  void surface
  return expectObject(await readJson(response, 'PATCH', url), response.status, url, 'an incident') as S extends 'graph' ? GraphIncident : Incident
}

/** Graph: `POST /v1.0/security/incidents/{id}/comments` with an `alertComment`. */
export function incidentCommentRequest(params: { baseUrl: string; id: string | number; comment: string }): DefenderRequest {
  const id = checkIncidentId(params.id, 'graph')
  return {
    method: 'POST',
    url: `${trimSlash(params.baseUrl)}/v1.0/security/incidents/${encodeURIComponent(id)}/comments`,
    body: JSON.stringify(commentBody(params.comment)),
    surface: 'graph',
    group: 'update',
    idempotent: false,
    permissions: WRITE_PERMISSIONS.graph,
  }
}

export async function processIncidentCommentResponse(response: Response, url: string = response.url): Promise<unknown> {
  return readJson(response, 'POST', url)
}
