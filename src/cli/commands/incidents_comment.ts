import { checkIncidentId } from '../../defender/incident_get.js'
import { defineCommand } from '../command.js'
import { runComment } from './comment_shared.js'
import { incidentApiOptions, surfaceOf } from './incidents_shared.js'

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
  run: (ctx) =>
    runComment(ctx, ctx.values, {
      what: 'an incident ID',
      example: '924 "contained"',
      resolve: async (id) => {
        const { surface, config } = await surfaceOf(ctx, ctx.values)
        checkIncidentId(id, surface)
        return { surface, config }
      },
      post: (client, id, text, options) => client.commentIncident(id, text, options),
    }),
})
