import { validateTenant } from '../config.js'
import { CliError, ExitCode } from '../errors.js'

/**
 * A tenant of the registry named the way `tenants add` accepts it: its id (GUID, any case) or the
 * domain it was added with (issue 11 §2: `remove contoso.onmicrosoft.com` after `add
 * contoso.onmicrosoft.com`). Checked here before the registry is reached; the registry operation
 * (src/sync/registry_operations.ts) looks it up and answers null when it is unknown.
 */
export function tenantArgument(input: string | undefined, commandPath: string): string {
  if (input === undefined) throw new CliError('ERR_CLI_MISSING_ARGUMENT', `${commandPath} needs a tenant id or domain`, { hint: 'see m365d tenants list' })
  validateTenant(input, 'flag', { shownAs: 'the TENANT argument' })
  return input
}

/** The tenant is not in the registry: exit 1 with where to look. */
export function tenantNotFound(input: string): CliError {
  return new CliError('ERR_CLI_TENANT_NOT_FOUND', `tenant ${input.slice(0, 60)} is not in the sync set`, { hint: 'see m365d tenants list', exitCode: ExitCode.checkFailed })
}

/** `Contoso (contoso.onmicrosoft.com, 3f…)`: the name first, then the domain and the id. */
export function tenantLabel(t: { display_name: string | null; domain: string | null; tenant_id: string }): string {
  const name = t.display_name ?? t.domain
  if (!name) return t.tenant_id
  return `${name} (${[t.display_name ? t.domain : null, t.tenant_id].filter(Boolean).join(', ')})`
}
