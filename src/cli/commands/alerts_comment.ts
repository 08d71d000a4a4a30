import { checkAlertId } from '../../defender/alerts_list.js'
import { defineCommand } from '../command.js'
import { alertApiOptions } from './alerts_shared.js'
import { runComment } from './comment_shared.js'

export default defineCommand({
  name: 'comment',
  summary: 'Add a comment to an alert',
  usage: 'ID TEXT',
  description: `
POST https://graph.microsoft.com/v1.0/security/alerts_v2/{id}/comments (SecurityAlert.ReadWrite.All).
Comments cannot be edited or deleted afterwards. Prints every comment of the alert.`,
  options: { ...alertApiOptions },
  examples: ['m365d alerts comment <id> "isolated the device"'],
  run: (ctx) =>
    runComment(ctx, ctx.values, {
      what: 'an alert ID',
      example: '<id> "contained"',
      // alerts_v2 is Graph only.
      resolve: async (id) => (checkAlertId(id), { surface: 'graph' }),
      post: (client, id, text, options) => client.commentAlert(id, text, options),
    }),
})
