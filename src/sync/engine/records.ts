import { incidentCreated, incidentId, incidentLastUpdate, incidentRedirectedTo, isGraphIncident, type AnyIncident, type GraphAlert } from '../../defender/index.js'
import type { AlertRecord, IncidentRecord } from '../db/sql/commit_batch.js'
import { graphEnum } from './vocabulary.js'

/**
 * Maps API documents to storage records: a few key columns for querying (in Graph's spelling on
 * either surface, see vocabulary.ts) plus the document exactly as the API returned it (`raw`). Alerts nested in an incident are stored as their own rows; the
 * incident's `raw` keeps them too, so the stored incident is the document as received.
 */
export function incidentRecord(incident: AnyIncident): IncidentRecord {
  return {
    incidentId: incidentId(incident),
    lastUpdateTime: new Date(incidentLastUpdate(incident)).toISOString(),
    createdTime: Number.isNaN(incidentCreated(incident)) ? null : new Date(incidentCreated(incident)).toISOString(),
    status: graphEnum('status', incident.status),
    severity: graphEnum('severity', incident.severity),
    classification: graphEnum('classification', incident.classification),
    determination: graphEnum('determination', incident.determination),
    assignedTo: incident.assignedTo ?? null,
    redirectIncidentId: incidentRedirectedTo(incident),
    raw: withoutAnnotations(incident),
  }
}

/**
 * The document without OData annotations (`@odata.context`, `alerts@odata.context`, …): a GET of
 * one incident carries them and a list item does not, so keeping them would make the same version
 * of an incident look changed (a spurious new version, history row and sink delivery).
 */
export function withoutAnnotations<T extends object>(doc: T): T {
  let copy: Record<string, unknown> | undefined
  for (const key of Object.keys(doc)) {
    if (!key.includes('@odata.')) continue
    copy ??= { ...(doc as Record<string, unknown>) }
    delete copy[key]
  }
  return (copy ?? doc) as T
}

/** Alerts carried inside an incident (legacy always; Graph with `$expand=alerts`). */
export function nestedAlertRecords(incident: AnyIncident): AlertRecord[] {
  const alerts = (incident as { alerts?: unknown[] }).alerts
  if (!Array.isArray(alerts)) return []
  return alerts.map((a) => (isGraphIncident(incident) ? graphAlertRecord(a as GraphAlert) : legacyAlertRecord(a as LegacyAlertShape, incidentId(incident))))
}

interface LegacyAlertShape {
  alertId: string
  incidentId?: number | string | null
  status?: string | null
  severity?: string | null
  title?: string | null
  creationTime?: string | null
  lastUpdatedTime?: string | null
}

function legacyAlertRecord(a: LegacyAlertShape, parentId: string): AlertRecord {
  return {
    alertId: String(a.alertId),
    incidentId: a.incidentId === undefined || a.incidentId === null ? parentId : String(a.incidentId),
    status: graphEnum('status', a.status),
    severity: graphEnum('severity', a.severity),
    title: a.title ?? null,
    createdTime: a.creationTime ?? null,
    lastUpdateTime: a.lastUpdatedTime ?? null,
    raw: withoutAnnotations(a),
  }
}

export function graphAlertRecord(a: GraphAlert): AlertRecord {
  const x = a as GraphAlert & { incidentId?: string | null; lastUpdateDateTime?: string | null; createdDateTime?: string | null; title?: string | null }
  return {
    alertId: String(x.id),
    incidentId: x.incidentId ?? null,
    status: graphEnum('status', x.status as string | undefined),
    severity: graphEnum('severity', x.severity as string | undefined),
    title: x.title ?? null,
    createdTime: x.createdDateTime ?? null,
    lastUpdateTime: x.lastUpdateDateTime ?? null,
    raw: withoutAnnotations(a),
  }
}
