import { commentBody } from '../../defender/alert_update.js'
import { checkAlertId } from '../../defender/alerts_list.js'
import { defineCommand } from '../command.js'
import { CliError } from '../errors.js'
import { expectPositionals } from '../parse.js'
import { alertApiOptions } from './alerts_shared.js'
import { openClient } from './incidents_shared.js'
import { renderComments } from './incidents_comment.js'

export default defineCommand({
  name: 'comment',
  summary: 'Add a comment to an alert',
  usage: 'ID TEXT',
  description: `
POST https://graph.microsoft.com/v1.0/security/alerts_v2/{id}/comments (SecurityAlert.ReadWrite.All).
Comments cannot be edited or deleted afterwards. Prints every comment of the alert.`,
  options: { ...alertApiOptions },
  examples: ['m365d alerts comment <id> "isolated the device"'],
  async run(ctx) {
    expectPositionals(ctx.positionals, 2, ctx.commandPath)
    const [id, text] = ctx.positionals
    if (id === undefined || text === undefined) throw new CliError('ERR_CLI_MISSING_ARGUMENT', `${ctx.commandPath} needs an alert ID and the comment`, { hint: `e.g. ${ctx.commandPath} <id> "contained"` })
    checkAlertId(id)
    commentBody(text)
    const { client, close } = await openClient(ctx, ctx.values, 'graph')
    try {
      const comments = await client.commentAlert(id, text, ctx.io.signal ? { signal: ctx.io.signal } : {})
      ctx.printJson(comments, { text: renderComments })
    } finally {
      close()
    }
  },
})
