import { readFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import type { HuntOptions, HuntResult, Surface } from '../../defender/index.js'
import { M365dError, redact } from '../../lib/errors.js'
import { defineCommand } from '../command.js'
import { loadConfig, readAll } from '../config.js'
import { openApp } from '../app_settings.js'
import { CliError, exitCodeFor, ExitCode } from '../errors.js'
import type { RowStream } from '../output/output.js'
import type { Column } from '../output/table.js'
import { fanOutOptions, selectTenants } from './hunt_tenants.js'
import { incidentApiOptions } from './incidents_shared.js'
import { duration, isoDate } from './incidents_list.js'

const ROW_LIMITS = ['split', 'error', 'truncate'] as const
const DEFAULT_CONCURRENCY = 4

export default defineCommand({
  name: 'hunt',
  usage: '"<KQL>" | --file FILE | -',
  summary: 'Run an advanced hunting query (KQL) in one tenant or across many',
  description: `
Runs the query on the legacy API (POST /api/advancedhunting/run, AdvancedHunting.Read.All) or with
--api graph on Graph (POST /v1.0/security/runHuntingQuery, ThreatHunting.Read.All). The query comes
from the argument, --file FILE, or stdin ('-').

Across tenants (--tenants a,b,c, or --all-tenants = every active tenant of the registry that
'm365d tenants' manages, read from the same store: --data-dir / --database-url / M365D_DATABASE_URL;
--tag narrows it; M365D_TENANTS or "tenants" in the config file only when there is no store) the
query runs in each tenant, at most --concurrency at a time, each under its own quota (45 calls/min,
1,500/h), and every row gets a TenantId column holding the tenant id (GUID). A tenant that fails
(not consented, missing role, throttled, bad query) is reported on stderr; the other tenants' rows
are still printed. With -o json/yaml the document is {tenants: [{tenantId, name, status, error?,
rows}], rows: [...]}, so failed tenants are in the machine output too.

--since/--start/--end restrict the query to a time range (Graph: Timespan; legacy: a Timestamp filter
after the query's first table) and let m365d split it into smaller windows when a result reaches the
100,000-row cap or Graph's 50 MB cap (see docs/hunting.md).

Exit codes: 0 every tenant answered; otherwise the exit code of the first failure, after printing the
rows of the tenants that answered: 3 API or identity platform error (not consented, missing role,
throttled), 4 network, 2 usage or a query to fix (ERR_HUNT_QUERY, ERR_HUNT_TIMEOUT, ERR_HUNT_ROW_LIMIT,
ERR_HUNT_RESULT_TOO_LARGE).`,
  options: {
    ...incidentApiOptions,
    api: { type: 'string', valueName: 'graph|legacy', description: 'Which API: Graph /v1.0/security/runHuntingQuery (default) or the legacy /api/advancedhunting/run, retiring 1 Feb 2027 (M365D_API, config "api")' },
    file: { type: 'string', valueName: 'FILE', description: 'Read the query from FILE (.kql)' },
    ...fanOutOptions,
    concurrency: { type: 'string', valueName: 'N', description: `Tenants queried at the same time (default ${DEFAULT_CONCURRENCY})` },
    since: { type: 'string', valueName: 'DURATION', description: 'Time range: the last 30m, 12h, 7d…' },
    start: { type: 'string', valueName: 'ISO', description: 'Time range start, e.g. 2026-01-02T00:00:00Z' },
    end: { type: 'string', valueName: 'ISO', description: 'Time range end (default now)' },
    window: { type: 'string', valueName: 'DURATION', description: 'Run the time range in windows of this size, e.g. 1d' },
    'max-rows': { type: 'string', valueName: 'N', description: "The API's row cap (default 100,000; lower it for an emulator configured lower)" },
    'row-limit': { type: 'string', valueName: 'MODE', choices: ['split', 'error', 'truncate'], description: 'At the 100,000-row cap: split (default with a time range) | error | truncate' },
  },
  examples: [
    'm365d hunt "DeviceProcessEvents | where FileName =~ \\"powershell.exe\\" | take 20"',
    'm365d hunt --file lateral.kql --all-tenants -o csv > hits.csv',
    'm365d hunt --api graph --tenants contoso.com,fabrikam.com --since 7d -o ndjson "DeviceLogonEvents | where ActionType == \\"LogonFailed\\""',
  ],
  async run(ctx) {
    const v = ctx.values
    const rowLimit = v['row-limit']
    if (rowLimit !== undefined && !(ROW_LIMITS as readonly string[]).includes(rowLimit)) throw usage(`unknown --row-limit '${rowLimit.slice(0, 20)}'`, `use one of ${ROW_LIMITS.join(', ')}`)
    const concurrency = v.concurrency === undefined ? DEFAULT_CONCURRENCY : Number(v.concurrency)
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) throw usage(`--concurrency must be an integer from 1 to 64, got '${String(v.concurrency).slice(0, 20)}'`, 'e.g. --concurrency 8')
    const maxRows = v['max-rows'] === undefined ? undefined : Number(v['max-rows'])
    if (maxRows !== undefined && !(Number.isInteger(maxRows) && maxRows >= 1)) throw usage(`--max-rows must be a positive integer, got '${String(v['max-rows']).slice(0, 20)}'`, 'e.g. --max-rows 100000')
    const query = await readQuery(ctx, v.file)
    // Datetimes are printed as the API sent them (7 fractional digits), not re-rendered from a Date.
    const options: HuntOptions = { dates: 'string', ...(rowLimit && { rowLimit: rowLimit as HuntOptions['rowLimit'] }), ...(maxRows && { maxRows }), ...(ctx.io.signal && { signal: ctx.io.signal }) }
    if (v.since !== undefined && v.start !== undefined) throw usage('--since and --start are exclusive', '--since 7d is --start <now minus 7 days>')
    if (v.end !== undefined && v.since === undefined && v.start === undefined) throw usage('--end needs --start or --since', 'e.g. --start 2026-01-01 --end 2026-01-08')
    if (v.since !== undefined) options.timeRange = { start: Date.now() - duration(v.since), ...(v.end !== undefined && { end: isoDate(v.end, '--end') }) }
    if (v.start !== undefined) options.timeRange = { start: isoDate(v.start, '--start'), ...(v.end !== undefined && { end: isoDate(v.end, '--end') }) }
    if (v.window !== undefined) {
      if (!options.timeRange) throw usage('--window needs a time range', 'add --since or --start')
      options.windowMs = duration(v.window)
    }

    // Credentials and tenants, all checked before the first request.
    const config = await loadConfig(ctx, v)
    // Graph runHuntingQuery unless --api legacy / M365D_API / config "api" (the legacy endpoint retires 1 Feb 2027).
    const surface: Surface = config.api
    const selection = await selectTenants(ctx, v, config)
    // One token provider and one rate limiter for the app (the app layer's): their keys include the tenant.
    const app = await openApp(ctx, v, { tenantOptional: selection.fanOut, config })

    const region = selection.fanOut ? ctx.feedback.region() : undefined
    const tenantIds = selection.tenants.map((t) => t.tenantId)
    const results = new Map<string, HuntResult>()
    const failures: { tenant: string; error: unknown }[] = []
    let done = 0
    let rowsSoFar = 0
    // Columns come from the first answer's schema; rows stream out as tenants answer (ndjson, csv,
    // tsv, piped tables) or all at the end (json, yaml, a terminal table).
    type HuntRow = Record<string, unknown>
    let out: RowStream<HuntRow> | undefined
    const columnsOf = (r: HuntResult): Column<HuntRow>[] => [...(selection.fanOut ? ['TenantId'] : []), ...r.schema.map((c) => c.name)].map((key) => ({ key, header: key }))
    const one = async (tenant: string) => {
      try {
        const client = app.huntingClientFor<Surface>(tenant, { surface, resource: app.resource })
        const r = await client.hunt(query, options)
        results.set(tenant, r)
        rowsSoFar += r.rows.length
        out ??= ctx.output.stream({ columns: columnsOf(r), empty: 'No rows.' })
        if (out.live) for (const row of r.rows) out.row(selection.fanOut ? { TenantId: tenant, ...row } : row)
      } catch (error) {
        if (!selection.fanOut) throw error
        failures.push({ tenant, error })
        ctx.feedback.notice(describeFailure(tenant, error))
      } finally {
        done++
        region?.set([`hunting: ${done}/${tenantIds.length} tenants, ${rowsSoFar} rows…`])
      }
    }
    try {
      const queue = [...tenantIds]
      await Promise.all(Array.from({ length: Math.min(concurrency, queue.length) }, async () => {
        for (let t = queue.shift(); t !== undefined; t = queue.shift()) await one(t)
      }))
    } finally {
      app.close()
      if (region) ctx.feedback.release(region)
    }

    const ordered = tenantIds.filter((t) => results.has(t)).map((t) => [t, results.get(t)!] as const)
    const total = ordered.reduce((n, [, r]) => n + r.rows.length, 0)
    if (out?.live) out.end()
    else {
      // Tenants in the order given, whatever order they finished in.
      const rows = ordered.flatMap(([tenant, r]) => r.rows.map((row) => (selection.fanOut ? { TenantId: tenant, ...row } : row)))
      const columns = ordered[0] ? columnsOf(ordered[0][1]) : selection.fanOut ? [{ key: 'TenantId', header: 'TenantId' }] : []
      if (!selection.fanOut) ctx.output.print(rows as HuntRow[], { columns, empty: 'No rows.' })
      else {
        // Per-tenant status in machine output: a failed tenant is data, not only a line on stderr.
        const tenants = selection.tenants.map((t) => {
          const failure = failures.find((f) => f.tenant === t.tenantId)
          const e = failure?.error
          return {
            tenantId: t.tenantId,
            name: t.name,
            status: failure ? 'failed' : 'ok',
            ...(failure && { error: e instanceof M365dError ? { code: e.code, message: redact(e.message), ...(e.hint && { hint: e.hint }) } : { code: 'ERR_UNEXPECTED', message: redact(String((e as Error)?.message ?? e)) } }),
            rows: results.get(t.tenantId)?.rows.length ?? 0,
          }
        })
        ctx.output.print({ tenants, rows: rows as HuntRow[] }, { rows: (d) => d.rows, columns, empty: 'No rows.' })
      }
    }
    if (ordered.some(([, r]) => r.truncated)) ctx.warn('some results reached the 100,000-row cap and may be incomplete (see --row-limit and --since)')
    if (selection.fanOut && (failures.length > 0 || region))
      ctx.feedback.notice(`${tenantIds.length} tenants: ${ordered.length} answered (${total} rows), ${failures.length} failed`)
    if (failures.length === 0) return ExitCode.ok
    return exitCodeFor(failures[0]!.error)
  },
})

