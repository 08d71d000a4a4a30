import { DEFAULT_OPS_PORT, redactUrl } from '../sync/index.js'
import { describe, type CliConfig, type Resolved, type Source } from './config.js'
import { configKey, type ConfigKeyName } from './config_keys.js'
import { parseHeaderText, shownHeaders } from '../sync/sinks/webhook_headers.js'

/**
 * Every setting in effect, as `m365d config` and `m365d config get` show it: the value (secrets
 * only as "set, hidden", database passwords, webhook paths and credential-like webhook headers redacted) and where it came from.
 * Built from the one resolved {@link CliConfig}; nothing here re-reads flags, environment or file.
 */
export interface SettingRow {
  /** The config key, or a derived setting (`credential`, `database`, `profile`). */
  setting: string
  value: string | null
  /** flag | env | profile | file | default | cloud (follows the cloud) | registry. */
  source: string | null
  /** How the source reads to a person: `--tenant`, `env M365D_TENANT_ID`, `profile contoso`. */
  from: string
}

export const HIDDEN = '(set, hidden)'

export function settingRows(config: CliConfig): SettingRow[] {
  const s = config.settings
  const profile = config.profile?.name
  const row = (setting: string, value: string | null | undefined, source: Source | 'registry' | undefined, key?: ConfigKeyName, from?: string): SettingRow => ({
    setting,
    value: value ?? null,
    source: value === undefined || value === null ? null : (source ?? null),
    from: value === undefined || value === null ? '' : (from ?? fromText(source, key, profile)),
  })
  // Hosts that only follow the cloud setting say so rather than naming a variable that is not set.
  const cloudText = `from the cloud (${fromText(config.sources.cloud, 'cloud', profile)})`
  const followsCloud = (r: Resolved | undefined, source: Source | undefined) => (r === undefined && source !== 'default' ? cloudText : undefined)
  const credential = config.credential
  const credentialText =
    credential === undefined ? undefined : credential.kind === 'secret' ? (credential.file ? `client secret from the file ${credential.file}` : `client secret ${HIDDEN}`) : `certificate ${credential.certificatePath}${credential.privateKeyPath ? ` + key ${credential.privateKeyPath}` : ''}`
  const db = config.storage
  const webhookSecret = s.webhookSecret && (!s.webhookSecretFile || rank(s.webhookSecret) < rank(s.webhookSecretFile)) ? s.webhookSecret : undefined
  return [
    { setting: 'configFile', value: config.configFile ?? null, source: config.configFile ? 'file' : null, from: config.configFile ? '' : `${config.configFileLocation} does not exist (m365d config set creates it)` },
    row('profile', profile, config.profile?.from === 'file' ? 'file' : config.profile?.from),
    row('tenant', config.tenant, config.sources.tenant, 'tenantId'),
    row('clientId', config.clientId, config.sources.clientId, 'clientId'),
    row('credential', credentialText, config.sources.credential, credential?.kind === 'certificate' ? 'certificatePath' : credential?.file ? 'clientSecretFile' : 'clientSecret'),
    row('cloud', config.cloud.name, config.sources.cloud, 'cloud'),
    row('authorityHost', config.authorityHost, config.sources.authorityHost, 'authorityHost', followsCloud(s.authorityHost, config.sources.authorityHost)),
    row('defenderApi', config.defenderApi, config.sources.defenderApi, 'defenderApi', followsCloud(s.defenderApi, config.sources.defenderApi)),
    row('graphApi', config.cloud.graphApi, config.sources.graphApi, 'graphApi', s.graphApi ? undefined : config.sources.graphApi === 'default' ? 'default' : s.defenderApi && config.cloud.graphApi === config.defenderApi ? `the emulator's origin (${fromText(s.defenderApi.from, 'defenderApi', profile)})` : cloudText),
    row('resource', config.resource, config.sources.resource, 'resource'),
    row('api', config.api, config.sources.api, 'api'),
    row('database', db.databaseUrl !== undefined ? `PostgreSQL ${redactUrl(db.databaseUrl)}` : `PGlite ${db.dataDir}`, config.sources.storage, db.databaseUrl !== undefined ? 'databaseUrl' : 'dataDir'),
    row('tenants', s.tenants ? s.tenants.value : 'the registry (m365d tenants list)', s.tenants ? s.tenants.from : 'registry', 'tenants'),
    row('opsPort', s.opsPort ? s.opsPort.value : `${DEFAULT_OPS_PORT} (m365d sync; m365d start: a free port)`, s.opsPort?.from ?? 'default', 'opsPort'),
    row('opsHost', s.opsHost ? s.opsHost.value : '127.0.0.1 (loopback only)', s.opsHost?.from ?? 'default', 'opsHost'),
    row('webhookUrl', s.webhookUrl && safeUrl(s.webhookUrl.value), s.webhookUrl?.from, 'webhookUrl'),
    row('webhookSecret', webhookSecret ? HIDDEN : s.webhookSecretFile ? `from the file ${s.webhookSecretFile.value}` : undefined, (webhookSecret ?? s.webhookSecretFile)?.from, webhookSecret ? 'webhookSecret' : 'webhookSecretFile'),
    row('webhookHeaders', s.webhookHeaders && shownHeaderLines(s.webhookHeaders.value), s.webhookHeaders?.from, 'webhookHeaders'),
    row('ndjsonDir', s.ndjsonDir?.value, s.ndjsonDir?.from, 'ndjsonDir'),
  ]
}

