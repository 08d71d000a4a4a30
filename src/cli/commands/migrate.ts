import { defineCommand } from '../command.js'
import migrateCheck from './migrate_check.js'

export default defineCommand({
  name: 'migrate',
  summary: 'Move every tenant from the legacy Defender API (stops 1 Feb 2027) to Microsoft Graph: check readiness and parity',
  description: `
Microsoft retires the legacy Defender XDR API (api.security.microsoft.com) on 1 Feb 2027 (Message
Center MC1220762). m365d uses Microsoft Graph by default; 'm365d migrate check' tells, per tenant,
whether the Graph permissions are granted and whether Graph lists the same incidents as the legacy
API over the same window — the report to show a customer before the date.`,
  subCommands: [migrateCheck],
  examples: ['m365d migrate check --all-tenants', 'm365d migrate check --tenant contoso.onmicrosoft.com --since 7d --json'],
})
