import { dirname, resolve } from 'node:path'
import { headerLines, parseHeaderText } from '../sync/sinks/webhook_headers.js'
import type { CommandContext } from './command.js'
import type { CliConfig } from './config.js'
import { CONFIG_KEYS, type ConfigKey, type ConfigKeyName } from './config_keys.js'
import { configFilePath, readConfigFile, PROFILE_NAME, secretHeaderValues, type ConfigFile, type Settings } from './config_file.js'
import { ConfigError } from './errors.js'
import { closest } from './suggest.js'

/**
 * The one resolution of the settings table (config_keys.ts) with the precedence
 * flags > environment (M365D_*) > selected profile > the config file's top level; defaults are
 * each consumer's (src/cli/config.ts for the partner app, start_settings.ts for the demo).
 */

type Flags = Record<string, string | boolean | string[] | undefined>

/** Where a value came from. `profile` = the selected profile, `file` = the file's top level. */
export type Source = 'flag' | 'env' | 'profile' | 'file' | 'default'
export const LEVELS: Source[] = ['flag', 'env', 'profile', 'file']

export interface Resolved {
  value: string
  from: Source
}

/**
 * The one resolution of every key of the table (flags > environment > profile > file), with the
 * file and the profile it read, and every secret registered for scrubbing; nothing is validated
 * beyond the file's format. `loadConfig` (config.ts) builds the partner app's configuration from it;
 * `m365d start`, which runs its own demo app, takes only the keys it uses from it.
 */
export async function readSettings(
  ctx: Pick<CommandContext, 'io' | 'warn' | 'registerSecret'>,
  flags: Flags,
): Promise<{ file: ConfigFile; profile: CliConfig['profile']; settings: Partial<Record<ConfigKeyName, Resolved>> }> {
  const env = ctx.io.env
  const cwd = ctx.io.cwd
  // Registered before anything can fail: a secret pasted into another setting (authority host,
  // cloud) would otherwise be echoed by that setting's error (issue 10 §6).
  for (const name of ['M365D_CLIENT_SECRET', 'M365D_WEBHOOK_SECRET']) if (nonEmpty(env[name]) !== undefined) ctx.registerSecret(env[name]!)
  const file = await readConfigFile(configFilePath(flag(flags.config) ?? nonEmpty(env.M365D_CONFIG), env, cwd), ctx.warn)
  for (const s of [file.doc.settings, ...Object.values(file.doc.profiles)]) for (const v of [s.clientSecret, s.webhookSecret, ...secretHeaderValues(s.webhookHeaders)]) if (v !== undefined) ctx.registerSecret(v)
  const profile = selectProfile(flags, env, file)
  const settings = resolveSettings(flags, env, cwd, file, profile?.name)
  // Credential-like webhook headers (Authorization, x-api-key) are secrets wherever they come from.
  for (const v of secretHeaderValues(settings.webhookHeaders?.value)) ctx.registerSecret(v)
  return { file, profile, settings }
}

/** `--profile` > M365D_PROFILE > the file's `defaultProfile` (set by `m365d config use`). */
function selectProfile(flags: Flags, env: Record<string, string | undefined>, file: ConfigFile): CliConfig['profile'] {
  const [name, from] = flag(flags.profile) !== undefined ? [flag(flags.profile)!, 'flag' as const] : nonEmpty(env.M365D_PROFILE) !== undefined ? [env.M365D_PROFILE!, 'env' as const] : file.doc.defaultProfile !== undefined ? [file.doc.defaultProfile, 'file' as const] : []
  if (name === undefined) return undefined
  if (file.doc.profiles[name]) return { name, from: from! }
  const names = Object.keys(file.doc.profiles)
  const where = from === 'flag' ? '--profile' : from === 'env' ? 'M365D_PROFILE' : `"defaultProfile" in ${file.path}`
  const suggestion = closest(name, names)
  throw new ConfigError('ERR_CONFIG_UNKNOWN_PROFILE', `profile ${PROFILE_NAME.test(name) ? `'${name}'` : `<${name.length} characters>`} (from ${where}) is not in ${file.exists ? file.path : `the config file (${file.path} does not exist)`}`, {
    hint: `${suggestion ? `did you mean '${suggestion}'? ` : ''}${names.length ? `profiles: ${names.join(', ')}; ` : ''}create it with: m365d config set KEY VALUE --profile ${PROFILE_NAME.test(name) ? name : 'NAME'}`,
  })
}

/** Every key of the table at its highest level; paths from the file are relative to the file. */
function resolveSettings(flags: Flags, env: Record<string, string | undefined>, cwd: string, file: ConfigFile, profile: string | undefined): Partial<Record<ConfigKeyName, Resolved>> {
  const fileDir = dirname(file.path)
  const levels: [Source, (k: ConfigKey) => string | undefined, string][] = [
    ['flag', (k) => (k.flag === undefined ? undefined : k.kind === 'headers' ? lines(flags[k.flag]) : flag(flags[k.flag])), cwd],
    ['env', (k) => nonEmpty(env[k.env]), cwd],
    ['profile', (k) => (profile !== undefined ? (file.doc.profiles[profile] as Settings)[k.key as ConfigKeyName] : undefined), fileDir],
    ['file', (k) => file.doc.settings[k.key as ConfigKeyName], fileDir],
  ]
  const out: Partial<Record<ConfigKeyName, Resolved>> = {}
  for (const key of CONFIG_KEYS as readonly ConfigKey[]) {
    for (const [from, read, base] of levels) {
      const value = read(key)
      if (value === undefined) continue
      out[key.key as ConfigKeyName] = { value: key.kind === 'path' ? resolve(base, value) : key.kind === 'headers' ? checkedHeaders(value, from, key) : value, from }
      break
    }
  }
  return out
}

/** A repeatable flag (`--sink-webhook-header` twice) as newline-separated lines. */
function lines(value: string | boolean | string[] | undefined): string | undefined {
  return Array.isArray(value) ? (value.length ? value.join('\n') : undefined) : flag(value)
}

/** A webhook header set (lines or a JSON object) as checked `Name: value` lines; the error names the source, never a value. */
function checkedHeaders(value: string, from: Source, key: ConfigKey): string {
  try {
    return headerLines(parseHeaderText(value))
  } catch (e) {
    throw new ConfigError('ERR_CONFIG_INVALID_VALUE', `webhook headers (from ${describe(from, key)}): ${(e as Error).message}`, { hint: "one 'Name: value' per header, e.g. --sink-webhook-header 'x-api-key: …'" })
  }
}

/** Where a value came from, as a user would find it: `--tenant`, `M365D_TENANT_ID`, `config file "tenantId"`. */
export function describe(from: Source, key: ConfigKey): string {
  return from === 'flag' ? (key.flag ? `--${key.flag}` : 'a flag') : from === 'env' ? key.env : from === 'profile' ? `profile "${key.key}"` : from === 'file' ? `config file "${key.key}"` : 'default'
}


function flag(value: string | boolean | string[] | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value
}
