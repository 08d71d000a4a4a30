import { isIP } from 'node:net'
import { resolve } from 'node:path'
import { clouds, resolveCloud } from '../auth/clouds.js'
import { parseHeaderText } from '../sync/sinks/webhook_headers.js'
import { ConfigError } from './errors.js'
import { closest } from './suggest.js'

/**
 * Every setting the CLI reads from the config file, one table (issue 11 §3): its file key, its
 * environment variable, its flag, and how a value is checked. `m365d config set` validates with it,
 * the config file parser accepts exactly these keys, `m365d config` lists them, and completion
 * offers them. The precedence (flags > environment > profile > file > defaults) lives in one place,
 * src/cli/config_settings.ts.
 */
export type KeyKind = 'tenant' | 'guid' | 'secret' | 'path' | 'cloud' | 'url' | 'api' | 'tenants' | 'database' | 'port' | 'host' | 'headers'

export interface ConfigKey {
  key: string
  env: string
  /** The flag that overrides it (without `--`), where there is one. */
  flag?: string
  kind: KeyKind
  description: string
}

export const CONFIG_KEYS = [
  { key: 'tenantId', env: 'M365D_TENANT_ID', flag: 'tenant', kind: 'tenant', description: 'Tenant to get tokens from (the home tenant of a partner app): GUID or verified domain' },
  { key: 'clientId', env: 'M365D_CLIENT_ID', flag: 'client-id', kind: 'guid', description: 'Application (client) id' },
  { key: 'clientSecret', env: 'M365D_CLIENT_SECRET', kind: 'secret', description: 'Client secret, stored in plain text (set it from stdin with --plaintext-secret)' },
  { key: 'clientSecretFile', env: 'M365D_CLIENT_SECRET_FILE', flag: 'client-secret-file', kind: 'path', description: 'File holding the client secret (first line)' },
  { key: 'certificatePath', env: 'M365D_CERTIFICATE_PATH', flag: 'certificate', kind: 'path', description: 'Certificate PEM file (key inside, or privateKeyPath)' },
  { key: 'privateKeyPath', env: 'M365D_PRIVATE_KEY_PATH', flag: 'private-key', kind: 'path', description: 'Private key PEM file for the certificate' },
  { key: 'cloud', env: 'M365D_CLOUD', flag: 'cloud', kind: 'cloud', description: 'commercial | gcc | gcc-high | dod' },
  { key: 'authorityHost', env: 'M365D_AUTHORITY_HOST', flag: 'authority-host', kind: 'url', description: "Identity platform host (default: the cloud's)" },
  { key: 'defenderApi', env: 'M365D_DEFENDER_API', flag: 'defender-api', kind: 'url', description: "Legacy Defender API base URL (default: the cloud's)" },
  { key: 'graphApi', env: 'M365D_GRAPH_API', flag: 'graph-api', kind: 'url', description: "Microsoft Graph base URL (default: the cloud's, or the emulator's)" },
  { key: 'resource', env: 'M365D_RESOURCE', flag: 'resource', kind: 'url', description: "Token resource / audience (default: each API's own)" },
  { key: 'api', env: 'M365D_API', flag: 'api', kind: 'api', description: 'graph (default) | legacy (retires 1 Feb 2027)' },
  { key: 'tenants', env: 'M365D_TENANTS', kind: 'tenants', description: 'Tenants for --all-tenants when there is no registry (comma-separated)' },
  { key: 'dataDir', env: 'M365D_DATA_DIR', flag: 'data-dir', kind: 'path', description: 'Embedded PGlite data directory (default ~/.m365d/data)' },
  { key: 'databaseUrl', env: 'M365D_DATABASE_URL', flag: 'database-url', kind: 'database', description: 'PostgreSQL URL instead of PGlite (password: use ~/.pgpass or PGPASSWORD)' },
  { key: 'opsPort', env: 'M365D_OPS_PORT', flag: 'ops-port', kind: 'port', description: "Port of the daemon's /healthz, /metrics, console and consent callback (sync default 9464)" },
  { key: 'opsHost', env: 'M365D_OPS_HOST', flag: 'ops-host', kind: 'host', description: 'Interface the ops server and console bind to (default 127.0.0.1)' },
  { key: 'webhookUrl', env: 'M365D_WEBHOOK_URL', flag: 'sink-webhook', kind: 'url', description: 'm365d sync: also POST every new record version to this URL' },
  { key: 'webhookSecret', env: 'M365D_WEBHOOK_SECRET', kind: 'secret', description: 'Webhook signing secret whsec_…, stored in plain text (set it from stdin with --plaintext-secret)' },
  { key: 'webhookSecretFile', env: 'M365D_WEBHOOK_SECRET_FILE', kind: 'path', description: 'File holding the webhook signing secret (first line)' },
  { key: 'webhookHeaders', env: 'M365D_WEBHOOK_HEADERS', flag: 'sink-webhook-header', kind: 'headers', description: "Headers sent with every webhook POST, 'Name: value' (the file stores {\"Name\": \"value\"}); credential-like values are hidden and set from stdin" },
  { key: 'ndjsonDir', env: 'M365D_NDJSON_DIR', flag: 'sink-ndjson', kind: 'path', description: 'm365d sync: also write every new record version to NDJSON files here' },
] as const satisfies readonly ConfigKey[]

export type ConfigKeyName = (typeof CONFIG_KEYS)[number]['key']

/**
 * The keys `m365d start` (the demo on its embedded emulator) takes: where its data, ops server,
 * console and sinks go. It ignores the others, which describe your app against Microsoft
 * (src/cli/commands/start_settings.ts says why); `m365d config` and start itself say so.
 */
