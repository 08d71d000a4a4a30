/**
 * Graph `PATCH /v1.0/security/alerts_v2/{id}` (security-alert-update): `status`, `classification`,
 * `determination`, `assignedTo`. The alert's incident counts as updated too (its lastUpdateTime moves),
 * as in the portal, so incident pollers see alert triage.
 */
import { ALERT_STATUSES, type Alert, type AlertStatus, type Classification, type Determination, type Incident } from './model.js'
import { checkPair, enumValue, parseClassification, parseDetermination, PatchError } from './patch.js'

export interface AlertChanges {
  status?: AlertStatus
  classification?: Classification
  determination?: Determination
  assignedTo?: string | null
}

const UPDATABLE = ['status', 'classification', 'determination', 'assignedTo', '@odata.type']

export function parseAlertChanges(body: unknown, alert: Alert): AlertChanges {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new PatchError('The request body must be a JSON object.')
  const b = body as Record<string, unknown>
  for (const key of Object.keys(b)) {
    if (!UPDATABLE.includes(key)) throw new PatchError(`Property '${key}' cannot be updated. Updatable properties: status, classification, determination, assignedTo.`)
  }
  const changes: AlertChanges = {}
  if ('status' in b) changes.status = enumValue('graph', 'status', b.status, ALERT_STATUSES)
  if ('classification' in b) changes.classification = parseClassification('graph', b.classification)
  if ('determination' in b) changes.determination = parseDetermination('graph', b.determination)
  if ('assignedTo' in b) {
    if (b.assignedTo !== null && typeof b.assignedTo !== 'string') throw new PatchError("'assignedTo' must be a string (or null to unassign).")
    changes.assignedTo = b.assignedTo === '' ? null : (b.assignedTo as string | null)
  }
  if (Object.keys(changes).length === 0) throw new PatchError('The request body contains no property to update.')
  checkPair('graph', alert, changes)
  return changes
}

export function applyAlertChanges(alert: Alert, incident: Incident, changes: AlertChanges, now: number): void {
  if (changes.status !== undefined) {
    alert.status = changes.status
    alert.resolvedTime = changes.status === 'Resolved' ? (alert.resolvedTime ?? now) : null
  }
  if (changes.classification !== undefined) alert.classification = changes.classification
  if (changes.determination !== undefined) alert.determination = changes.determination
  if (changes.assignedTo !== undefined) alert.assignedTo = changes.assignedTo
  alert.lastUpdatedTime = Math.max(now, alert.lastUpdatedTime + 1)
  incident.lastUpdateTime = Math.max(now, incident.lastUpdateTime + 1)
}
