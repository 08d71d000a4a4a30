import { clouds, resolveCloud, type Cloud } from '../auth/clouds.js'
// The light face of src/sync for configuration: no database code, so `m365d token` stays fast.
import { resolveStorage, type StorageSelection } from '../sync/storage_location.js'
import type { CommandContext, OptionSpecs } from './command.js'
import { configKey, isGuid, isTenant, type ConfigKeyName } from './config_keys.js'
import { ConfigError } from './errors.js'
import { readSecretFile, readSecretStdin } from './secret_input.js'
import { closest } from './suggest.js'

export { readAll, readSecretStdin } from './secret_input.js'

/**
 * CLI configuration, resolved ONCE per command with the precedence
 * flags > environment (M365D_*) > selected profile > the config file's top level > defaults
 * (docs/cli.md "Configuration"). The keys are the table in config_keys.ts; the file is
 * config_file.ts. Values are validated here, early, so a typo in a tenant id is a usage error
 * (exit 2) instead of an AADSTS answer from the server. Only the winning value is validated.
 */

/** Options shared by every command that needs credentials; spread them into a command's options. */
export const credentialOptions = {
  tenant: { type: 'string', valueName: 'GUID|DOMAIN', description: 'Tenant to get tokens from (M365D_TENANT_ID)' },
  'client-id': { type: 'string', valueName: 'GUID', description: 'Application (client) id (M365D_CLIENT_ID)' },
  'client-secret': { type: 'string', hidden: true, description: 'Refused: a secret on the command line leaks via ps and shell history' },
  'client-secret-file': { type: 'string', valueName: 'FILE', description: 'Read the client secret from FILE (M365D_CLIENT_SECRET_FILE)' },
  'client-secret-stdin': { type: 'boolean', description: 'Read the client secret from stdin' },
  certificate: { type: 'string', valueName: 'PEM', description: 'Certificate PEM file, key in the same file or --private-key (M365D_CERTIFICATE_PATH)' },
  'private-key': { type: 'string', valueName: 'PEM', description: 'Private key PEM file for --certificate (M365D_PRIVATE_KEY_PATH)' },
  cloud: { type: 'string', valueName: 'NAME', description: 'commercial | gcc | gcc-high | dod (M365D_CLOUD; default commercial)' },
  'authority-host': { type: 'string', valueName: 'URL', description: 'Identity platform host, e.g. the emulator URL (M365D_AUTHORITY_HOST)' },
  config: { type: 'string', valueName: 'FILE', description: 'JSON config file (M365D_CONFIG; default $XDG_CONFIG_HOME/m365d/config.json)' },
} as const satisfies OptionSpecs

/** Options for commands that call the Defender API (the token resource and the API base URL). */
export const apiOptions = {
  api: { type: 'string', valueName: 'graph|legacy', description: 'Which API: Microsoft Graph security (default) or the legacy api.security.microsoft.com, retiring 1 Feb 2027 (M365D_API)' },
  resource: { type: 'string', valueName: 'URI', description: 'Token resource / audience (M365D_RESOURCE; default the Defender API)' },
  'defender-api': { type: 'string', valueName: 'URL', description: 'Defender API base URL (M365D_DEFENDER_API)' },
} as const satisfies OptionSpecs

import { describe, LEVELS, readSettings, type Resolved, type Source } from './config_settings.js'

export { describe, readSettings, type Resolved, type Source }

/** Where the credential comes from; the secret itself is read only when the credential is built. */
export type CredentialSource =
  | { kind: 'secret'; from: Source; secret: string; file?: string }
  | { kind: 'certificate'; from: Source; certificatePath: string; privateKeyPath?: string }

export interface CliConfig {
  tenant?: string
  clientId?: string
  credential?: CredentialSource
  cloud: Cloud
  /** Identity platform host without trailing slash (the cloud's, or the override). */
  authorityHost: string
  defenderApi: string
  resource: string
  /** The API surface: Graph unless `--api legacy`, M365D_API=legacy or `"api": "legacy"` in the file. */
  api: 'graph' | 'legacy'
  /** The store: PostgreSQL URL or PGlite data directory, with where it came from. */
  storage: StorageSelection
  /** The config file that was read, if any. */
  configFile?: string
  /** Where the config file is looked for (--config, M365D_CONFIG or the XDG default), read or not. */
  configFileLocation: string
  /** The profile in effect, and what selected it. */
  profile?: { name: string; from: 'flag' | 'env' | 'file' }
  /** Every key of the config table as resolved (paths absolute); secrets are present but must never be printed. */
  settings: Partial<Record<ConfigKeyName, Resolved>>
  /** Where each setting came from, for `m365d config` and error hints. */
  sources: Record<'tenant' | 'clientId' | 'credential' | 'cloud' | 'authorityHost' | 'defenderApi' | 'graphApi' | 'resource' | 'api' | 'storage', Source | undefined>
}

