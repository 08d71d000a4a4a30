import { M365dArgumentError, M365dError, redact } from '../../lib/errors.js'
import type { Surface } from '../../defender/index.js'
import { openApp } from '../app_settings.js'
import { loadConfig } from '../config.js'
import { exitCodeFor, ExitCode } from '../errors.js'
import { fanOutOptions, selectTenants } from './hunt_tenants.js'
import { incidentStatuses, matchChoice, severities } from '../../defender/enums.js'
import type { IncidentFilter } from '../../defender/filter.js'
import type { AnyIncident } from '../../defender/models.js'
import { defineCommand, type CommandContext } from '../command.js'
import { CliError } from '../errors.js'
import { expectPositionals } from '../parse.js'
import { incidentApiOptions, incidentColumns, openClient, surfaceOf } from './incidents_shared.js'

const DEFAULT_TOP = 50

export default defineCommand({
  name: 'list',
  summary: 'List incidents (newest first), filtered by update time, status, severity, owner',
  description: `
--since and --updated-since filter on the last update time (lastUpdateTime / lastUpdateDateTime),
which is what changes when an incident is updated. Without --top or --all at most ${DEFAULT_TOP} incidents are
listed. The legacy API cannot filter on severity: m365d filters it client-side there. Paging,
quotas (50 list calls/min, 1,500/h), retries and Retry-After are handled by the library.

Across tenants: --tenants a,b,c, or --all-tenants = every active tenant of the registry that
'm365d tenants' manages (same store options: --data-dir, --database-url, M365D_DATABASE_URL; --tag
narrows it; M365D_TENANTS only when there is no store). --top/--all apply per tenant, rows get a
TenantId column (the tenant id), and with -o json/yaml the document is {tenants: [{tenantId, name,
status, error?, rows}], rows: [...]}. A failing tenant is reported and the others are listed; the
exit code is then the first failure's.`,
  options: {
    ...incidentApiOptions,
    since: { type: 'string', valueName: 'DURATION', description: 'Updated within this time, e.g. 30m, 12h, 7d, 2w' },
    'updated-since': { type: 'string', valueName: 'ISO', description: 'Updated at or after this date-time, e.g. 2026-01-02T00:00:00Z' },
    'created-since': { type: 'string', valueName: 'ISO', description: 'Created at or after this date-time' },
    status: { type: 'string', multiple: true, valueName: 'STATUS', description: `Active | InProgress | Resolved | Redirected` },
    severity: { type: 'string', multiple: true, valueName: 'SEVERITY', description: 'Informational | Low | Medium | High' },
    'assigned-to': { type: 'string', valueName: 'UPN', description: 'Owner, e.g. secop@contoso.com' },
    top: { type: 'string', valueName: 'N', description: `List at most N incidents (default ${DEFAULT_TOP})` },
    all: { type: 'boolean', description: 'List every matching incident (progress on stderr when it is a terminal)' },
    ...fanOutOptions,
  },
  examples: [
    'm365d incidents list --since 7d --status Active',
    "m365d incidents list --query \"[?severity=='High'].{id:incidentId, name:incidentName}\" -o table",
    'm365d incidents list --severity High --all -o csv > high.csv',
    'm365d incidents list --api graph --updated-since 2026-01-01T00:00:00Z -o ndjson | jq .id',
    'm365d incidents list --all-tenants --status Active --severity High -o table',
  ],
  async run(ctx) {
    expectPositionals(ctx.positionals, 0, ctx.commandPath)
    const v = ctx.values
    const { surface, config } = await surfaceOf(ctx, v)
    if (v.top !== undefined && v.all) throw usage('--top and --all are exclusive', 'use --top N for the first N incidents, or --all for every one')
    if (v.since !== undefined && v['updated-since'] !== undefined) throw usage('--since and --updated-since are exclusive', '--since 7d is --updated-since <now minus 7 days>')
    const limit = v.all ? undefined : v.top === undefined ? DEFAULT_TOP : positiveInt(v.top)
    const filter: IncidentFilter = {}
    if (v.since !== undefined) filter.lastUpdateTime = { ge: new Date(Date.now() - duration(v.since)) }
    if (v['updated-since'] !== undefined) filter.lastUpdateTime = { ge: isoDate(v['updated-since'], '--updated-since') }
    if (v['created-since'] !== undefined) filter.createdTime = { ge: isoDate(v['created-since'], '--created-since') }
    if (v.status?.length) filter.status = v.status.map((s) => choice(s, incidentStatuses, '--status'))
    if (v['assigned-to'] !== undefined) filter.assignedTo = v['assigned-to']
    const wanted = v.severity?.length ? new Set(v.severity.map((s) => choice(s, severities, '--severity'))) : undefined
    // Graph filters severity on the server; the legacy API cannot (DD api-list-incidents.md).
    if (wanted && surface === 'graph') filter.severity = [...wanted]
    const clientSide = wanted && surface === 'legacy' ? (i: AnyIncident) => wanted.has(String(i.severity) as never) : undefined

    // The ALERTS column on Graph needs $expand=alerts; it 500s on big incidents in large pages
    // (elastic/integrations#18144, peers.md §1.2), so it is asked for in small pages, and only
    // when a column view (table/csv/tsv) is printed; json/ndjson stay as the API returns them.
    const expand = surface === 'graph' && ['table', 'csv', 'tsv'].includes(ctx.output.format) && ctx.values.query === undefined
    if (v.tenants !== undefined || v['all-tenants']) return listAcrossTenants(ctx, v, { surface, filter, limit, clientSide, expand })
    const { client, close } = await openClient(ctx, v, surface, config)
    const region = v.all ? ctx.feedback.region() : undefined
    const out = ctx.output.stream({ columns: incidentColumns(ctx.io.isTTY), empty: 'No incidents match.' })
    try {
      const list = client.listIncidents({
        filter,
        ...(limit !== undefined && !clientSide && { limit }),
        ...(expand && { expandAlerts: true, pageSize: Math.min(EXPAND_PAGE_SIZE, limit ?? EXPAND_PAGE_SIZE) }),
        ...(ctx.io.signal && { signal: ctx.io.signal }),
      })
      let pages = 0
      let fetched = 0
      let kept = 0
      outer: for await (const page of list.pages()) {
        pages++
        fetched += page.items.length
        region?.set([`fetched ${fetched} incidents (${pages} page${pages === 1 ? '' : 's'})…`])
        for (const incident of page.items) {
          if (clientSide && !clientSide(incident)) continue
          if (limit !== undefined && kept >= limit) break outer
          kept++
          out.row(incident)
        }
      }
    } finally {
      if (region) ctx.feedback.release(region)
      close()
    }
    out.end()
  },
})

