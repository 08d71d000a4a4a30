import { readFile, stat } from 'node:fs/promises'
import { homedir, platform } from 'node:os'
import { dirname, isAbsolute, join, resolve } from 'node:path'
import { clouds, resolveCloud, type Cloud } from '../auth/clouds.js'
import type { CommandContext, OptionSpecs } from './command.js'
import { ConfigError } from './errors.js'
import { closest } from './suggest.js'

/**
 * CLI configuration from flags, environment and a JSON file, with precedence
 * flags > env > file > defaults (docs/cli.md "Configuration"). Values are validated here, early, so
 * a typo in a tenant id is a usage error (exit 2) instead of an AADSTS answer from the server.
 */

/** Options shared by every command that needs credentials; spread them into a command's options. */
export const credentialOptions = {
  tenant: { type: 'string', valueName: 'GUID|DOMAIN', description: 'Tenant to get tokens from (M365D_TENANT_ID)' },
  'client-id': { type: 'string', valueName: 'GUID', description: 'Application (client) id (M365D_CLIENT_ID)' },
  'client-secret': { type: 'string', hidden: true, description: 'Refused: a secret on the command line leaks via ps and shell history' },
  'client-secret-file': { type: 'string', valueName: 'FILE', description: 'Read the client secret from FILE' },
  'client-secret-stdin': { type: 'boolean', description: 'Read the client secret from stdin' },
  certificate: { type: 'string', valueName: 'PEM', description: 'Certificate PEM file, key in the same file or --private-key (M365D_CERTIFICATE_PATH)' },
  'private-key': { type: 'string', valueName: 'PEM', description: 'Private key PEM file for --certificate (M365D_PRIVATE_KEY_PATH)' },
  cloud: { type: 'string', valueName: 'NAME', description: 'commercial | gcc | gcc-high | dod (M365D_CLOUD; default commercial)' },
  'authority-host': { type: 'string', valueName: 'URL', description: 'Identity platform host, e.g. the emulator URL (M365D_AUTHORITY_HOST)' },
  config: { type: 'string', valueName: 'FILE', description: 'JSON config file (M365D_CONFIG; default ~/.config/m365d/config.json)' },
} as const satisfies OptionSpecs

/** Options for commands that call the Defender API (the token resource and the API base URL). */
export const apiOptions = {
  api: { type: 'string', valueName: 'graph|legacy', description: 'Which API: Microsoft Graph security (default) or the legacy api.security.microsoft.com, retiring 1 Feb 2027 (M365D_API)' },
  resource: { type: 'string', valueName: 'URI', description: 'Token resource / audience (M365D_RESOURCE; default the Defender API)' },
  'defender-api': { type: 'string', valueName: 'URL', description: 'Defender API base URL (M365D_DEFENDER_API)' },
} as const satisfies OptionSpecs

export type Source = 'flag' | 'env' | 'file' | 'default'

/** The JSON config file: every key optional, paths relative to the file's directory. */
export interface CliConfigFile {
  tenantId?: string
  clientId?: string
  clientSecret?: string
  certificatePath?: string
  privateKeyPath?: string
  cloud?: string
  authorityHost?: string
  defenderApi?: string
  resource?: string
  /** `graph` (default) or `legacy`: the API every command uses unless a tenant is pinned (`tenants add --api`). */
  api?: string
  /** Tenants for `m365d hunt --all-tenants`, comma-separated (read by src/cli/commands/hunt_tenants.ts). */
  tenants?: string
}
const FILE_KEYS: (keyof CliConfigFile)[] = ['tenantId', 'clientId', 'clientSecret', 'certificatePath', 'privateKeyPath', 'cloud', 'authorityHost', 'defenderApi', 'resource', 'api', 'tenants']

/** Where the credential comes from; the secret itself is read only when the credential is built. */
export type CredentialSource =
  | { kind: 'secret'; from: Source; secret: string }
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
  /** The config file that was read, if any. */
  configFile?: string
  /** Where each setting came from, for `m365d config` and error hints. */
  /** The API surface: Graph unless `--api legacy`, M365D_API=legacy or `"api": "legacy"` in the file. */
  api: 'graph' | 'legacy'
  sources: Record<'tenant' | 'clientId' | 'credential' | 'cloud' | 'authorityHost' | 'defenderApi' | 'resource' | 'api', Source | undefined>
}

