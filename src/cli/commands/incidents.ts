import { defineCommand } from '../command.js'
import incidentsGet from './incidents_get.js'
import incidentsList from './incidents_list.js'
import incidentsUpdate from './incidents_update.js'
import incidentsComment from './incidents_comment.js'

export default defineCommand({
  name: 'incidents',
  summary: 'List, show, update and comment on Microsoft 365 Defender incidents (Microsoft Graph or the legacy API)',
  description: `
Uses the same credentials as 'm365d token' (M365D_TENANT_ID, M365D_CLIENT_ID, M365D_CLIENT_SECRET or
a certificate). --api legacy (default) calls https://api.security.microsoft.com/api/incidents and
needs Incident.Read.All / Incident.ReadWrite.All (Microsoft Threat Protection); --api graph calls
https://graph.microsoft.com/v1.0/security/incidents and needs SecurityIncident.Read.All /
SecurityIncident.ReadWrite.All (Microsoft Graph). Point both at the emulator with
M365D_DEFENDER_API / M365D_GRAPH_API.`,
  subCommands: [incidentsList, incidentsGet, incidentsUpdate, incidentsComment],
  examples: ['m365d incidents list --since 7d', 'm365d incidents get 924', 'm365d incidents update 924 --status Resolved'],
})
