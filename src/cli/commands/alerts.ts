import { defineCommand } from '../command.js'
import alertsComment from './alerts_comment.js'
import alertsGet from './alerts_get.js'
import alertsList from './alerts_list.js'
import alertsUpdate from './alerts_update.js'

export default defineCommand({
  name: 'alerts',
  summary: 'List, show, update and comment on alerts (Microsoft Graph alerts_v2)',
  description: `
Uses the same credentials as 'm365d token'. Calls https://graph.microsoft.com/v1.0/security/alerts_v2:
SecurityAlert.Read.All to read, SecurityAlert.ReadWrite.All to update and comment (Microsoft Graph).
Point it at the emulator with M365D_GRAPH_API.`,
  subCommands: [alertsList, alertsGet, alertsUpdate, alertsComment],
  examples: ['m365d alerts list --since 1d', 'm365d alerts update <id> --status resolved', 'm365d alerts comment <id> "triaged"'],
})
