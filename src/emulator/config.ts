import { Directory, DirectoryError } from './state/directory.js'

/**
 * The emulator's seed configuration (JSON). Documented in README.md ("Emulator configuration").
 * Dates are ISO-8601 strings; every list is optional.
 */
export interface EmulatorConfig {
  tenants?: { id: string; displayName?: string; domains?: string[] }[]
  apps?: {
    appId: string
    displayName?: string
    /** Tenant GUID or verified domain. */
    homeTenant: string
    signInAudience?: 'AzureADMyOrg' | 'AzureADMultipleOrgs'
    enabled?: boolean
    redirectUris?: string[]
    /** Application permissions the app asks for, by resource App ID URI or appId. */
    requiredResourceAccess?: { resource: string; roles: string[] }[]
    secrets?: { value: string; displayName?: string; startsAt?: string; expiresAt?: string }[]
    certificates?: { certificatePem: string; displayName?: string }[]
  }[]
  /**
   * Admin consent already given: creates the service principal in `tenant` and grants `consent`
   * (or, when omitted, everything the app asks for).
   */
  grants?: { tenant: string; app: string; consent?: { resource: string; roles: string[] }[] }[]
  /** Token lifetime in seconds: a number, or a range drawn uniformly (default 3600–5400, like Entra). */
  tokenLifetimeSeconds?: number | { min: number; max: number }
  /** Token endpoint rate limit per client id (default: none). */
  tokenRateLimit?: { requests: number; perSeconds: number }
}

export class ConfigError extends Error {}

/** Builds a directory from a config, with errors that name the offending entry. */
export function loadDirectory(config: EmulatorConfig, now: () => number = Date.now): Directory {
  const directory = new Directory(now)
  const at = (where: string, fn: () => void) => {
    try {
      fn()
    } catch (e) {
      if (e instanceof DirectoryError || e instanceof RangeError) throw new ConfigError(`${where}: ${e.message}`)
      throw e
    }
  }
  config.tenants?.forEach((t, i) => at(`tenants[${i}]`, () => directory.addTenant(t)))
  config.apps?.forEach((a, i) =>
    at(`apps[${i}]`, () => {
      directory.addApp({ ...a, homeTenantId: a.homeTenant })
      a.secrets?.forEach((s) =>
        directory.addSecret(a.appId, {
          value: s.value,
          ...(s.displayName !== undefined && { displayName: s.displayName }),
          ...(s.startsAt !== undefined && { startsAt: parseDate(s.startsAt) }),
          ...(s.expiresAt !== undefined && { expiresAt: parseDate(s.expiresAt) }),
        }),
      )
      a.certificates?.forEach((c) => directory.addCertificate(a.appId, c))
    }),
  )
  config.grants?.forEach((g, i) => at(`grants[${i}]`, () => directory.consent(g.tenant, g.app, g.consent)))
  return directory
}

function parseDate(value: string): number {
  const ms = Date.parse(value)
  if (Number.isNaN(ms)) throw new RangeError(`'${value}' is not an ISO-8601 date`)
  return ms
}
