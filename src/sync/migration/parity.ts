import { incidentId, incidentLastUpdate, isGraphIncident, type AnyIncident, type GraphIncident, type Incident } from '../../defender/index.js'
import { graphEnum } from '../engine/vocabulary.js'

/**
 * The legacy↔Graph parity report of one tenant (issue 8 §2 "migrate check"): the same window read
 * on both surfaces, mapped to one comparable form, then diffed — counts, ids on one side only,
 * and fields that differ after mapping. Pure: the listing is migrate_check.ts.
 */
export interface ComparableIncident {
  id: string
  lastUpdateTime: string
  createdTime: string
  status: string | null
  severity: string | null
  classification: string | null
  determination: string | null
  assignedTo: string | null
  redirectIncidentId: string | null
  displayName: string | null
  tags: string[]
  alertIds: string[]
}

export const COMPARED_FIELDS = ['lastUpdateTime', 'createdTime', 'status', 'severity', 'classification', 'determination', 'assignedTo', 'redirectIncidentId', 'displayName', 'tags', 'alertIds'] as const
export type ComparedField = (typeof COMPARED_FIELDS)[number]

export interface FieldDifference {
  id: string
  field: ComparedField
  legacy: unknown
  graph: unknown
}

export interface ParityResult {
  legacyCount: number
  graphCount: number
  onlyLegacy: string[]
  onlyGraph: string[]
  differences: FieldDifference[]
  legacyAlerts: number
  graphAlerts: number
}

const iso = (t: string) => new Date(Date.parse(t)).toISOString()

/**
 * One incident in the comparable form. Times to millisecond ISO (the surfaces render fractions
 * differently), enums in Graph's spelling (vocabulary.ts), legacy `tags` ≙ Graph `customTags`
 * (systemTags are Graph-only), alert ids sorted. A Graph incident listed without `$expand=alerts`
 * has `alertIds` undefined → not compared.
 */
export function comparable(i: AnyIncident): ComparableIncident {
  if (isGraphIncident(i)) {
    const g = i as GraphIncident
    return {
      id: g.id,
      lastUpdateTime: iso(g.lastUpdateDateTime),
      createdTime: iso(g.createdDateTime),
      status: graphEnum('status', g.status),
      severity: graphEnum('severity', g.severity),
      classification: graphEnum('classification', g.classification),
      determination: graphEnum('determination', g.determination),
      assignedTo: g.assignedTo ?? null,
      redirectIncidentId: g.redirectIncidentId ?? null,
      displayName: g.displayName ?? null,
      tags: [...(g.customTags ?? g.tags ?? [])].sort(),
      alertIds: (g.alerts ?? []).map((a) => a.id).sort(),
    }
  }
  const l = i as Incident
  return {
    id: String(l.incidentId),
    lastUpdateTime: iso(l.lastUpdateTime),
    createdTime: iso(l.createdTime),
    status: graphEnum('status', l.status),
    severity: graphEnum('severity', l.severity),
    classification: graphEnum('classification', l.classification),
    determination: graphEnum('determination', l.determination),
    assignedTo: l.assignedTo ?? null,
    redirectIncidentId: l.redirectIncidentId === null || l.redirectIncidentId === undefined ? null : String(l.redirectIncidentId),
    displayName: l.incidentName ?? null,
    tags: [...(l.tags ?? [])].sort(),
    alertIds: (l.alerts ?? []).map((a) => String(a.alertId)).sort(),
  }
}

export function compareIncidents(legacy: AnyIncident[], graph: AnyIncident[]): ParityResult {
  const l = new Map(legacy.map((i) => [incidentId(i), comparable(i)]))
  const g = new Map(graph.map((i) => [incidentId(i), comparable(i)]))
  const differences: FieldDifference[] = []
  for (const [id, a] of l) {
    const b = g.get(id)
    if (!b) continue
    for (const field of COMPARED_FIELDS) {
      if (JSON.stringify(a[field]) !== JSON.stringify(b[field])) differences.push({ id, field, legacy: a[field], graph: b[field] })
    }
  }
  const byNumber = (x: string, y: string) => (x.length - y.length) || x.localeCompare(y)
  return {
    legacyCount: l.size,
    graphCount: g.size,
    onlyLegacy: [...l.keys()].filter((id) => !g.has(id)).sort(byNumber),
    onlyGraph: [...g.keys()].filter((id) => !l.has(id)).sort(byNumber),
    differences,
    legacyAlerts: [...l.values()].reduce((n, i) => n + i.alertIds.length, 0),
    graphAlerts: [...g.values()].reduce((n, i) => n + i.alertIds.length, 0),
  }
}

/** Newest update time of either copy (epoch ms), to tell a change made during the check from a real mismatch. */
export function newestUpdate(...copies: (AnyIncident | undefined)[]): number {
  return Math.max(-Infinity, ...copies.filter((c): c is AnyIncident => c !== undefined).map(incidentLastUpdate))
}
