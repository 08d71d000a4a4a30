import { randomUUID } from 'node:crypto'
import { Directory, DirectoryError, isGuid } from './state/directory.js'

/**
 * The emulator's seed configuration (JSON). Documented in README.md ("Emulator configuration").
 * Dates are ISO-8601 strings; every list is optional.
 */
export interface EmulatorConfig {
  tenants?: { id: string; displayName?: string; domains?: string[] }[]
  /**
   * Extra resource APIs (your own web API) besides the built-in Microsoft ones, present in every
   * tenant. `accessTokenAcceptedVersion` 2 makes its tokens v2.0 (`iss` …/v2.0, `aud` = appId,
   * `azp`), whichever endpoint issued them (entra-app-only.md §4.1); default 1.
   */
  resources?: { appId: string; displayName?: string; identifierUris: string[]; accessTokenAcceptedVersion?: 1 | 2; appRoles: { value: string; displayName?: string; id?: string }[] }[]
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
  /**
   * The advanced hunting `externaldata` allow-list: URI → inline content, or `{file}` read at query
   * time. Local files are accepted only here (the config given on the command line or in code),
   * never through the control API (issue 10 §2). The CLI resolves a relative `file` against the
   * config file's directory.
   */
  externalData?: Record<string, string | { file: string }>
}

export class ConfigError extends Error {}

