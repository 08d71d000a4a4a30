import { alertUpdateBody, ALERT_SETTABLE_STATUSES, type AlertUpdate } from '../../defender/alert_update.js'
import { checkAlertId } from '../../defender/alerts_list.js'
import { defineCommand } from '../command.js'
import { CliError } from '../errors.js'
import { expectPositionals } from '../parse.js'
import { alertApiOptions, renderAlert } from './alerts_shared.js'
import { openClient } from './incidents_shared.js'

export default defineCommand({
  name: 'update',
  summary: 'Change an alert’s status, owner or classification/determination',
  usage: 'ID',
  description: `
PATCH https://graph.microsoft.com/v1.0/security/alerts_v2/{id} (SecurityAlert.ReadWrite.All).
Values are checked before any call; classification/determination take Graph's spelling
(truePositive/malware) or the legacy one (TruePositive/Malware), and the docs' other spellings
(compromisedUser, clean, insufficientData, confirmedUserActivity). Not retried except after a 429.`,
  options: {
    ...alertApiOptions,
    status: { type: 'string', valueName: 'STATUS', description: ALERT_SETTABLE_STATUSES.join(' | ') },
    'assigned-to': { type: 'string', valueName: 'UPN', description: "New owner ('' un-assigns)" },
    classification: { type: 'string', valueName: 'NAME', description: 'truePositive | informationalExpectedActivity | falsePositive' },
    determination: { type: 'string', valueName: 'NAME', description: 'Must match the classification' },
  },
  examples: ['m365d alerts update <id> --status resolved --classification truePositive --determination malware', 'm365d alerts update <id> --assigned-to soc@contoso.com'],
  async run(ctx) {
    expectPositionals(ctx.positionals, 1, ctx.commandPath)
    const id = ctx.positionals[0]
    if (id === undefined) throw new CliError('ERR_CLI_MISSING_ARGUMENT', `${ctx.commandPath} needs an alert ID`, { hint: `e.g. ${ctx.commandPath} <id> --status resolved` })
    checkAlertId(id)
    const v = ctx.values
    const update: AlertUpdate = {
      ...(v.status !== undefined && { status: v.status }),
      ...(v['assigned-to'] !== undefined && { assignedTo: v['assigned-to'] }),
      ...(v.classification !== undefined && { classification: v.classification }),
      ...(v.determination !== undefined && { determination: v.determination }),
    }
    alertUpdateBody(update) // every value checked before a token is requested
    const { client, close } = await openClient(ctx, v, 'graph')
    try {
      const alert = await client.updateAlert(id, update, ctx.io.signal ? { signal: ctx.io.signal } : {})
      ctx.printJson(alert, { text: (a) => `Updated.\n${renderAlert(a)}` })
    } finally {
      close()
    }
  },
})