/** The value `m365d config get KEY` prints: the key's value in effect, default included. */
export function effectiveValue(config: CliConfig, key: ConfigKeyName): { value: string; source: string } | undefined {
  const rows = new Map(settingRows(config).map((r) => [r.setting, r]))
  const r = config.settings[key]
  if (configKey(key).kind === 'secret') return r ? { value: HIDDEN, source: r.from } : undefined
  if (key === 'databaseUrl' && r) return { value: redactUrl(r.value), source: r.from }
  if (key === 'webhookUrl' && r) return { value: safeUrl(r.value), source: r.from }
  if (key === 'webhookHeaders' && r) return { value: shownHeaderLines(r.value), source: r.from }
  if (r) return { value: r.value, source: r.from }
  // Keys with a built-in default answer with it, so scripts see what the commands will use.
  const derived: Partial<Record<ConfigKeyName, string>> = { tenantId: 'tenant', cloud: 'cloud', authorityHost: 'authorityHost', defenderApi: 'defenderApi', graphApi: 'graphApi', resource: 'resource', api: 'api' }
  const row = derived[key] !== undefined ? rows.get(derived[key]!) : undefined
  if (row?.value) return { value: row.value, source: row.source ?? 'default' }
  if (key === 'dataDir' && config.storage.dataDir !== undefined) return { value: config.storage.dataDir, source: 'default' }
  if (key === 'opsPort') return { value: String(DEFAULT_OPS_PORT), source: 'default' }
  if (key === 'opsHost') return { value: '127.0.0.1', source: 'default' }
  return undefined
}

export function fromText(source: Source | 'registry' | undefined, key: ConfigKeyName | undefined, profile: string | undefined): string {
  if (source === undefined) return ''
  if (source === 'registry') return 'default'
  if (source === 'default') return 'default'
  if (source === 'profile') return `profile ${profile}`
  if (key === undefined) return source === 'flag' ? 'flag --profile' : source === 'env' ? 'env M365D_PROFILE' : 'file "defaultProfile"'
  const k = configKey(key)
  return source === 'flag' ? `flag ${describe('flag', k)}` : source === 'env' ? `env ${k.env}` : 'file'
}

/** Webhook headers as `m365d config` shows them: credential-like values (Authorization, x-api-key) as (hidden). */
export function shownHeaderLines(lines: string): string {
  return shownHeaders(parseHeaderText(lines))
}

/** A webhook URL's path and query often carry a token: only the origin is shown. */
export function safeUrl(url: string): string {
  return URL.canParse(url) ? `${new URL(url).origin}/…` : '(not a URL)'
}

const LEVELS: Source[] = ['flag', 'env', 'profile', 'file']
function rank(r: Resolved | undefined): number {
  return r ? LEVELS.indexOf(r.from) : LEVELS.length
}
