/**
 * Graph alert write-back (alerts_v2), as request/process pairs:
 * - `PATCH /v1.0/security/alerts_v2/{id}` with `status`, `assignedTo`, `classification`,
 *   `determination` (security-alert-update.md; SecurityAlert.ReadWrite.All),
 * - `POST /v1.0/security/alerts_v2/{id}/comments` with an `alertComment`
 *   (security-alert-post-comments.md; answers with every comment of the alert).
 * Values are validated before any call; classification/determination take either surface's
 * spelling (and the docs' other spellings: compromisedUser, clean, insufficientData,
 * confirmedUserActivity) and are sent in Graph's.
 */
import { M365dArgumentError } from '../lib/errors.js'
import type { DefenderRequest } from './call.js'
import { checkAlertId } from './alerts_list.js'
import { matchChoice, toGraphClassification, toGraphDetermination, validateClassification, type Classification, type Determination } from './enums.js'
import { trimSlash } from './incidents_list.js'
import type { GraphAlert, GraphComment } from './models.js'
import { expectObject, readJson } from './response.js'
import { InvalidBodyError } from './errors.js'

export const ALERT_WRITE_PERMISSIONS: readonly string[] = ['SecurityAlert.ReadWrite.All']

/** Alert statuses a client may set (microsoft.graph.security.alertStatus without the sentinels). */
export const ALERT_SETTABLE_STATUSES = ['new', 'inProgress', 'resolved'] as const

export interface AlertUpdate {
  status?: (typeof ALERT_SETTABLE_STATUSES)[number] | (string & {})
  /** Owner; `''` un-assigns. */
  assignedTo?: string
  classification?: string
  determination?: string
}

/** The PATCH body in Graph spellings; throws ERR_INVALID_ARGUMENT (with the valid choices) on bad values. */
export function alertUpdateBody(update: AlertUpdate): Record<string, unknown> {
  const body: Record<string, unknown> = {}
  if (update.status !== undefined) {
    const status = matchChoice(update.status, ALERT_SETTABLE_STATUSES)
    if (!status) throw new M365dArgumentError(`unknown alert status "${update.status}"`, { hint: `valid statuses: ${ALERT_SETTABLE_STATUSES.join(', ')}` })
    body.status = status
  }
  if (update.assignedTo !== undefined) body.assignedTo = update.assignedTo
  const pair = { ...(update.classification !== undefined && { classification: update.classification }), ...(update.determination !== undefined && { determination: update.determination }) }
  let legacy: ReturnType<typeof validateClassification> | undefined
  try {
    legacy = validateClassification({ surface: 'legacy', ...pair })
  } catch {
    legacy = undefined
  }
  if (legacy) {
    if (legacy.classification) body.classification = toGraphClassification(legacy.classification as Classification)
    if (legacy.determination) body.determination = toGraphDetermination(legacy.determination as Determination)
  } else {
    const graph = validateClassification({ surface: 'graph', ...pair })
    if (graph.classification) body.classification = graph.classification
    if (graph.determination) body.determination = graph.determination
  }
  if (Object.keys(body).length === 0) throw new M365dArgumentError('nothing to update', { hint: 'set at least one of status, assignedTo, classification/determination' })
  return body
}

/** `PATCH /v1.0/security/alerts_v2/{id}`. Not idempotent: retried only on 429. */
export function updateAlertRequest(params: { baseUrl: string; id: string; update: AlertUpdate }): DefenderRequest {
  const id = checkAlertId(params.id)
  return {
    method: 'PATCH',
    url: `${trimSlash(params.baseUrl)}/v1.0/security/alerts_v2/${encodeURIComponent(id)}`,
    body: JSON.stringify(alertUpdateBody(params.update)),
    surface: 'graph',
    group: 'update',
    idempotent: false,
    permissions: ALERT_WRITE_PERMISSIONS,
    quotaScope: 'alerts',
  }
}

/** The alert as the server now has it. */
export async function processUpdateAlertResponse(response: Response, url: string = response.url): Promise<GraphAlert> {
  return expectObject(await readJson(response, 'PATCH', url), response.status, url, 'an alert') as GraphAlert
}

/** `POST /v1.0/security/alerts_v2/{id}/comments`. */
export function alertCommentRequest(params: { baseUrl: string; id: string; comment: string }): DefenderRequest {
  const id = checkAlertId(params.id)
  return {
    method: 'POST',
    url: `${trimSlash(params.baseUrl)}/v1.0/security/alerts_v2/${encodeURIComponent(id)}/comments`,
    body: JSON.stringify(commentBody(params.comment)),
    surface: 'graph',
    group: 'update',
    idempotent: false,
    permissions: ALERT_WRITE_PERMISSIONS,
    quotaScope: 'alerts',
  }
}

/** The `alertComment` body both comment POSTs send (incidents and alerts). */
export function commentBody(comment: string): Record<string, unknown> {
  if (typeof comment !== 'string' || comment.trim() === '') throw new M365dArgumentError('the comment is empty', { hint: 'pass the comment text' })
  return { '@odata.type': 'microsoft.graph.security.alertComment', comment }
}

/** Every comment of the alert or incident after the POST (`{"value": [alertComment…]}`). */
export async function processCommentsResponse(response: Response, url: string = response.url): Promise<GraphComment[]> {
  const body = expectObject(await readJson(response, 'POST', url), response.status, url, 'an alertComment collection')
  if (!Array.isArray(body.value)) throw new InvalidBodyError({ status: response.status, url, reason: 'expected an alertComment collection with a "value" array' })
  return body.value as GraphComment[]
}
