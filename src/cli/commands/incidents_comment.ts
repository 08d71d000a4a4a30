import { commentBody } from '../../defender/alert_update.js'
import { checkIncidentId } from '../../defender/incident_get.js'
import type { Comment, GraphComment } from '../../defender/models.js'
import { defineCommand } from '../command.js'
import { CliError } from '../errors.js'
import { expectPositionals } from '../parse.js'
import { incidentApiOptions, openClient, surfaceOf } from './incidents_shared.js'

export default defineCommand({
  name: 'comment',
  summary: 'Add a comment to an incident',
  usage: 'ID TEXT',
  description: `
Graph: POST /v1.0/security/incidents/{id}/comments; legacy: PATCH /api/incidents/{id} with a
comment. Needs SecurityIncident.ReadWrite.All (Graph) or Incident.ReadWrite.All (legacy).
Comments cannot be edited or deleted afterwards. Prints every comment of the incident.`,
  options: { ...incidentApiOptions },
  examples: ['m365d incidents comment 924 "contained; see ticket SOC-1182"'],
  async run(ctx) {
    expectPositionals(ctx.positionals, 2, ctx.commandPath)
    const [id, text] = ctx.positionals
    if (id === undefined || text === undefined) throw new CliError('ERR_CLI_MISSING_ARGUMENT', `${ctx.commandPath} needs an incident ID and the comment`, { hint: `e.g. ${ctx.commandPath} 924 "contained"` })
    const { surface, config } = await surfaceOf(ctx, ctx.values)
    checkIncidentId(id, surface)
    commentBody(text)
    const { client, close } = await openClient(ctx, ctx.values, surface, config)
    try {
      const comments = await client.commentIncident(id, text, ctx.io.signal ? { signal: ctx.io.signal } : {})
      ctx.printJson(comments, { text: renderComments })
    } finally {
      close()
    }
  },
})

/** One line per comment, oldest first, whatever the surface's field names. */
export function renderComments(comments: (GraphComment | Comment)[]): string {
  return comments
    .map((c) => {
      const g = c as GraphComment
      const l = c as Comment
      return `${g.createdDateTime ?? l.createdTime} ${g.createdByDisplayName ?? l.createdBy ?? ''}: ${c.comment}`
    })
    .join('\n')
}
