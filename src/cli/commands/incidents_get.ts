import { checkIncidentId } from '../../defender/incident_get.js'
import type { AnyIncident, GraphIncident, Incident } from '../../defender/models.js'
import { isGraphIncident } from '../../defender/models.js'
import { defineCommand } from '../command.js'
import { CliError } from '../errors.js'
import { expectPositionals } from '../parse.js'
import { renderTable, type Column, type TableOptions } from '../output/table.js'
import { incidentApiOptions, openClient, surfaceOf } from './incidents_shared.js'

export default defineCommand({
  name: 'get',
  summary: 'Show one incident with its alerts',
  usage: 'ID',
  description: `
-o table (the default) shows the incident and its alerts; -o json|yaml prints the incident as the
API returned it (Graph: with $expand=alerts).`,
  options: { ...incidentApiOptions },
  examples: ['m365d incidents get 924', 'm365d incidents get 924 --json | jq .alerts[].title', 'm365d incidents get 924 --api graph'],
  async run(ctx) {
    expectPositionals(ctx.positionals, 1, ctx.commandPath)
    const id = ctx.positionals[0]
    if (id === undefined) throw new CliError('ERR_CLI_MISSING_ARGUMENT', `${ctx.commandPath} needs an incident ID`, { hint: `e.g. ${ctx.commandPath} 924` })
    const { surface, config } = await surfaceOf(ctx, ctx.values)
    checkIncidentId(id, surface) // non-numeric ids fail here, before any token or call
    const { client, close } = await openClient(ctx, ctx.values, surface, config)
    try {
      const incident = await client.getIncident(id, { ...(surface === 'graph' && { expandAlerts: true }), ...(ctx.io.signal && { signal: ctx.io.signal }) })
      ctx.printJson(incident, { text: (i) => renderIncident(i, ctx.output.target) })
    } finally {
      close()
    }
  },
})

/** A readable view of one incident (both surfaces); alerts are a table from the one table renderer. */
export function renderIncident(i: AnyIncident, table: Pick<TableOptions, 'tty' | 'width'>): string {
  const v = detailOf(i)
  const lines = [`Incident ${v.id}: ${v.name}`]
  const row = (k: string, value: unknown) => {
    if (value !== undefined && value !== null && value !== '') lines.push(`  ${k.padEnd(15)} ${Array.isArray(value) ? value.join(', ') : String(value)}`)
  }
  row('status', v.status)
  row('severity', v.severity)
  row('classification', v.classification)
  row('determination', v.determination)
  row('assigned to', v.assignedTo)
  row('created', v.created)
  row('last update', v.lastUpdate)
  row('merged into', v.mergedInto)
  row('tags', v.tags?.length ? v.tags : undefined)
  row('portal', v.portal)
  for (const c of v.comments) lines.push(`  comment         ${c.at} ${c.by ?? ''}: ${c.text}`)
  // Graph returns alerts only with $expand=alerts (a PATCH answer has none): no "Alerts (0)" then.
  if (v.alerts === undefined) return lines.join('\n')
  lines.push(`Alerts (${v.alerts.length})`)
  if (v.alerts.length) lines.push(alertTable(v.alerts, table))
  return lines.join('\n')
}

/** One incident in the surface-neutral terms of {@link renderIncident}. */
interface IncidentDetail {
  id: string | number
  name: string
  status: unknown
  severity: unknown
  classification: unknown
  determination: unknown
  assignedTo: unknown
  created: unknown
  lastUpdate: unknown
  mergedInto: unknown
  tags: string[] | undefined
  portal: unknown
  comments: { at: unknown; by: string | undefined; text: string }[]
  /** undefined: not expanded (Graph without $expand=alerts). */
  alerts: AlertRow[] | undefined
}

function detailOf(i: AnyIncident): IncidentDetail {
  if (isGraphIncident(i)) {
    const g = i as GraphIncident
    return {
      id: g.id, name: g.displayName, status: g.status, severity: g.severity, classification: g.classification, determination: g.determination,
      assignedTo: g.assignedTo, created: g.createdDateTime, lastUpdate: g.lastUpdateDateTime, mergedInto: g.redirectIncidentId, tags: g.customTags, portal: g.incidentWebUrl,
      comments: (g.comments ?? []).map((c) => ({ at: c.createdDateTime, by: c.createdByDisplayName ?? undefined, text: c.comment })),
      alerts: g.alerts?.map((a) => ({ id: a.id, severity: a.severity, status: a.status, title: a.title, mitre: (a.mitreTechniques ?? []).join(' ') })),
    }
  }
  const l = i as Incident
  return {
    id: l.incidentId, name: l.incidentName, status: l.status, severity: l.severity, classification: l.classification, determination: l.determination,
    assignedTo: l.assignedTo, created: l.createdTime, lastUpdate: l.lastUpdateTime, mergedInto: l.redirectIncidentId, tags: l.tags, portal: l.incidentUri,
    comments: (l.comments ?? []).map((c) => ({ at: c.createdTime, by: c.createdBy ?? undefined, text: c.comment })),
    alerts: (l.alerts ?? []).map((a) => ({ id: a.alertId, severity: String(a.severity), status: String(a.status), title: a.title, mitre: (a.mitreTechniques ?? []).join(' ') })),
  }
}

interface AlertRow {
  id: string
  severity: string
  status: string
  title: string
  mitre: string
}

/** Alert rows, indented under the incident, aligned whatever the ids' lengths. */
function alertTable(rows: AlertRow[], table: Pick<TableOptions, 'tty' | 'width'>): string {
  const columns: Column<AlertRow>[] = [
    { key: 'id', header: 'ID', keep: true },
    { key: 'severity', header: 'SEVERITY' },
    { key: 'status', header: 'STATUS' },
    { key: 'title', header: 'TITLE', flex: true },
    ...(rows.some((r) => r.mitre) ? [{ key: 'mitre', header: 'MITRE', flex: true }] : []),
  ]
  const text = renderTable(columns, rows, { tty: table.tty, ...(table.width !== undefined && { width: table.width - 2 }) })
  return text.split('\n').map((l) => `  ${l}`).join('\n')
}
