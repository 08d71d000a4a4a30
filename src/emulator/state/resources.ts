import type { ResourceApp } from './types.js'

/**
 * First-party resource APIs the emulator knows out of the box, present in every tenant.
 * App ids are the real ones (Microsoft Threat Protection per third-party scripts cited in
 * ../shared/reference/defender-api.md §8 q11; WindowsDefenderATP and Microsoft Graph well known).
 * The four Defender identifiers the docs' samples mix (defender-api.md §1.3) map onto two
 * service principals: "Microsoft Threat Protection" and "WindowsDefenderATP".
 */
export const MICROSOFT_THREAT_PROTECTION_APP_ID = '8ee8fdad-f234-4243-8f3b-15c294843740'
export const WINDOWS_DEFENDER_ATP_APP_ID = 'fc780465-2017-40d4-a0c5-307022471b92'
export const MICROSOFT_GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000'

function roles(prefix: string, values: [string, string][]) {
  // Deterministic role ids so grants in config files stay stable across runs.
  return values.map(([value, displayName], i) => ({
    id: `${prefix}-0000-4000-8000-${String(i + 1).padStart(12, '0')}`,
    value,
    displayName,
  }))
}

export function builtInResources(): ResourceApp[] {
  return [
    {
      appId: MICROSOFT_THREAT_PROTECTION_APP_ID,
      displayName: 'Microsoft Threat Protection',
      identifierUris: ['https://api.security.microsoft.com'],
      accessTokenAcceptedVersion: 1,
      appRoles: roles('a7e00001', [
        ['Incident.Read.All', 'Read all incidents'],
        ['Incident.ReadWrite.All', 'Read and write all incidents'],
        ['AdvancedHunting.Read.All', 'Run advanced queries'],
        ['CustomDetections.ReadWrite.All', 'Read and write custom detection rules'],
      ]),
    },
    {
      appId: WINDOWS_DEFENDER_ATP_APP_ID,
      displayName: 'WindowsDefenderATP',
      identifierUris: [
        'https://api.securitycenter.microsoft.com',
        'https://api.securitycenter.windows.com',
        'https://securitycenter.onmicrosoft.com/windowsatpservice',
      ],
      accessTokenAcceptedVersion: 1,
      appRoles: roles('a7e00002', [
        ['Alert.Read.All', 'Read all alerts'],
        ['Alert.ReadWrite.All', 'Read and write all alerts'],
        ['Machine.Read.All', 'Read all machine profiles'],
        ['AdvancedQuery.Read.All', 'Run advanced queries'],
        ['Incident.Read.All', 'Read all incidents'],
        ['Incident.ReadWrite.All', 'Read and write all incidents'],
      ]),
    },
    {
      appId: MICROSOFT_GRAPH_APP_ID,
      displayName: 'Microsoft Graph',
      identifierUris: ['https://graph.microsoft.com'],
      accessTokenAcceptedVersion: 1,
      appRoles: roles('a7e00003', [
        ['SecurityIncident.Read.All', 'Read all security incidents'],
        ['SecurityIncident.ReadWrite.All', 'Read and write to all security incidents'],
        ['SecurityAlert.Read.All', 'Read all security alerts'],
        ['SecurityAlert.ReadWrite.All', 'Read and write to all security alerts'],
        ['ThreatHunting.Read.All', 'Run hunting queries'],
        ['Application.Read.All', 'Read all applications'],
      ]),
    },
  ]
}
