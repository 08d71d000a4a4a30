import { checkAlertId } from '../../defender/alerts_list.js'
import { defineCommand } from '../command.js'
import { CliError } from '../errors.js'
import { expectPositionals } from '../parse.js'
import { alertApiOptions, renderAlert } from './alerts_shared.js'
import { openClient } from './incidents_shared.js'

export default defineCommand({
  name: 'get',
  summary: 'Show one alert with its evidence and comments',
  usage: 'ID',
  options: { ...alertApiOptions },
  examples: ['m365d alerts get da637551227677560813_-961444813', 'm365d alerts get <id> -o json | jq .evidence'],
  async run(ctx) {
    expectPositionals(ctx.positionals, 1, ctx.commandPath)
    const id = ctx.positionals[0]
    if (id === undefined) throw new CliError('ERR_CLI_MISSING_ARGUMENT', `${ctx.commandPath} needs an alert ID`, { hint: 'list them with m365d alerts list' })
    checkAlertId(id)
    const { client, close } = await openClient(ctx, ctx.values, 'graph')
    try {
      const alert = await client.getAlert(id, ctx.io.signal ? { signal: ctx.io.signal } : {})
      ctx.printJson(alert, { text: renderAlert })
    } finally {
      close()
    }
  },
})