type Flags = Partial<Record<keyof typeof credentialOptions | keyof typeof apiOptions, string | boolean | string[]>>

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const DOMAIN = /^(?=.{4,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,62}$/i

/**
 * Resolves the configuration for a command from its flags, `ctx.io.env` and the config file.
 * `use: { tenant: false, credential: false }` leaves those settings out entirely (consent-link
 * needs neither, so a broken secret setup must not stop it).
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
      hint: 'set M365D_CLIENT_SECRET, put "clientSecret" in the config file (chmod 600), or use --client-secret-file FILE or --client-secret-stdin',
    })
  }
  // Registered before anything can fail: a secret pasted into another setting (authority host,
  // cloud) would otherwise be echoed by that setting's error (issue 10 §6).
  if (nonEmpty(env.M365D_CLIENT_SECRET) !== undefined) ctx.registerSecret(env.M365D_CLIENT_SECRET!)
  const { file, path: configFile } = await readConfigFile(flag(flags.config) ?? nonEmpty(env.M365D_CONFIG), env, cwd, ctx)
  if (file.clientSecret !== undefined) ctx.registerSecret(file.clientSecret)
  const fileDir = configFile ? dirname(configFile) : cwd

  const pick = <T>(fromFlag: T | undefined, fromEnv: T | undefined, fromFile: T | undefined): [T | undefined, Source | undefined] =>
    fromFlag !== undefined ? [fromFlag, 'flag'] : fromEnv !== undefined ? [fromEnv, 'env'] : fromFile !== undefined ? [fromFile, 'file'] : [undefined, undefined]

  const [tenant, tenantFrom] = use.tenant === false ? [undefined, undefined] : pick(flag(flags.tenant), nonEmpty(env.M365D_TENANT_ID), file.tenantId)
  if (tenant !== undefined) validateTenant(tenant, tenantFrom!)
  const [clientId, clientIdFrom] = pick(flag(flags['client-id']), nonEmpty(env.M365D_CLIENT_ID), file.clientId)
  if (clientId !== undefined) validateClientId(clientId, clientIdFrom!)

  const [cloudName, cloudFrom] = pick(flag(flags.cloud), nonEmpty(env.M365D_CLOUD), file.cloud)
  const [authorityHost, authorityFrom] = pick(flag(flags['authority-host']), nonEmpty(env.M365D_AUTHORITY_HOST), file.authorityHost)
  const [defenderApi, defenderFrom] = pick(flag(flags['defender-api']), nonEmpty(env.M365D_DEFENDER_API), file.defenderApi)
  const cloud = buildCloud(cloudName, cloudFrom, authorityHost, defenderApi)
  const [resource, resourceFrom] = pick(flag(flags.resource), nonEmpty(env.M365D_RESOURCE), file.resource)
  const [api, apiFrom] = pick(flag(flags.api), nonEmpty(env.M365D_API), file.api)
  if (api !== undefined && api !== 'graph' && api !== 'legacy') {
    throw new ConfigError('ERR_CONFIG_INVALID_API', `api '${shorten(api)}' (from ${describe(apiFrom!, 'M365D_API', 'api', '--api')}) is neither graph nor legacy`, {
      hint: 'use graph (the default) or legacy (retires 1 Feb 2027)',
    })
  }

  const credential = use.credential === false ? undefined : await pickCredential(flags, env, file, cwd, fileDir, ctx)
  return {
    ...(tenant !== undefined && { tenant }),
    ...(clientId !== undefined && { clientId }),
    ...(credential !== undefined && { credential }),
    cloud,
    authorityHost: cloud.authorityHost,
    defenderApi: cloud.defenderApi,
    resource: resource ?? cloud.defenderResource,
    api: (api ?? 'graph') as 'graph' | 'legacy',
    ...(configFile !== undefined && { configFile }),
    sources: {
      tenant: tenantFrom,
      clientId: clientIdFrom,
      credential: credential?.from,
      cloud: cloudFrom ?? 'default',
      authorityHost: authorityFrom ?? (cloudFrom ? cloudFrom : 'default'),
      defenderApi: defenderFrom ?? (cloudFrom ? cloudFrom : 'default'),
      resource: resourceFrom ?? 'default',
      api: apiFrom ?? 'default',
    },
  }
}

/** Tenant GUID or verified domain (`contoso.onmicrosoft.com`); `common`/`organizations` only where allowed. */
export function validateTenant(tenant: string, from: Source, options: { allowMultiTenant?: boolean; shownAs?: string } = {}): void {
  if (GUID.test(tenant) || DOMAIN.test(tenant)) return
  const multi = tenant === 'common' || tenant === 'organizations'
  if (multi && options.allowMultiTenant) return
  // Name where the value really came from: a positional argument is not --tenant (issue 11 §3).
  const source = options.shownAs ?? describe(from, 'M365D_TENANT_ID', 'tenantId', '--tenant')
  throw new ConfigError('ERR_CONFIG_INVALID_TENANT', `tenant ${shorten(tenant)} (from ${source}) is neither a GUID nor a domain`, {
    hint: multi
      ? 'app-only tokens are issued by one tenant: use its tenant id (GUID) or a verified domain such as contoso.onmicrosoft.com, not common/organizations'
      : 'use the Directory (tenant) ID GUID from the Entra admin center, or a verified domain such as contoso.onmicrosoft.com',
  })
}

/** The application (client) id is always a GUID. */
export function validateClientId(clientId: string, from: Source): void {
  if (GUID.test(clientId)) return
  throw new ConfigError('ERR_CONFIG_INVALID_CLIENT_ID', `client id ${shorten(clientId)} (from ${describe(from, 'M365D_CLIENT_ID', 'clientId', '--client-id')}) is not a GUID`, {
    hint: "use the app registration's Application (client) ID, e.g. 00001111-aaaa-2222-bbbb-3333cccc4444 (not its object id, display name or secret)",
  })
}

function buildCloud(name: string | undefined, from: Source | undefined, authorityHost?: string, defenderApi?: string): Cloud {
  try {
    return resolveCloud(name, { ...(authorityHost && { authorityHost }), ...(defenderApi && { defenderApi }) })
  } catch (e) {
    if ((e as { code?: string }).code !== 'ERR_CONFIG_CLOUD') throw e
    const suggestion = closest(name ?? '', Object.keys(clouds))
    throw new ConfigError('ERR_CONFIG_UNKNOWN_CLOUD', `unknown cloud ${shorten(name ?? '')} (from ${describe(from!, 'M365D_CLOUD', 'cloud', '--cloud')})`, {
      hint: `${suggestion ? `did you mean '${suggestion}'? ` : ''}use one of: ${Object.keys(clouds).join(', ')}`,
      cause: e,
    })
  }
}

async function pickCredential(
  flags: Flags,
  env: Record<string, string | undefined>,
  file: CliConfigFile,
  cwd: string,
  fileDir: string,
  ctx: Pick<CommandContext, 'io' | 'registerSecret'>,
): Promise<CredentialSource | undefined> {
  const secretFile = flag(flags['client-secret-file'])
  const certificate = flag(flags.certificate)
  const privateKey = flag(flags['private-key']) ?? nonEmpty(env.M365D_PRIVATE_KEY_PATH)
  const keyFromFile = file.privateKeyPath !== undefined ? resolve(fileDir, file.privateKeyPath) : undefined
  const levels: { from: Source; secret?: () => Promise<string> | string; certificatePath?: string; privateKeyPath?: string | undefined }[] = [
    {
      from: 'flag',
      ...(secretFile !== undefined && { secret: () => readSecretFile(resolve(cwd, secretFile)) }),
      ...(flags['client-secret-stdin'] === true && { secret: () => readSecretStdin(ctx.io.stdin) }),
      ...(certificate !== undefined && { certificatePath: resolve(cwd, certificate), privateKeyPath: privateKey ? resolve(cwd, privateKey) : keyFromFile }),
    },
    {
      from: 'env',
      ...(nonEmpty(env.M365D_CLIENT_SECRET) !== undefined && { secret: () => env.M365D_CLIENT_SECRET! }),
      ...(nonEmpty(env.M365D_CERTIFICATE_PATH) !== undefined && {
        certificatePath: resolve(cwd, env.M365D_CERTIFICATE_PATH!),
        privateKeyPath: privateKey ? resolve(cwd, privateKey) : keyFromFile,
      }),
    },
    {
      from: 'file',
      ...(file.clientSecret !== undefined && { secret: () => file.clientSecret! }),
      ...(file.certificatePath !== undefined && { certificatePath: resolve(fileDir, file.certificatePath), privateKeyPath: keyFromFile }),
    },
  ]
  if (secretFile !== undefined && flags['client-secret-stdin'] === true) {
    throw new ConfigError('ERR_CONFIG_CONFLICTING_CREDENTIALS', '--client-secret-file and --client-secret-stdin are both given', { hint: 'use one of them' })
  }
  for (const level of levels) {
    if (level.secret && level.certificatePath) {
      throw new ConfigError('ERR_CONFIG_CONFLICTING_CREDENTIALS', `both a client secret and a certificate are configured (${level.from})`, {
        hint: 'configure one credential per place: the certificate is preferred (entra-app-only.md §2); remove the secret or the certificate',
      })
    }
    if (level.secret) {
      const secret = await level.secret()
      if (secret === '') throw new ConfigError('ERR_CONFIG_EMPTY_SECRET', `the client secret (${level.from}) is empty`, { hint: 'paste the secret VALUE shown once when it was created' })
      ctx.registerSecret(secret)
      return { kind: 'secret', from: level.from, secret }
    }
    if (level.certificatePath) {
      return { kind: 'certificate', from: level.from, certificatePath: level.certificatePath, ...(level.privateKeyPath && { privateKeyPath: level.privateKeyPath }) }
    }
  }
  return undefined
}

async function readSecretFile(path: string): Promise<string> {
  try {
    return (await readFile(path, 'utf8')).replace(/\r?\n$/, '')
  } catch (cause) {
    throw new ConfigError('ERR_CONFIG_SECRET_FILE_UNREADABLE', `cannot read the client secret file ${path}: ${(cause as NodeJS.ErrnoException).code ?? 'error'}`, {
      hint: 'check the path and that the file is readable by you (chmod 600)',
      cause,
    })
  }
}

/** Reads stdin to the end; the secret is its first line (like `--password-stdin` of docker login). */
export async function readSecretStdin(stdin: AsyncIterable<string | Uint8Array> & { isTTY?: boolean }): Promise<string> {
  if (stdin.isTTY) {
    throw new ConfigError('ERR_CONFIG_SECRET_STDIN_TTY', '--client-secret-stdin needs the secret piped in, but stdin is a terminal', {
      hint: 'e.g. pass < secret.txt, or use --client-secret-file / M365D_CLIENT_SECRET',
    })
  }
  return (await readAll(stdin)).split(/\r?\n/)[0]!
}

/** Reads a whole stream as UTF-8. */
export async function readAll(stream: AsyncIterable<string | Uint8Array>): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk))
  return Buffer.concat(chunks).toString('utf8')
}

