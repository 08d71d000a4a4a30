/**
 * Which tenants a cross-tenant command (`hunt`, `incidents list`) runs in (issue 9 §1, issue 11 §2):
 * `--tenants a,b,c` (ids or domains, each resolved to its tenant id so the TenantId column always
 * holds the GUID), `--all-tenants` = the active tenants of the registry (the store `m365d tenants`
 * manages, chosen with --data-dir / --database-url like there; `--tag` narrows it), else the single
 * configured tenant. M365D_TENANTS / the config file's "tenants" are read only when there is no
 * registry at all (no database URL and no embedded data directory), for setups without a store;
 * like every setting they come from the one resolution in src/cli/config.ts (env > profile > file).
 */
import { existsSync } from 'node:fs'
import { resolveTenantId } from '../../auth/tenant_discovery.js'
import { TAG } from '../../sync/index.js'
import { storageFrom } from '../app_settings.js'
import type { CommandContext, OptionSpecs } from '../command.js'
import { openRegistry } from '../registry_access.js'
import { validateTenant, type CliConfig } from '../config.js'
import { CliError } from '../errors.js'

/** The options every command that fans out over tenants takes, storage included (as `tenants`). */
export const fanOutOptions = {
  tenants: { type: 'string', valueName: 'LIST', description: 'Run in each of these tenants (comma-separated GUIDs or domains)' },
  'all-tenants': { type: 'boolean', description: "Run in every active tenant of the registry ('m365d tenants list'; M365D_TENANTS only when there is no store)" },
  tag: { type: 'string', multiple: true, valueName: 'TAG', description: 'With --all-tenants: only tenants with this tag (repeatable: all of them)' },
  'data-dir': { type: 'string', valueName: 'DIR', description: 'Registry: embedded PGlite data directory (M365D_DATA_DIR; default ~/.m365d/data)' },
  'database-url': { type: 'string', valueName: 'URL', description: 'Registry: PostgreSQL instead of PGlite (M365D_DATABASE_URL)' },
} as const satisfies OptionSpecs

export interface SelectedTenant {
  /** Always the tenant id (GUID, lower case). */
  tenantId: string
  name: string | null
}

export interface TenantSelection {
  tenants: SelectedTenant[]
  /** More than one tenant (or asked for as a list): rows get a TenantId column, per-tenant status. */
  fanOut: boolean
  /** Where the list came from, for messages. */
  source: 'flag' | 'registry' | 'env' | 'file' | 'config'
}

type Values = { tenants?: string; 'all-tenants'?: boolean; tag?: string[]; tenant?: string; 'data-dir'?: string; 'database-url'?: string }

function parseList(text: string, from: 'flag' | 'env' | 'file'): string[] {
  const list = [...new Set(text.split(/[\s,]+/).map((t) => t.trim()).filter(Boolean))]
  for (const t of list) validateTenant(t, from, from === 'flag' ? { shownAs: '--tenants' } : from === 'env' ? { shownAs: 'M365D_TENANTS' } : { shownAs: 'config file "tenants"' })
  return list
}

/** Ids as they are, domains resolved once through OpenID discovery; duplicates dropped. */
async function resolveAll(list: string[], config: CliConfig): Promise<SelectedTenant[]> {
  const out = new Map<string, SelectedTenant>()
  for (const t of list) {
    const tenantId = await resolveTenantId(t, { authorityHost: config.authorityHost })
    if (!out.has(tenantId)) out.set(tenantId, { tenantId, name: t.includes('.') ? t.toLowerCase() : null })
  }
  return [...out.values()]
}

export async function selectTenants(ctx: Pick<CommandContext, 'io' | 'commandPath' | 'feedback' | 'warn' | 'registerSecret'> & { values: { verbose?: boolean | undefined } }, values: Values, config: CliConfig): Promise<TenantSelection> {
  if (values.tenants !== undefined && values['all-tenants']) throw usage('--tenants and --all-tenants are exclusive', '--all-tenants reads the registry (m365d tenants list)')
  if ((values.tenants !== undefined || values['all-tenants']) && values.tenant !== undefined) throw usage('--tenant and --tenants/--all-tenants are exclusive', 'use --tenant for one tenant, --tenants a,b,c for several')
  if (values.tag?.length && !values['all-tenants']) throw usage('--tag needs --all-tenants', 'e.g. --all-tenants --tag gold')
  for (const t of values.tag ?? []) if (!TAG.test(t)) throw usage(`'${t.slice(0, 70)}' is not a tag`, "1-64 letters, digits, '-', '_', '.' or ':'")
  if (values.tenants !== undefined) {
    const list = parseList(values.tenants, 'flag')
    if (list.length === 0) throw usage('--tenants is empty', 'e.g. --tenants contoso.onmicrosoft.com,fabrikam.onmicrosoft.com')
    return { tenants: await resolveAll(list, config), fanOut: true, source: 'flag' }
  }
  if (values['all-tenants']) {
    const storage = storageFrom(config)
    if (storage.databaseUrl !== undefined || (storage.dataDir !== undefined && existsSync(storage.dataDir))) {
      // Through the running daemon when it owns the embedded store (src/cli/registry_access.ts).
      const registry = await openRegistry(ctx, values, { config })
      let rows
      try {
        rows = await registry.call('active', { ...(values.tag?.length && { tags: values.tag }) })
      } finally {
        await registry.close()
      }
      if (rows.length === 0) {
        throw usage(values.tag?.length ? `no active tenant in the registry has the tag(s) ${values.tag.join(', ')}` : '--all-tenants: the registry has no active tenant', 'add tenants with m365d tenants add <TENANT-ID|DOMAIN> (see m365d tenants list)')
      }
      return { tenants: rows.map((r) => ({ tenantId: r.tenant_id, name: r.display_name ?? r.domain })), fanOut: true, source: 'registry' }
    }
    if (values.tag?.length) throw usage('--tag needs the registry, and there is none', 'add tenants with m365d tenants add, or pass --data-dir / --database-url')
    const configured = config.settings.tenants
    const from = configured?.from === 'env' ? 'env' : 'file'
    const list = configured ? parseList(configured.value, from) : []
    if (list.length === 0) throw usage('--all-tenants found no registry and no tenant list', "add tenants with 'm365d tenants add' (the registry, --data-dir / --database-url), or pass --tenants a,b,c")
    return { tenants: await resolveAll(list, config), fanOut: true, source: from }
  }
  if (config.tenant === undefined) throw new CliError('ERR_CONFIG_MISSING_TENANT', `${ctx.commandPath} needs a tenant`, { hint: 'set M365D_TENANT_ID, pass --tenant GUID|DOMAIN, or --tenants a,b,c / --all-tenants' })
  return { tenants: [{ tenantId: config.tenant, name: null }], fanOut: false, source: 'config' }
}

function usage(message: string, hint: string): CliError {
  return new CliError('ERR_CLI_INVALID_OPTION', message, { hint })
}