type Flags = Record<string, string | boolean | string[] | undefined>

/**
 * Resolves the configuration for a command from its flags, `ctx.io.env`, the selected profile and
 * the config file. `use: { tenant: false, credential: false }` leaves those settings out entirely
 * (consent-link needs neither, so a broken secret setup must not stop it).
 */
export async function loadConfig(
  ctx: Pick<CommandContext, 'io' | 'warn' | 'registerSecret'>,
  flags: Flags,
  use: { tenant?: boolean; credential?: boolean } = {},
): Promise<CliConfig> {
  const env = ctx.io.env
  const cwd = ctx.io.cwd
  if (flags['client-secret'] !== undefined) {
    throw new ConfigError('ERR_CLI_SECRET_ON_COMMAND_LINE', 'refusing --client-secret: a secret on the command line is visible to other users (ps) and kept in shell history', {
      hint: 'set M365D_CLIENT_SECRET, use --client-secret-file FILE or --client-secret-stdin, or store it: m365d config set clientSecretFile FILE',
    })
  }
  const { file, profile, settings } = await readSettings(ctx, flags)
  const get = (key: ConfigKeyName) => settings[key]

  const tenant = use.tenant === false ? undefined : get('tenantId')
  if (tenant) validateTenant(tenant.value, tenant.from)
  const clientId = get('clientId')
  if (clientId) validateClientId(clientId.value, clientId.from)
  const cloudName = get('cloud')
  const authorityHost = get('authorityHost')
  const defenderApi = get('defenderApi')
  const cloud = buildCloud(cloudName, authorityHost?.value, defenderApi?.value)
  const graphApi = get('graphApi')?.value ?? emulatorGraphApi(cloud.defenderApi, defenderApi?.from)
  if (graphApi) cloud.graphApi = resolveCloud(cloud.name, { graphApi }).graphApi
  const resource = get('resource')
  const api = get('api')
  if (api !== undefined && api.value !== 'graph' && api.value !== 'legacy') {
    throw new ConfigError('ERR_CONFIG_INVALID_API', `api ${shorten(api.value)} (from ${describe(api.from, configKey('api'))}) is neither graph nor legacy`, {
      hint: 'use graph (the default) or legacy (retires 1 Feb 2027)',
    })
  }
  const storage = pickStorage(settings, env, cwd)
  if (storage.from !== 'default' && storage.selection.databaseUrl && URL.canParse(storage.selection.databaseUrl)) {
    const password = new URL(storage.selection.databaseUrl).password
    if (password) ctx.registerSecret(decodeURIComponent(password))
  }
  const credential = use.credential === false ? undefined : await pickCredential(flags, env, settings, ctx)
  return {
    ...(tenant !== undefined && { tenant: tenant.value }),
    ...(clientId !== undefined && { clientId: clientId.value }),
    ...(credential !== undefined && { credential }),
    cloud,
    authorityHost: cloud.authorityHost,
    defenderApi: cloud.defenderApi,
    resource: resource?.value ?? cloud.defenderResource,
    api: (api?.value ?? 'graph') as 'graph' | 'legacy',
    storage: storage.selection,
    ...(file.exists && { configFile: file.path }),
    configFileLocation: file.path,
    ...(profile && { profile }),
    settings: use.tenant === false ? { ...settings, tenantId: undefined } : settings,
    sources: {
      tenant: tenant?.from,
      clientId: clientId?.from,
      credential: credential?.from,
      cloud: cloudName?.from ?? 'default',
      authorityHost: authorityHost?.from ?? cloudName?.from ?? 'default',
      defenderApi: defenderApi?.from ?? cloudName?.from ?? 'default',
      graphApi: get('graphApi')?.from ?? (graphApi ? defenderApi?.from : (cloudName?.from ?? 'default')),
      resource: resource?.from ?? 'default',
      api: api?.from ?? 'default',
      storage: storage.from,
    },
  }
}