/**
 * The same listing in every selected tenant, at most 4 tenants at a time, each under its own
 * quota (the app layer's one token provider and rate limiter key on the tenant).
 */
async function listAcrossTenants(
  ctx: CommandContext<any>,
  v: { tenants?: string; 'all-tenants'?: boolean; tag?: string[]; [k: string]: unknown },
  o: { surface: Surface; filter: IncidentFilter; limit: number | undefined; clientSide: ((i: AnyIncident) => boolean) | undefined; expand: boolean },
): Promise<ExitCode> {
  const config = await loadConfig(ctx, v as never)
  const selection = await selectTenants(ctx, v as never, config)
  const app = await openApp(ctx, v as never, { tenantOptional: true, config })
  const rows = new Map<string, AnyIncident[]>()
  const failures = new Map<string, unknown>()
  const region = ctx.feedback.region()
  try {
    const queue = selection.tenants.map((t) => t.tenantId)
    let done = 0
    await Promise.all(Array.from({ length: Math.min(4, queue.length) }, async () => {
      for (let t = queue.shift(); t !== undefined; t = queue.shift()) {
        const kept: AnyIncident[] = []
        try {
          const list = app.clientFor<Surface>(t, { surface: o.surface, resource: app.resource }).listIncidents({
            filter: o.filter,
            ...(o.limit !== undefined && !o.clientSide && { limit: o.limit }),
            ...(o.expand && { expandAlerts: true, pageSize: Math.min(EXPAND_PAGE_SIZE, o.limit ?? EXPAND_PAGE_SIZE) }),
            ...(ctx.io.signal && { signal: ctx.io.signal }),
          })
          for await (const incident of list) {
            if (o.clientSide && !o.clientSide(incident)) continue
            if (o.limit !== undefined && kept.length >= o.limit) break
            kept.push(incident)
          }
          rows.set(t, kept)
        } catch (error) {
          failures.set(t, error)
          ctx.feedback.notice(redact(error instanceof M365dError ? `error ${error.code} (tenant ${t}): ${error.message}${error.hint ? `\nhint: ${error.hint}` : ''}` : `error (tenant ${t}): ${String((error as Error)?.message ?? error)}`))
        } finally {
          region?.set([`incidents: ${++done}/${selection.tenants.length} tenants…`])
        }
      }
    }))
  } finally {
    if (region) ctx.feedback.release(region)
    app.close()
  }
  const tenants = selection.tenants.map((t) => {
    const e = failures.get(t.tenantId)
    return {
      tenantId: t.tenantId,
      name: t.name,
      status: e === undefined ? 'ok' : 'failed',
      ...(e !== undefined && { error: e instanceof M365dError ? { code: e.code, message: redact(e.message), ...(e.hint && { hint: e.hint }) } : { code: 'ERR_UNEXPECTED', message: redact(String((e as Error)?.message ?? e)) } }),
      rows: rows.get(t.tenantId)?.length ?? 0,
    }
  })
  const all = selection.tenants.flatMap((t) => (rows.get(t.tenantId) ?? []).map((i) => ({ TenantId: t.tenantId, ...i }) as AnyIncident & { TenantId: string }))
  const columns = [{ key: 'TenantId', header: 'TENANT', get: (r: { TenantId: string }) => selection.tenants.find((t) => t.tenantId === r.TenantId)?.name ?? r.TenantId }, ...incidentColumns(ctx.io.isTTY)]
  ctx.output.print({ tenants, rows: all }, { rows: (d) => d.rows, columns: ctx.output.format === 'table' ? columns : [{ key: 'TenantId' }, ...incidentColumns(false)], empty: 'No incidents match.' })
  if (failures.size) ctx.feedback.notice(`${selection.tenants.length} tenants: ${selection.tenants.length - failures.size} answered (${all.length} incidents), ${failures.size} failed`)
  const first = selection.tenants.find((t) => failures.has(t.tenantId))
  return first ? exitCodeFor(failures.get(first.tenantId)) : ExitCode.ok
}