async function readConfigFile(
  explicit: string | undefined,
  env: Record<string, string | undefined>,
  cwd: string,
  ctx: Pick<CommandContext, 'warn'>,
): Promise<{ file: CliConfigFile; path?: string }> {
  const home = nonEmpty(env.HOME) ?? nonEmpty(env.USERPROFILE) ?? homedir()
  const fallback = join(nonEmpty(env.XDG_CONFIG_HOME) ?? join(home, '.config'), 'm365d', 'config.json')
  const path = explicit !== undefined ? (isAbsolute(explicit) ? explicit : resolve(cwd, explicit)) : fallback
  let text: string
  let mode: number
  try {
    text = await readFile(path, 'utf8')
    mode = (await stat(path)).mode
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code
    if (explicit === undefined && code === 'ENOENT') return { file: {} }
    throw new ConfigError(code === 'ENOENT' ? 'ERR_CONFIG_FILE_NOT_FOUND' : 'ERR_CONFIG_FILE_UNREADABLE', `cannot read config file ${path}: ${code ?? 'error'}`, {
      hint: code === 'ENOENT' ? 'check --config / M365D_CONFIG' : 'check the file permissions',
      cause,
    })
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (cause) {
    // Only the position: V8's message quotes the text around the error, which may be a secret.
    const at = /position (\d+)/.exec((cause as Error).message)?.[1]
    throw new ConfigError('ERR_CONFIG_FILE_INVALID', `config file ${path} is not valid JSON${at !== undefined ? ` (at character ${at})` : ''}`, { hint: 'see docs/cli.md for the format' })
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError('ERR_CONFIG_FILE_INVALID', `config file ${path} must hold a JSON object`, { hint: 'e.g. {"tenantId": "…", "clientId": "…"}' })
  }
  const file: CliConfigFile = {}
  for (const [key, value] of Object.entries(parsed)) {
    if (!FILE_KEYS.includes(key as keyof CliConfigFile)) {
      const suggestion = closest(key, FILE_KEYS)
      ctx.warn(`config file ${path}: unknown key '${key}' ignored${suggestion ? ` (did you mean '${suggestion}'?)` : ''}`)
      continue
    }
    if (typeof value !== 'string') {
      throw new ConfigError('ERR_CONFIG_FILE_INVALID', `config file ${path}: '${key}' must be a string`, { hint: 'see docs/cli.md for the format' })
    }
    if (value !== '') file[key as keyof CliConfigFile] = value
  }
  // A secret in a file others can read is a leaked secret; the POSIX mode bits mean nothing on Windows.
  if (file.clientSecret !== undefined && platform() !== 'win32' && (mode & 0o077) !== 0) {
    ctx.warn(`config file ${path} holds a client secret and is readable by group/others (mode ${(mode & 0o777).toString(8)}); run: chmod 600 ${path}`)
  }
  return { file, path }
}

function flag(value: string | boolean | string[] | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value
}

function describe(from: Source, envName: string, fileKey: string, flagName: string): string {
  return from === 'flag' ? flagName : from === 'env' ? envName : from === 'file' ? `config file "${fileKey}"` : 'default'
}

/**
 * User input is echoed only when it cannot be a secret pasted into the wrong setting: Entra client
 * secrets are 40+ characters (and usually contain `~`), so anything longer than a GUID or with
 * other characters is shown by length only.
 */
function shorten(value: string): string {
  return value.length <= 36 && /^[\w.-]*$/.test(value) ? `'${value}'` : `<${value.length} characters>`
}
