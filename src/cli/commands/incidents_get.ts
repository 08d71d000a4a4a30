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
  const lines: string[] = []
  const row = (k: string, v: unknown) => {
    if (v !== undefined && v !== null && v !== '') lines.push(`  ${k.padEnd(15)} ${Array.isArray(v) ? v.join(', ') : String(v)}`)
  }
  if (isGraphIncident(i)) {
    const g = i as GraphIncident
    lines.push(`Incident ${g.id}: ${g.displayName}`)
    row('status', g.status)
    row('severity', g.severity)
    row('classification', g.classification)
    row('determination', g.determination)
    row('assigned to', g.assignedTo)
    row('created', g.createdDateTime)
    row('last update', g.lastUpdateDateTime)
    row('merged into', g.redirectIncidentId)
    row('tags', g.customTags?.length ? g.customTags : undefined)
    row('portal', g.incidentWebUrl)
    for (const c of g.comments ?? []) lines.push(`  comment         ${c.createdDateTime} ${c.createdByDisplayName ?? ''}: ${c.comment}`)
    // Graph returns alerts only with $expand=alerts (a PATCH answer has none): no "Alerts (0)" then.
    if (g.alerts === undefined) return lines.join('\n')
    lines.push(`Alerts (${g.alerts.length})`)
    if (g.alerts.length) lines.push(alertTable(g.alerts.map((a) => ({ id: a.id, severity: a.severity, status: a.status, title: a.title, mitre: (a.mitreTechniques ?? []).join(' ') })), table))
    return lines.join('\n')
  }
  const l = i as Incident
  lines.push(`Incident ${l.incidentId}: ${l.incidentName}`)
  row('status', l.status)
  row('severity', l.severity)
  row('classification', l.classification)
  row('determination', l.determination)
  row('assigned to', l.assignedTo)
  row('created', l.createdTime)
  row('last update', l.lastUpdateTime)
  row('merged into', l.redirectIncidentId)
  row('tags', l.tags?.length ? l.tags : undefined)
  row('portal', l.incidentUri)
  for (const c of l.comments ?? []) lines.push(`  comment         ${c.createdTime} ${c.createdBy ?? ''}: ${c.comment}`)
  const alerts = l.alerts ?? []
  lines.push(`Alerts (${alerts.length})`)
  if (alerts.length) lines.push(alertTable(alerts.map((a) => ({ id: a.alertId, severity: String(a.severity), status: String(a.status), title: a.title, mitre: (a.mitreTechniques ?? []).join(' ') })), table))
  return lines.join('\n')
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
    { key: 'id', header: 'ID' },
    { key: 'severity', header: 'SEVERITY' },
    { key: 'status', header: 'STATUS' },
    { key: 'title', header: 'TITLE', flex: true },
    ...(rows.some((r) => r.mitre) ? [{ key: 'mitre', header: 'MITRE', flex: true }] : []),
  ]
  const text = renderTable(columns, rows, { tty: table.tty, ...(table.width !== undefined && { width: table.width - 2 }) })
  return text.split('\n').map((l) => `  ${l}`).join('\n')
}