/** The store setting from the highest level wins; at one level a database URL beats a data directory. */
function pickStorage(settings: Partial<Record<ConfigKeyName, Resolved>>, env: Record<string, string | undefined>, cwd: string): { selection: StorageSelection; from: Source } {
  const url = settings.databaseUrl
  const dir = settings.dataDir
  const rank = (r: Resolved | undefined) => (r ? LEVELS.indexOf(r.from) : LEVELS.length)
  const home = { HOME: env.HOME, USERPROFILE: env.USERPROFILE }
  if (url && rank(url) <= rank(dir)) return { selection: resolveStorage({ databaseUrl: url.value, env: home, cwd }), from: url.from }
  if (dir) return { selection: resolveStorage({ dataDir: dir.value, env: home, cwd }), from: dir.from }
  return { selection: resolveStorage({ env: home, cwd }), from: 'default' }
}

/** Tenant GUID or verified domain (`contoso.onmicrosoft.com`); `common`/`organizations` only where allowed. */
export function validateTenant(tenant: string, from: Source, options: { allowMultiTenant?: boolean; shownAs?: string } = {}): void {
  if (isTenant(tenant)) return
  const multi = tenant === 'common' || tenant === 'organizations'
  if (multi && options.allowMultiTenant) return
  // Name where the value really came from: a positional argument is not --tenant (issue 11 §3).
  const source = options.shownAs ?? describe(from, configKey('tenantId'))
  throw new ConfigError('ERR_CONFIG_INVALID_TENANT', `tenant ${shorten(tenant)} (from ${source}) is neither a GUID nor a domain`, {
    hint: multi
      ? 'app-only tokens are issued by one tenant: use its tenant id (GUID) or a verified domain such as contoso.onmicrosoft.com, not common/organizations'
      : 'use the Directory (tenant) ID GUID from the Entra admin center, or a verified domain such as contoso.onmicrosoft.com',
  })
}

/** The application (client) id is always a GUID. */
export function validateClientId(clientId: string, from: Source): void {
  if (isGuid(clientId)) return
  throw new ConfigError('ERR_CONFIG_INVALID_CLIENT_ID', `client id ${shorten(clientId)} (from ${describe(from, configKey('clientId'))}) is not a GUID`, {
    hint: "use the app registration's Application (client) ID, e.g. 00001111-aaaa-2222-bbbb-3333cccc4444 (not its object id, display name or secret)",
  })
}

function buildCloud(name: Resolved | undefined, authorityHost?: string, defenderApi?: string): Cloud {
  try {
    return resolveCloud(name?.value, { ...(authorityHost && { authorityHost }), ...(defenderApi && { defenderApi }) })
  } catch (e) {
    if ((e as { code?: string }).code !== 'ERR_CONFIG_CLOUD') throw e
    const suggestion = closest(name?.value ?? '', Object.keys(clouds))
    throw new ConfigError('ERR_CONFIG_UNKNOWN_CLOUD', `unknown cloud ${shorten(name?.value ?? '')} (from ${describe(name!.from, configKey('cloud'))})`, {
      hint: `${suggestion ? `did you mean '${suggestion}'? ` : ''}use one of: ${Object.keys(clouds).join(', ')}`,
      cause: e,
    })
  }
}

/**
 * With no Graph URL configured but the Defender API pointed at a non-Microsoft host (the emulator,
 * which serves both surfaces on one origin), Graph calls go there too: sending an emulator token to
 * graph.microsoft.com can never work. Real hosts (regional api-eu.security.microsoft.com, gov
 * *.microsoft.us) keep the cloud's Graph host.
 */
export function emulatorGraphApi(defenderApi: string, source: string | undefined): string | undefined {
  if (source === undefined || source === 'default') return undefined
  let host: string
  try {
    host = new URL(defenderApi).hostname.toLowerCase()
  } catch {
    return undefined
  }
  return /(^|\.)microsoft\.(com|us)$|(^|\.)apps\.mil$|(^|\.)chinacloudapi\.cn$/.test(host) ? undefined : defenderApi
}

