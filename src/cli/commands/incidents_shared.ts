import type { DefenderClient } from '../../defender/client.js'
import type { Surface } from '../../defender/call.js'
import type { AnyIncident, GraphIncident, Incident } from '../../defender/models.js'
import { isGraphIncident } from '../../defender/models.js'
import type { CommandContext, OptionSpecs } from '../command.js'
import { openApp } from '../app_settings.js'
import { apiOptions, credentialOptions, loadConfig, type CliConfig } from '../config.js'
import type { Column } from '../output/table.js'

/** Options every `m365d incidents …` command takes. */
export const incidentApiOptions = {
  ...credentialOptions,
  ...apiOptions,
  api: { type: 'string', valueName: 'graph|legacy', description: 'Which API: Graph /v1.0/security/incidents (default) or the legacy api.security.microsoft.com /api/incidents, retiring 1 Feb 2027 (M365D_API, config "api")' },
  'graph-api': { type: 'string', valueName: 'URL', description: 'Microsoft Graph base URL, e.g. the emulator URL (M365D_GRAPH_API)' },
} as const satisfies OptionSpecs

type ApiValues = { [K in keyof typeof incidentApiOptions]?: (typeof incidentApiOptions)[K] extends { type: 'boolean' } ? boolean : string }

/**
 * The configuration and the API surface it selects: Graph unless `--api legacy`, M365D_API=legacy or
 * `"api": "legacy"` in the config file (the legacy API stops on 1 Feb 2027, MC1220762). Read before
 * any token is asked for, so bad input fails first.
 */
export async function surfaceOf(ctx: CommandContext, values: ApiValues): Promise<{ surface: Surface; config: CliConfig }> {
  const config = await loadConfig(ctx, values)
  return { surface: config.api, config }
}

/** A DefenderClient for the configured app and tenant; `close()` stops the token provider. */
export async function openClient(ctx: CommandContext, values: ApiValues, surface: Surface, config?: CliConfig): Promise<{ client: DefenderClient<Surface>; close(): void }> {
  const app = await openApp(ctx, values, config ? { config } : {})
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

/**
 * Columns of an incident list (table, tsv, csv). csv/tsv keys are the row fields; times are
 * shortened to minutes on a terminal only, piped output keeps full precision.
 */
export function incidentColumns(tty: boolean): Column<AnyIncident>[] {
  const field = (key: keyof Row) => (i: AnyIncident) => toRow(i)[key]
  return [
    { key: 'id', header: 'ID', get: field('id'), keep: true },
    { key: 'severity', header: 'SEVERITY', get: field('severity') },
    { key: 'status', header: 'STATUS', get: field('status') },
    { key: 'updated', header: 'LAST UPDATE', get: tty ? (i) => shortTime(toRow(i).updated) : field('updated') },
    { key: 'assignedTo', header: 'ASSIGNED TO', get: field('assignedTo'), max: 28 },
    { key: 'alerts', header: 'ALERTS', get: field('alerts'), right: true },
    { key: 'name', header: 'NAME', get: field('name'), flex: true },
  ]
}

/** `2026-11-21T10:14:48.273Z` → `2026-11-21 10:14Z` (full precision stays in json/ndjson/csv). */
function shortTime(iso: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})/.exec(iso)
  return m ? `${m[1]} ${m[2]}Z` : iso
}
