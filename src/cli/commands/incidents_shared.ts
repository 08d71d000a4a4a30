import type { DefenderClient } from '../../defender/client.js'
import type { Surface } from '../../defender/call.js'
import type { AnyIncident, GraphIncident, Incident } from '../../defender/models.js'
import { isGraphIncident } from '../../defender/models.js'
import type { CommandContext, OptionSpecs } from '../command.js'
import { openApp } from '../app_settings.js'
import { apiOptions, credentialOptions } from '../config.js'
import { CliError } from '../errors.js'

/** Options every `m365d incidents …` command takes. */
export const incidentApiOptions = {
  ...credentialOptions,
  ...apiOptions,
  api: { type: 'string', valueName: 'legacy|graph', description: 'Which API: legacy api.security.microsoft.com /api/incidents (default) or Graph /v1.0/security/incidents (M365D_API)' },
  'graph-api': { type: 'string', valueName: 'URL', description: 'Microsoft Graph base URL, e.g. the emulator URL (M365D_GRAPH_API)' },
} as const satisfies OptionSpecs

type ApiValues = { [K in keyof typeof incidentApiOptions]?: (typeof incidentApiOptions)[K] extends { type: 'boolean' } ? boolean : string }

export function surfaceOf(ctx: Pick<CommandContext, 'io'>, values: ApiValues): Surface {
  const api = values.api ?? (ctx.io.env.M365D_API || undefined) ?? 'legacy'
  if (api !== 'legacy' && api !== 'graph') throw new CliError('ERR_CLI_INVALID_OPTION', `unknown --api '${api.slice(0, 20)}'`, { hint: 'use --api legacy or --api graph' })
  return api
}

/** A DefenderClient for the configured app and tenant; `close()` stops the token provider. */
export async function openClient(ctx: CommandContext, values: ApiValues, surface: Surface): Promise<{ client: DefenderClient<Surface>; close(): void }> {
  const app = await openApp(ctx, values)
  // An explicit resource (flag/env/file) wins; otherwise the audience of the chosen API.
  const client = app.clientFor<Surface>(app.tenant, { surface, resource: app.resource })
  return { client, close: () => app.close() }
}

export { emulatorGraphApi } from '../app_settings.js'

/** One display row per incident, whatever the surface. */
export interface Row {
  id: string
  severity: string
  status: string
  updated: string
  assignedTo: string
  alerts: string
  name: string
}

export function toRow(i: AnyIncident): Row {
  if (isGraphIncident(i)) {
    const g = i as GraphIncident
    return { id: g.id, severity: g.severity, status: g.status, updated: g.lastUpdateDateTime, assignedTo: g.assignedTo ?? '', alerts: g.alerts ? String(g.alerts.length) : '', name: g.displayName }
  }
  const l = i as Incident
  return { id: String(l.incidentId), severity: l.severity, status: l.status, updated: l.lastUpdateTime, assignedTo: l.assignedTo ?? '', alerts: String(l.alerts?.length ?? 0), name: l.incidentName }
}

const COLUMNS: Array<[keyof Row, string]> = [
  ['id', 'ID'],
  ['severity', 'SEVERITY'],
  ['status', 'STATUS'],
  ['updated', 'LAST UPDATE'],
  ['assignedTo', 'ASSIGNED TO'],
  ['alerts', 'ALERTS'],
  ['name', 'NAME'],
]

/** Terminal width: COLUMNS, else the stream's, else 120. */
export function terminalWidth(ctx: Pick<CommandContext, 'io'>): number {
  const fromEnv = Number(ctx.io.env.COLUMNS)
  if (Number.isInteger(fromEnv) && fromEnv > 20) return fromEnv
  const cols = (ctx.io.stdout as { columns?: number }).columns
  return cols && cols > 20 ? cols : 120
}

/**
 * A table that fits `width`: every column but NAME sized to its content (ASSIGNED TO capped),
 * NAME gets what is left and is cut with an ellipsis; when NAME would get fewer than 30
 * characters, ALERTS and then ASSIGNED TO are dropped. Times are shortened to minutes (UTC).
 */
export function renderTable(rows: Row[], width: number): string {
  const shown = rows.map((r) => ({ ...r, updated: shortTime(r.updated) }))
  const widthOf = (key: keyof Row, title: string) => Math.min(key === 'assignedTo' ? 28 : 40, Math.max(title.length, ...shown.map((r) => r[key].length)))
  const fixed = (cs: typeof COLUMNS) => cs.filter(([k]) => k !== 'name').reduce((sum, [k, t]) => sum + widthOf(k, t) + 2, 0)
  let cols = COLUMNS
  for (const drop of ['alerts', 'assignedTo'] as const) if (width - fixed(cols) < 30) cols = cols.filter(([k]) => k !== drop)
  const widths = cols.map(([k, t]) => (k === 'name' ? Math.max(8, width - fixed(cols)) : widthOf(k, t)))
  const cell = (text: string, w: number) => (text.length > w ? `${text.slice(0, Math.max(0, w - 1))}…` : text.padEnd(w))
  const line = (values: string[]) => values.map((v, i) => cell(v, widths[i]!)).join('  ').trimEnd()
  return [line(cols.map(([, t]) => t)), ...shown.map((r) => line(cols.map(([k]) => r[k])))].join('\n')
}

/** `2026-11-21T10:14:48.273Z` → `2026-11-21 10:14Z` (full precision stays in json/ndjson/csv). */
function shortTime(iso: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})/.exec(iso)
  return m ? `${m[1]} ${m[2]}Z` : iso
}

/** RFC 4180 CSV; cells that a spreadsheet would run as a formula (= + - @) are prefixed with '. */
export function csvLine(values: string[]): string {
  return values
    .map((v) => {
      const safe = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v
      return /[",\n\r]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe
    })
    .join(',')
}

export const CSV_HEADER = COLUMNS.map(([k]) => k)