/**
 * The credential of the highest level that has one. Per level: a secret (env/file value), a secret
 * file, or a certificate; two of them at one level is an error, at different levels the higher wins.
 */
async function pickCredential(flags: Flags, env: Record<string, string | undefined>, settings: Partial<Record<ConfigKeyName, Resolved>>, ctx: Pick<CommandContext, 'io' | 'registerSecret' | 'warn'>): Promise<CredentialSource | undefined> {
  const secretFile = flag(flags['client-secret-file'])
  if (secretFile !== undefined && flags['client-secret-stdin'] === true) {
    throw new ConfigError('ERR_CONFIG_CONFLICTING_CREDENTIALS', '--client-secret-file and --client-secret-stdin are both given', { hint: 'use one of them' })
  }
  // The three credential keys resolve independently; the credential is the one at the highest level.
  const candidates: { from: Source; what: string; make: () => Promise<CredentialSource> }[] = []
  const add = (r: Resolved | undefined, what: string, make: (r: Resolved) => Promise<CredentialSource>) => r && candidates.push({ from: r.from, what, make: () => make(r) })
  if (flags['client-secret-stdin'] === true) add({ value: '', from: 'flag' }, '--client-secret-stdin', async () => ({ kind: 'secret', from: 'flag', secret: await readSecretStdin(ctx.io.stdin) }))
  add(settings.clientSecret, 'a client secret', async (r) => ({ kind: 'secret', from: r.from, secret: r.value }))
  add(settings.clientSecretFile, 'a client secret file', async (r) => ({ kind: 'secret', from: r.from, secret: await readSecretFile(r.value, 'client secret', ctx.warn), file: r.value }))
  add(settings.certificatePath, 'a certificate', async (r) => ({ kind: 'certificate', from: r.from, certificatePath: r.value, ...(settings.privateKeyPath && { privateKeyPath: settings.privateKeyPath.value }) }))
  if (candidates.length === 0) return undefined
  const top = Math.min(...candidates.map((c) => LEVELS.indexOf(c.from)))
  const atTop = candidates.filter((c) => LEVELS.indexOf(c.from) === top)
  if (atTop.length > 1) {
    throw new ConfigError('ERR_CONFIG_CONFLICTING_CREDENTIALS', `${atTop.map((c) => c.what).join(' and ')} are both configured (${LEVELS[top]})`, {
      hint: 'configure one credential per place: the certificate is preferred (entra-app-only.md §2); remove the others',
    })
  }
  const credential = await atTop[0]!.make()
  if (credential.kind === 'secret') {
    if (credential.secret === '') throw new ConfigError('ERR_CONFIG_EMPTY_SECRET', `the client secret (${credential.from}) is empty`, { hint: 'paste the secret VALUE shown once when it was created' })
    ctx.registerSecret(credential.secret)
  }
  return credential
}

/** The webhook signing secret (`whsec_…`): from M365D_WEBHOOK_SECRET, a secret file, or the config file; never a flag. */
export async function webhookSecret(config: Pick<CliConfig, 'settings'>, warn?: (text: string) => void): Promise<{ secret: string; from: string } | undefined> {
  const value = config.settings.webhookSecret
  const file = config.settings.webhookSecretFile
  const rank = (r: Resolved | undefined) => (r ? LEVELS.indexOf(r.from) : LEVELS.length)
  if (value && file && rank(value) === rank(file)) {
    throw new ConfigError('ERR_CONFIG_CONFLICTING_CREDENTIALS', `both webhookSecret and webhookSecretFile are configured (${value.from})`, { hint: 'keep one of them' })
  }
  if (value && rank(value) < rank(file)) return { secret: value.value, from: describe(value.from, configKey('webhookSecret')) }
  if (file) return { secret: await readSecretFile(file.value, 'webhook secret', warn), from: `the file ${file.value}` }
  return undefined
}

function flag(value: string | boolean | string[] | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined
}

/**
 * User input is echoed only when it cannot be a secret pasted into the wrong setting: Entra client
 * secrets are 40+ characters (and usually contain `~`), so anything longer than a GUID or with
 * other characters is shown by length only.
 */
function shorten(value: string): string {
  return value.length <= 36 && /^[\w.-]*$/.test(value) ? `'${value}'` : `<${value.length} characters>`
}
