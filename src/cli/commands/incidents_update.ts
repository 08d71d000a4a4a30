import { checkIncidentId } from '../../defender/incident_get.js'
import { incidentUpdateBody, type IncidentUpdate } from '../../defender/incident_update.js'
import { defineCommand } from '../command.js'
import { CliError } from '../errors.js'
import { expectPositionals } from '../parse.js'
import { renderIncident } from './incidents_get.js'
import { incidentApiOptions, openClient, surfaceOf } from './incidents_shared.js'

export default defineCommand({
  name: 'update',
  summary: 'Change status, owner, classification/determination or tags, or add a comment',
  usage: 'ID',
  description: `
Values are checked before any call: an invalid classification/determination pair is refused
with the valid choices listed. Valid pairs (legacy spelling; Graph's camelCase is mapped):
  TruePositive                   MultiStagedAttack, MaliciousUserActivity, CompromisedAccount,
                                 Malware, Phishing, UnwantedSoftware, Other
  InformationalExpectedActivity  SecurityTesting, LineOfBusinessApplication, ConfirmedActivity, Other
  FalsePositive                  Clean, NoEnoughDataToValidate, Other
--tag replaces the incident's whole tag list. Updates are not retried except after a 429.`,
  options: {
    ...incidentApiOptions,
    status: { type: 'string', valueName: 'STATUS', description: 'Active | InProgress | Resolved' },
    'assigned-to': { type: 'string', valueName: 'UPN', description: "New owner ('' un-assigns)" },
    classification: { type: 'string', valueName: 'NAME', description: 'TruePositive | InformationalExpectedActivity | FalsePositive' },
    determination: { type: 'string', valueName: 'NAME', description: 'Must match the classification (see above)' },
    tag: { type: 'string', multiple: true, valueName: 'TAG', description: 'Tag; the list replaces the current tags' },
    comment: { type: 'string', valueName: 'TEXT', description: 'Comment to add' },
  },
  examples: [
    'm365d incidents update 924 --status Resolved --classification TruePositive --determination Malware --comment "contained"',
    'm365d incidents update 924 --assigned-to secop@contoso.com --tag phishing --tag wave-3',
  ],
  async run(ctx) {
    expectPositionals(ctx.positionals, 1, ctx.commandPath)
    const id = ctx.positionals[0]
    if (id === undefined) throw new CliError('ERR_CLI_MISSING_ARGUMENT', `${ctx.commandPath} needs an incident ID`, { hint: `e.g. ${ctx.commandPath} 924 --status Resolved` })
    const v = ctx.values
    const { surface, config } = await surfaceOf(ctx, v)
    checkIncidentId(id, surface)
    const update: IncidentUpdate = {
      ...(v.status !== undefined && { status: v.status }),
      ...(v['assigned-to'] !== undefined && { assignedTo: v['assigned-to'] }),
      ...(v.classification !== undefined && { classification: v.classification }),
      ...(v.determination !== undefined && { determination: v.determination }),
      ...(v.tag !== undefined && { tags: v.tag }),
      ...(v.comment !== undefined && { comment: v.comment }),
    }
    incidentUpdateBody(update, surface) // every value checked before a token is requested
    const { client, close } = await openClient(ctx, v, surface, config)
    try {
      const incident = await client.updateIncident(id, update, ctx.io.signal ? { signal: ctx.io.signal } : {})
      ctx.printJson(incident, { text: (i) => `Updated.\n${renderIncident(i, ctx.output.target)}` })
    } finally {
      close()
    }
  },
})