/** Page size with $expand=alerts: Elastic settled on ≤ 50 after the 500s (elastic#20234); smaller is safer. */
const EXPAND_PAGE_SIZE = 25

function usage(message: string, hint: string): CliError {
  return new CliError('ERR_CLI_INVALID_OPTION', message, { hint })
}

function positiveInt(text: string): number {
  if (!/^\d+$/.test(text) || Number(text) < 1) throw usage(`--top must be a positive integer, got '${text.slice(0, 20)}'`, 'e.g. --top 100, or --all')
  return Number(text)
}

/** `30m`, `12h`, `7d`, `2w` → ms. */
export function duration(text: string): number {
  const m = /^(\d+)\s*(m|min|h|d|w)$/i.exec(text.trim())
  if (!m || Number(m[1]) === 0) throw usage(`invalid duration '${text.slice(0, 20)}' for --since`, 'use a number and a unit: 30m, 12h, 7d, 2w')
  const unit = { m: 60_000, min: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }[m[2]!.toLowerCase() as 'm' | 'min' | 'h' | 'd' | 'w']
  return Number(m[1]) * unit
}

/** A full ISO-8601 date or date-time; anything Date.parse would guess at is refused. */
export function isoDate(text: string, flag: string): Date {
  const ok = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?$/.test(text.trim())
  const ms = ok ? Date.parse(text.trim()) : NaN
  if (!Number.isFinite(ms)) throw usage(`invalid date '${text.slice(0, 30)}' for ${flag}`, 'use ISO-8601, e.g. 2026-01-02 or 2026-01-02T03:04:05Z')
  return new Date(ms)
}

function choice<T extends string>(value: string, choices: readonly T[], flag: string): T {
  const c = matchChoice(value, choices)
  if (!c) throw new M365dArgumentError(`unknown ${flag} value '${value.slice(0, 20)}'`, { hint: `valid values: ${choices.join(', ')}` })
  return c
}
