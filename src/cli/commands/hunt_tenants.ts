/**
 * Which tenants `m365d hunt` runs in. One small function so the sync daemon's tenant table can
 * become a source later: today `--tenants a,b,c`, else for `--all-tenants` M365D_TENANTS or the
 * config file's "tenants" (comma-separated), else the single configured tenant.
 */
import { readFile } from 'node:fs/promises'
import type { CommandContext } from '../command.js'
import { validateTenant, type CliConfig } from '../config.js'
import { CliError } from '../errors.js'

export interface TenantSelection {
  tenants: string[]
  /** More than one tenant (or asked for as a list): rows get a TenantId column. */
  fanOut: boolean
}

function parseList(text: string, from: 'flag' | 'env' | 'file'): string[] {
  const list = [...new Set(text.split(/[\s,]+/).map((t) => t.trim()).filter(Boolean))]
  for (const t of list) validateTenant(t, from)
  return list
}

async function configTenants(config: CliConfig): Promise<string | undefined> {
  if (!config.configFile) return undefined
  try {
    const parsed = JSON.parse(await readFile(config.configFile, 'utf8')) as { tenants?: unknown }
    return typeof parsed.tenants === 'string' ? parsed.tenants : undefined
  } catch {
    return undefined // loadConfig already reported an unreadable or invalid file
  }
}

export async function selectTenants(ctx: Pick<CommandContext, 'io'>, values: { tenants?: string; 'all-tenants'?: boolean; tenant?: string }, config: CliConfig): Promise<TenantSelection> {
  if (values.tenants !== undefined && values['all-tenants']) throw usage('--tenants and --all-tenants are exclusive', '--all-tenants reads the list from M365D_TENANTS or "tenants" in the config file')
  if ((values.tenants !== undefined || values['all-tenants']) && values.tenant !== undefined) throw usage('--tenant and --tenants/--all-tenants are exclusive', 'use --tenant for one tenant, --tenants a,b,c for several')
  if (values.tenants !== undefined) {
    const tenants = parseList(values.tenants, 'flag')
    if (tenants.length === 0) throw usage('--tenants is empty', 'e.g. --tenants contoso.onmicrosoft.com,fabrikam.onmicrosoft.com')
    return { tenants, fanOut: true }
  }
  if (values['all-tenants']) {
    const env = ctx.io.env.M365D_TENANTS?.trim()
    const file = env ? undefined : await configTenants(config)
    const tenants = env ? parseList(env, 'env') : file ? parseList(file, 'file') : []
    if (tenants.length === 0) throw usage('--all-tenants found no tenant list', 'set M365D_TENANTS=a,b,c or "tenants": "a,b,c" in the config file (the tenants that consented to the app), or pass --tenants')
    return { tenants, fanOut: true }
  }
  if (config.tenant === undefined) throw new CliError('ERR_CONFIG_MISSING_TENANT', 'm365d hunt needs a tenant', { hint: 'set M365D_TENANT_ID, pass --tenant GUID|DOMAIN, or --tenants a,b,c / --all-tenants' })
  return { tenants: [config.tenant], fanOut: false }
}

function usage(message: string, hint: string): CliError {
  return new CliError('ERR_CLI_INVALID_OPTION', message, { hint })
}