/** Builds a directory from a config, with errors that name the offending entry. */
export function loadDirectory(config: EmulatorConfig, now: () => number = Date.now): Directory {
  checkConfigShape(config)
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
  config.resources?.forEach((r, i) =>
    at(`resources[${i}]`, () => {
      const appId = r.appId.toLowerCase()
      if (!isGuid(appId)) throw new DirectoryError(400, `appId '${r.appId}' is not a GUID`)
      for (const id of [appId, ...r.identifierUris])
        if (directory.resolveResource(id)) throw new DirectoryError(409, `resource '${id}' already exists`)
      directory.addResource({
        appId,
        displayName: r.displayName ?? `API ${appId.slice(0, 8)}`,
        identifierUris: r.identifierUris.map((u) => u.replace(/\/+$/, '')),
        accessTokenAcceptedVersion: r.accessTokenAcceptedVersion ?? 1,
        appRoles: r.appRoles.map((role) => ({ id: role.id ?? randomUUID(), value: role.value, displayName: role.displayName ?? role.value })),
      })
    }),
  )
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

const TOP_LEVEL_KEYS = ['tenants', 'resources', 'apps', 'grants', 'tokenLifetimeSeconds', 'tokenRateLimit', 'externalData']

const positive = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v > 0

/** `tokenLifetimeSeconds`: a positive number of seconds or `{min, max}` with 0 < min <= max. */
export function isTokenLifetime(v: unknown): v is EmulatorConfig['tokenLifetimeSeconds'] {
  if (positive(v)) return true
  if (typeof v !== 'object' || v === null) return false
  const { min, max } = v as { min?: unknown; max?: unknown }
  return positive(min) && positive(max) && min <= max
}

/** `tokenRateLimit`: `{requests, perSeconds}`, a positive whole number of requests per positive seconds. */
export function isTokenRateLimit(v: unknown): v is EmulatorConfig['tokenRateLimit'] {
  if (typeof v !== 'object' || v === null) return false
  const { requests, perSeconds } = v as { requests?: unknown; perSeconds?: unknown }
  return positive(requests) && Number.isInteger(requests) && positive(perSeconds)
}

/**
 * Checks the JSON types of a seed config before anything is built, so a hand-edited file fails
 * with the path of the bad value instead of a TypeError deep in the directory. A misspelt top-level
 * key is an error too: ignoring it would silently start an empty emulator. Entries may carry extra
 * keys, because `GET /_emulator/config` adds read-only ones (keyId, hint, thumbprint, …) and its
 * output is meant to be fed back.
 */
export function checkConfigShape(config: unknown): asserts config is EmulatorConfig {
  const fail = (where: string, what: string): never => {
    throw new ConfigError(`${where}: ${what}`)
  }
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)
  if (!isObject(config)) fail('config', 'the top level must be a JSON object')
  const top = config as Record<string, unknown>
  for (const key of Object.keys(top)) {
    if (!TOP_LEVEL_KEYS.includes(key)) fail(key, `unknown key (expected one of ${TOP_LEVEL_KEYS.join(', ')})`)
  }
  const list = (key: string): Record<string, unknown>[] => {
    const value = top[key]
    if (value === undefined) return []
    if (!Array.isArray(value)) fail(key, 'must be an array')
    return (value as unknown[]).map((entry, i) => (isObject(entry) ? entry : fail(`${key}[${i}]`, 'must be an object')))
  }
  const str = (where: string, v: unknown, required: boolean) => {
    if (v === undefined && required) fail(where, 'must be a string (required)')
    if (v !== undefined && typeof v !== 'string') fail(where, 'must be a string')
  }
  const strings = (where: string, v: unknown) => {
    if (v !== undefined && !(Array.isArray(v) && v.every((x) => typeof x === 'string'))) fail(where, 'must be an array of strings')
  }
  const consentList = (where: string, v: unknown) => {
    if (v === undefined) return
    if (!Array.isArray(v)) fail(where, 'must be an array of {resource, roles}')
    ;(v as unknown[]).forEach((r, i) => {
      if (!isObject(r)) return fail(`${where}[${i}]`, 'must be an object {resource, roles}')
      str(`${where}[${i}].resource`, r.resource, true)
      if (r.roles === undefined) fail(`${where}[${i}].roles`, 'must be an array of strings (required)')
      strings(`${where}[${i}].roles`, r.roles)
    })
  }
  list('tenants').forEach((t, i) => {
    str(`tenants[${i}].id`, t.id, true)
    str(`tenants[${i}].displayName`, t.displayName, false)
    strings(`tenants[${i}].domains`, t.domains)
  })
  list('resources').forEach((r, i) => {
    const at = `resources[${i}]`
    str(`${at}.appId`, r.appId, true)
    str(`${at}.displayName`, r.displayName, false)
    if (r.identifierUris === undefined) fail(`${at}.identifierUris`, 'must be an array of strings (required)')
    strings(`${at}.identifierUris`, r.identifierUris)
    if (r.accessTokenAcceptedVersion !== undefined && r.accessTokenAcceptedVersion !== 1 && r.accessTokenAcceptedVersion !== 2)
      fail(`${at}.accessTokenAcceptedVersion`, 'must be 1 or 2')
    if (!Array.isArray(r.appRoles)) fail(`${at}.appRoles`, 'must be an array of {value, displayName?} (required)')
    ;(r.appRoles as unknown[]).forEach((role, j) => {
      if (!isObject(role)) return fail(`${at}.appRoles[${j}]`, 'must be an object {value, displayName?}')
      str(`${at}.appRoles[${j}].value`, role.value, true)
      str(`${at}.appRoles[${j}].displayName`, role.displayName, false)
      str(`${at}.appRoles[${j}].id`, role.id, false)
    })
  })
  list('apps').forEach((a, i) => {
    const at = `apps[${i}]`
    str(`${at}.appId`, a.appId, true)
    str(`${at}.homeTenant`, a.homeTenant, true)
    str(`${at}.displayName`, a.displayName, false)
    if (a.signInAudience !== undefined && a.signInAudience !== 'AzureADMyOrg' && a.signInAudience !== 'AzureADMultipleOrgs')
      fail(`${at}.signInAudience`, "must be 'AzureADMyOrg' or 'AzureADMultipleOrgs'")
    if (a.enabled !== undefined && typeof a.enabled !== 'boolean') fail(`${at}.enabled`, 'must be true or false')
    strings(`${at}.redirectUris`, a.redirectUris)
    consentList(`${at}.requiredResourceAccess`, a.requiredResourceAccess)
    for (const [key, field] of [['secrets', 'value'], ['certificates', 'certificatePem']] as const) {
      const entries = a[key]
      if (entries === undefined) continue
      if (!Array.isArray(entries)) fail(`${at}.${key}`, 'must be an array')
      ;(entries as unknown[]).forEach((e, j) => {
        if (!isObject(e)) return fail(`${at}.${key}[${j}]`, 'must be an object')
        str(`${at}.${key}[${j}].${field}`, e[field], key === 'certificates')
        for (const k of ['startsAt', 'expiresAt', 'displayName']) str(`${at}.${key}[${j}].${k}`, e[k], false)
      })
    }
  })
  list('grants').forEach((g, i) => {
    str(`grants[${i}].tenant`, g.tenant, true)
    str(`grants[${i}].app`, g.app, true)
    consentList(`grants[${i}].consent`, g.consent)
  })
  if (top.tokenLifetimeSeconds !== undefined && !isTokenLifetime(top.tokenLifetimeSeconds))
    fail('tokenLifetimeSeconds', 'must be a positive number of seconds or {min, max} with 0 < min <= max')
  if (top.tokenRateLimit !== undefined && !isTokenRateLimit(top.tokenRateLimit))
    fail('tokenRateLimit', 'must be {requests, perSeconds} with a positive whole number of requests and positive seconds')
  if (top.externalData !== undefined) {
    if (!isObject(top.externalData)) fail('externalData', 'must be an object of URI → content string or {"file": path}')
    for (const [uri, source] of Object.entries(top.externalData as Record<string, unknown>))
      if (typeof source !== 'string' && !(isObject(source) && typeof source.file === 'string')) fail(`externalData["${uri}"]`, 'must be the content as a string or {"file": "<path>"}')
  }
}
