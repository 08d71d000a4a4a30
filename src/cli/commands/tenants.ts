import { defineCommand } from '../command.js'
import tenantsAdd from './tenants_add.js'
import tenantsCheck from './tenants_check.js'
import tenantsList from './tenants_list.js'
import tenantsOnboard from './tenants_onboard.js'
import { tenantsPause, tenantsResume } from './tenants_pause.js'
import tenantsRemove from './tenants_remove.js'
import tenantsTag from './tenants_tag.js'

export default defineCommand({
  name: 'tenants',
  summary: 'Manage the tenant registry: the customer tenants the daemon, the console, hunt and incidents read (add, list, remove, pause, resume, tag, check, onboard)',
  description: `
The tenants live in the sync database: embedded PGlite under --data-dir (M365D_DATA_DIR, default
~/.m365d/data) or PostgreSQL with --database-url (M365D_DATABASE_URL). 'm365d sync' reads every
enabled tenant from there with the partner app's credentials (M365D_CLIENT_ID + secret or certificate).
While 'm365d sync' or 'm365d start' owns the embedded store, these commands go through that
daemon's local API (found by the m365d-api.json it publishes in the data directory; --verbose
says so) and it acts on the change at once.`,
  subCommands: [tenantsAdd, tenantsList, tenantsRemove, tenantsPause, tenantsResume, tenantsTag, tenantsCheck, tenantsOnboard],
  examples: [
    'm365d tenants add contoso.onmicrosoft.com --name Contoso',
    'm365d tenants list',
    'm365d tenants check',
    'm365d tenants onboard --redirect-uri https://partner.example/consent/callback',
  ],
})
