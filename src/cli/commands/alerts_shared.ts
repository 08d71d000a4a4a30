import type { GraphAlert } from '../../defender/models.js'
import type { Column } from '../output/table.js'
import { incidentApiOptions } from './incidents_shared.js'

/** alerts_v2 is Graph only: the incidents options without --api. */
const { api: _api, ...graphOnly } = incidentApiOptions
export const alertApiOptions = graphOnly

/** Columns of an alert list (table, tsv, csv). */
export function alertColumns(): Column<GraphAlert>[] {
  return [
    { key: 'id', header: 'ID', get: (a) => a.id, keep: true },
    { key: 'severity', header: 'SEVERITY', get: (a) => String(a.severity) },
    { key: 'status', header: 'STATUS', get: (a) => String(a.status) },
    { key: 'created', header: 'CREATED', get: (a) => String(a.createdDateTime ?? ''), time: true },
    { key: 'incidentId', header: 'INCIDENT', get: (a) => a.incidentId ?? '' },
    { key: 'assignedTo', header: 'ASSIGNED TO', get: (a) => String(a.assignedTo ?? ''), max: 28 },
    { key: 'title', header: 'TITLE', get: (a) => String(a.title ?? ''), flex: true },
  ]
}

/** A readable view of one alert. */
export function renderAlert(a: GraphAlert): string {
  const lines = [`Alert ${a.id}: ${String(a.title ?? '')}`]
  const row = (k: string, v: unknown) => {
    if (v !== undefined && v !== null && v !== '' && !(Array.isArray(v) && v.length === 0)) lines.push(`  ${k.padEnd(15)} ${Array.isArray(v) ? v.join(', ') : String(v)}`)
  }
  row('incident', a.incidentId)
  row('status', a.status)
  row('severity', a.severity)
  row('classification', a.classification)
  row('determination', a.determination)
  row('assigned to', a.assignedTo)
  row('source', a.serviceSource)
  row('detection', a.detectionSource)
  row('created', a.createdDateTime)
  row('last update', a.lastUpdateDateTime)
  row('mitre', a.mitreTechniques)
  row('evidence', a.evidence?.map((e) => e['@odata.type'].replace(/^#microsoft\.graph\.security\./, '')))
  row('portal', a.alertWebUrl)
  for (const c of a.comments ?? []) lines.push(`  comment         ${c.createdDateTime} ${c.createdByDisplayName ?? ''}: ${c.comment}`)
  return lines.join('\n')
}