export const START_KEYS = ['dataDir', 'opsPort', 'opsHost', 'webhookUrl', 'webhookSecret', 'webhookSecretFile', 'webhookHeaders', 'ndjsonDir'] as const satisfies readonly ConfigKeyName[]
export const KEY_NAMES: readonly ConfigKeyName[] = CONFIG_KEYS.map((k) => k.key)
/** Top-level keys that are not settings. */
export const STRUCTURE_KEYS = ['profiles', 'defaultProfile'] as const

export function configKey(name: string): ConfigKey {
  const key = (CONFIG_KEYS as readonly ConfigKey[]).find((k) => k.key === name)
  if (key) return key
  // Accept the environment variable or the flag spelling in a suggestion, not as the key.
  const byAlias = (CONFIG_KEYS as readonly ConfigKey[]).find((k) => k.env === name || k.flag === name.replace(/^--/, ''))
  const suggestion = byAlias?.key ?? closest(name, KEY_NAMES)
  throw new ConfigError('ERR_CONFIG_UNKNOWN_KEY', `unknown config key ${shown(name)}`, {
    hint: `${suggestion ? `did you mean '${suggestion}'? ` : ''}keys: ${KEY_NAMES.join(', ')} (see m365d config set --help)`,
  })
}

export function isSecretKey(name: string): boolean {
  return (CONFIG_KEYS as readonly ConfigKey[]).find((k) => k.key === name)?.kind === 'secret'
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const DOMAIN = /^(?=.{4,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,62}$/i
const HOSTNAME = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/i

export function isTenant(value: string): boolean {
  return GUID.test(value) || DOMAIN.test(value)
}
export function isGuid(value: string): boolean {
  return GUID.test(value)
}

/**
 * Checks a value for `m365d config set` and returns what is stored: paths made absolute against the
 * directory the command runs in (what the user meant), cloud names and GUIDs as given.
 */
export function normalizeValue(key: ConfigKey, value: string, cwd: string): string | number | Record<string, string> {
  const bad = (what: string, hint: string) => new ConfigError('ERR_CONFIG_INVALID_VALUE', `${key.key} ${shown(value)} ${what}`, { hint })
  const v = value.trim()
  if (v === '') throw bad('is empty', `to remove it: m365d config unset ${key.key}`)
  switch (key.kind) {
    case 'tenant':
      if (!isTenant(v)) throw bad('is neither a GUID nor a domain', 'use the Directory (tenant) ID GUID, or a verified domain such as contoso.onmicrosoft.com')
      return v
    case 'guid':
      if (!GUID.test(v)) throw bad('is not a GUID', "use the app registration's Application (client) ID, e.g. 00001111-aaaa-2222-bbbb-3333cccc4444")
      return v.toLowerCase()
    case 'cloud': {
      // Aliases (public, usgov, gcchigh…) are stored as the cloud they mean.
      try {
        return resolveCloud(v).name
      } catch {
        const names = Object.keys(clouds)
        const s = closest(v.toLowerCase(), names)
        throw bad('is not a cloud', `${s ? `did you mean '${s}'? ` : ''}use one of: ${names.join(', ')}`)
      }
    }
    case 'api':
      if (v !== 'graph' && v !== 'legacy') throw bad('is neither graph nor legacy', 'use graph (the default) or legacy (retires 1 Feb 2027)')
      return v
    case 'url':
      if (!URL.canParse(v) || !/^https?:$/.test(new URL(v).protocol)) throw bad('is not an http(s) URL', 'e.g. https://graph.microsoft.com or http://127.0.0.1:8765')
      return v.replace(/\/+$/, '')
    case 'database': {
      if (!URL.canParse(v) || !/^postgres(ql)?:$/.test(new URL(v).protocol)) throw bad('is not a postgres:// URL', 'use postgres://user@host:5432/database')
      if (new URL(v).password) {
        throw new ConfigError('ERR_CLI_SECRET_ON_COMMAND_LINE', 'refusing a database URL with a password on the command line', {
          hint: 'store the URL without the password and give it to PostgreSQL in ~/.pgpass (chmod 600) or PGPASSWORD',
        })
      }
      return v
    }
    case 'tenants': {
      const list = v.split(/[\s,]+/).filter(Boolean)
      const wrong = list.find((t) => !isTenant(t))
      if (wrong !== undefined) throw new ConfigError('ERR_CONFIG_INVALID_VALUE', `tenants: ${shown(wrong)} is neither a GUID nor a domain`, { hint: 'a comma-separated list of tenant ids or domains' })
      return list.join(',')
    }
    case 'port':
      if (!/^\d+$/.test(v) || Number(v) > 65535) throw bad('is not a port from 0 to 65535', '0 picks a free port')
      return Number(v)
    case 'host':
      if (!isIP(v) && !HOSTNAME.test(v)) throw bad('is not an IP address or host name', 'e.g. 127.0.0.1 (loopback only), 0.0.0.0 (every interface) or ::1')
      return v
    case 'path':
      return resolve(cwd, v)
    case 'headers':
      // The config file stores the set as a JSON object; the error never quotes a value.
      try {
        return parseHeaderText(v)
      } catch (e) {
        throw new ConfigError('ERR_CONFIG_INVALID_VALUE', `webhookHeaders: ${(e as Error).message}`, { hint: "one 'Name: value' per header, e.g. 'x-source: mssp'; several: one per line or several arguments" })
      }
    case 'secret':
      return v
  }
}

/** User input is echoed only when it cannot be a pasted secret (see config.ts `shorten`). */
export function shown(value: string): string {
  return value.length <= 36 && /^[\w.:/-]*$/.test(value) ? `'${value}'` : `<${value.length} characters>`
}