function describeFailure(tenant: string, error: unknown): string {
  const lines = error instanceof M365dError ? [`error ${error.code} (tenant ${tenant}): ${error.message}`, ...(error.hint ? [`hint: ${error.hint}`] : [])] : [`error (tenant ${tenant}): ${error instanceof Error ? error.message : String(error)}`]
  return redact(lines.join('\n'))
}

async function readQuery(ctx: { positionals: string[]; io: { stdin: AsyncIterable<string | Uint8Array> & { isTTY?: boolean }; cwd: string } }, file: string | undefined): Promise<string> {
  const args = ctx.positionals
  if (args.length > 1) throw usage(`expected one query, got ${args.length} arguments`, 'quote the query: m365d hunt "DeviceInfo | take 10"')
  if (file !== undefined && args.length) throw usage('give the query as an argument or with --file, not both', 'e.g. m365d hunt --file query.kql')
  let text: string
  if (file !== undefined) {
    try {
      text = await readFile(resolve(ctx.io.cwd, file), 'utf8')
    } catch (cause) {
      throw new CliError('ERR_CLI_FILE_UNREADABLE', `cannot read the query file ${file}: ${(cause as NodeJS.ErrnoException).code ?? 'error'}`, { hint: 'check the path', cause })
    }
  } else if (args[0] === '-') {
    if (ctx.io.stdin.isTTY) throw usage("'-' reads the query from stdin, but stdin is a terminal", 'pipe it in: m365d hunt - < query.kql')
    text = await readAll(ctx.io.stdin)
  } else if (args[0] !== undefined) text = args[0]
  else throw usage('no query given', 'm365d hunt "DeviceInfo | take 10", --file query.kql, or - to read stdin')
  if (text.trim() === '') throw usage('the query is empty', 'e.g. DeviceInfo | take 10')
  return text
}

function usage(message: string, hint: string): CliError {
  return new CliError('ERR_CLI_INVALID_OPTION', message, { hint, exitCode: ExitCode.usage })
}
