import type { AlertFilter } from '../../defender/alerts_list.js'
import { ALERT_SETTABLE_STATUSES } from '../../defender/alert_update.js'
import { graphSeverities, matchChoice } from '../../defender/enums.js'
import { defineCommand } from '../command.js'
import { CliError } from '../errors.js'
import { expectPositionals } from '../parse.js'
import { alertApiOptions, alertColumns } from './alerts_shared.js'
import { openClient } from './incidents_shared.js'
import { duration, isoDate } from './incidents_list.js'

const DEFAULT_TOP = 50

export default defineCommand({
  name: 'list',
  summary: 'List alerts (Graph alerts_v2, newest first), filtered by update time, status, severity, incident',
  description: `
Calls https://graph.microsoft.com/v1.0/security/alerts_v2 (SecurityAlert.Read.All). --since and
--updated-since filter on lastUpdateDateTime. Without --top or --all at most ${DEFAULT_TOP} alerts are listed.`,
  options: {
    ...alertApiOptions,
    since: { type: 'string', valueName: 'DURATION', description: 'Updated within this time, e.g. 30m, 12h, 7d, 2w' },
    'updated-since': { type: 'string', valueName: 'ISO', description: 'Updated at or after this date-time' },
    status: { type: 'string', valueName: 'STATUS', description: ALERT_SETTABLE_STATUSES.join(' | ') },
    severity: { type: 'string', valueName: 'SEVERITY', description: 'informational | low | medium | high' },
    incident: { type: 'string', valueName: 'ID', description: 'Only the alerts of this incident' },
    top: { type: 'string', valueName: 'N', description: `List at most N alerts (default ${DEFAULT_TOP})` },
    all: { type: 'boolean', description: 'List every matching alert' },
  },
  examples: ['m365d alerts list --since 1d --severity high', 'm365d alerts list --incident 924 -o json'],
  async run(ctx) {
    expectPositionals(ctx.positionals, 0, ctx.commandPath)
    const v = ctx.values
    const usage = (message: string, hint: string) => new CliError('ERR_CLI_INVALID_OPTION', message, { hint })
    if (v.top !== undefined && v.all) throw usage('--top and --all are exclusive', 'use --top N for the first N alerts, or --all for every one')
    if (v.since !== undefined && v['updated-since'] !== undefined) throw usage('--since and --updated-since are exclusive', '--since 7d is --updated-since <now minus 7 days>')
    if (v.top !== undefined && !/^[1-9]\d*$/.test(v.top)) throw usage(`--top must be a positive integer, got '${v.top.slice(0, 20)}'`, 'e.g. --top 100, or --all')
    const limit = v.all ? undefined : v.top === undefined ? DEFAULT_TOP : Number(v.top)
    const filter: AlertFilter = {}
    if (v.since !== undefined) filter.lastUpdateDateTime = { ge: new Date(Date.now() - duration(v.since)) }
    if (v['updated-since'] !== undefined) filter.lastUpdateDateTime = { ge: isoDate(v['updated-since'], '--updated-since') }
    if (v.status !== undefined) {
      const s = matchChoice(v.status, ALERT_SETTABLE_STATUSES)
      if (!s) throw usage(`unknown --status '${v.status.slice(0, 20)}'`, `valid values: ${ALERT_SETTABLE_STATUSES.join(', ')}`)
      filter.status = s
    }
    if (v.severity !== undefined) {
      const s = matchChoice(v.severity, graphSeverities)
      if (!s) throw usage(`unknown --severity '${v.severity.slice(0, 20)}'`, 'valid values: informational, low, medium, high')
      filter.severity = s
    }
    if (v.incident !== undefined) filter.incidentId = v.incident
    const { client, close } = await openClient(ctx, v, 'graph')
    const out = ctx.output.stream({ columns: alertColumns(), empty: 'No alerts match.' })
    try {
      const list = client.listAlerts({ filter, ...(limit !== undefined && { limit, pageSize: Math.min(limit, 2000) }), ...(ctx.io.signal && { signal: ctx.io.signal }) })
      for await (const alert of list) out.row(alert)
    } finally {
      close()
    }
    out.end()
  },
})
