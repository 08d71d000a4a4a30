import { randomBytes } from 'node:crypto'
import { lstat, mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises'
import { homedir, platform } from 'node:os'
import { basename, dirname, isAbsolute, join, resolve } from 'node:path'
import { CONFIG_KEYS, KEY_NAMES, STRUCTURE_KEYS, type ConfigKey, type ConfigKeyName } from './config_keys.js'
import { checkWebhookHeaders, headerLines, isSecretHeader, parseHeaderText } from '../sync/sinks/webhook_headers.js'
import { ConfigError } from './errors.js'
import { closest } from './suggest.js'

/**
 * The CLI's config file: where it is, what it holds, and how it is written.
 *
 * Location: `--config FILE`, else `M365D_CONFIG`, else `$XDG_CONFIG_HOME/m365d/config.json`
 * (`~/.config/m365d/config.json`; XDG Base Directory spec,
 * https://specifications.freedesktop.org/basedir-spec/latest/). Format: a JSON object whose
 * top-level keys are the shared settings, plus `profiles` (name → settings, like the profiles of
 * `aws configure` or the contexts of kubectl) and `defaultProfile` (set by `m365d config use`).
 * Relative paths are relative to the file's directory.
 *
 * Writes are atomic (a new 0600 file created with O_EXCL next to it, fsync, rename), so a crash
 * never leaves half a file and the secret in it is never readable by others, even for a moment.
 * A config file that is a symlink is refused for writing: the edit would land somewhere the user
 * did not name (and rename would silently replace the link).
 */
export type Settings = Partial<Record<ConfigKeyName, string>>

export interface ConfigDocument {
  /** The top-level settings: the defaults of every profile. */
  settings: Settings
  profiles: Record<string, Settings>
  defaultProfile?: string
}

export interface ConfigFile {
  path: string
  /** Named by --config / M365D_CONFIG (then it must exist), not the default location. */
  explicit: boolean
  exists: boolean
  doc: ConfigDocument
  /** The parsed JSON as it is in the file (edits keep everything else, unknown keys included). */
  raw: Record<string, unknown>
}

export const PROFILE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/

/** Where the config file is: the flag, the environment, or the XDG default. */
export function configFilePath(explicit: string | undefined, env: Record<string, string | undefined>, cwd: string): { path: string; explicit: boolean } {
  if (explicit !== undefined) return { path: isAbsolute(explicit) ? explicit : resolve(cwd, explicit), explicit: true }
  const home = nonEmpty(env.HOME) ?? nonEmpty(env.USERPROFILE) ?? homedir()
  return { path: join(nonEmpty(env.XDG_CONFIG_HOME) ?? join(home, '.config'), 'm365d', 'config.json'), explicit: false }
}

/** Reads and checks the config file; a missing default file is an empty one. */
export async function readConfigFile(location: { path: string; explicit: boolean }, warn: (text: string) => void): Promise<ConfigFile> {
  const { path, explicit } = location
  let text: string
  let mode: number
  try {
    text = await readFile(path, 'utf8')
    mode = (await stat(path)).mode
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code
    if (code === 'ENOENT' && !explicit) return { path, explicit, exists: false, doc: { settings: {}, profiles: {} }, raw: {} }
    throw new ConfigError(code === 'ENOENT' ? 'ERR_CONFIG_FILE_NOT_FOUND' : 'ERR_CONFIG_FILE_UNREADABLE', `cannot read config file ${path}: ${code ?? 'error'}`, {
      hint: code === 'ENOENT' ? 'check --config / M365D_CONFIG (m365d config set creates the file)' : 'check the file permissions',
      cause,
    })
  }
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch (cause) {
    // Only the position: V8's message quotes the text around the error, which may be a secret.
    const at = /position (\d+)/.exec((cause as Error).message)?.[1]
    throw new ConfigError('ERR_CONFIG_FILE_INVALID', `config file ${path} is not valid JSON${at !== undefined ? ` (at character ${at})` : ''}`, { hint: 'see docs/cli.md "Configuration" for the format' })
  }
  if (!isObject(raw)) throw new ConfigError('ERR_CONFIG_FILE_INVALID', `config file ${path} must hold a JSON object`, { hint: 'e.g. {"tenantId": "…", "clientId": "…"}' })
  const doc: ConfigDocument = { settings: parseSettings(raw, path, '', warn, true), profiles: {} }
  if (raw.profiles !== undefined) {
    if (!isObject(raw.profiles)) throw invalid(path, "'profiles' must be an object of profile name → settings")
    for (const [name, settings] of Object.entries(raw.profiles)) {
      if (!PROFILE_NAME.test(name)) throw invalid(path, `profile name '${name.slice(0, 64)}' is not 1-64 letters, digits, '.', '_' or '-'`)
      if (!isObject(settings)) throw invalid(path, `profile '${name}' must be an object`)
      doc.profiles[name] = parseSettings(settings, path, `profile '${name}': `, warn, false)
    }
  }
  if (raw.defaultProfile !== undefined) {
    if (typeof raw.defaultProfile !== 'string') throw invalid(path, "'defaultProfile' must be a string")
    if (raw.defaultProfile !== '') doc.defaultProfile = raw.defaultProfile
  }
  // A secret in a file others can read is a leaked secret; the POSIX mode bits mean nothing on Windows.
  if ([doc.settings, ...Object.values(doc.profiles)].some(holdsSecret) && platform() !== 'win32' && (mode & 0o077) !== 0) {
    warn(`config file ${path} holds a secret and is readable by group/others (mode ${(mode & 0o777).toString(8)}); run: chmod 600 ${path}`)
  }
  return { path, explicit, exists: true, doc, raw }
}

function parseSettings(obj: Record<string, unknown>, path: string, where: string, warn: (text: string) => void, topLevel: boolean): Settings {
  const settings: Settings = {}
  for (const [key, value] of Object.entries(obj)) {
    if (topLevel && (STRUCTURE_KEYS as readonly string[]).includes(key)) continue
    const spec = (CONFIG_KEYS as readonly ConfigKey[]).find((k) => k.key === key)
    if (!spec) {
      const suggestion = closest(key, [...KEY_NAMES, ...(topLevel ? STRUCTURE_KEYS : [])])
      warn(`config file ${path}: ${where}unknown key '${key}' ignored${suggestion ? ` (did you mean '${suggestion}'?)` : ''}`)
      continue
    }
    if (spec.kind === 'headers') {
      const lines = headerSetting(value, path, `${where}'${key}'`)
      if (lines !== '') settings[key as ConfigKeyName] = lines
      continue
    }
    const text = typeof value === 'number' && spec.kind === 'port' ? String(value) : value
    if (typeof text !== 'string') throw invalid(path, `${where}'${key}' must be a ${spec.kind === 'port' ? 'number or string' : 'string'}`)
    if (text !== '') settings[key as ConfigKeyName] = text
  }
  return settings
}

/** `webhookHeaders`: `{"Name": "value"}` (what `config set` writes) or `Name: value` lines → checked lines. */
function headerSetting(value: unknown, path: string, what: string): string {
  const isText = typeof value === 'string'
  if (!isText && !isObject(value)) throw invalid(path, `${what} must be an object of header name → value`)
  try {
    return headerLines(isText ? parseHeaderText(value) : checkWebhookHeaders(value))
  } catch (e) {
    throw invalid(path, `${what}: ${(e as Error).message}`)
  }
}

/** Whether a settings object holds a secret: a client or webhook secret, or a credential-like webhook header. */
export function holdsSecret(s: Settings): boolean {
  if (s.clientSecret !== undefined || s.webhookSecret !== undefined) return true
  return secretHeaderValues(s.webhookHeaders).length > 0
}

/** The values of credential-like headers in a `webhookHeaders` setting (to register as secrets). */
export function secretHeaderValues(lines: string | undefined): string[] {
  if (lines === undefined) return []
  return Object.entries(parseHeaderText(lines))
    .filter(([name, value]) => isSecretHeader(name, value))
    .map(([, value]) => value)
}

/**
 * Writes `raw` as the config file at `path`: atomically, mode 0600, parent directory created 0700.
 * Refuses a path that is a symlink or not a regular file.
 */
export async function writeConfigFile(path: string, raw: Record<string, unknown>): Promise<void> {
  const existing = await lstat(path).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return undefined
    throw new ConfigError('ERR_CONFIG_FILE_UNREADABLE', `cannot check config file ${path}: ${e.code ?? 'error'}`, { hint: 'check the permissions of its directory', cause: e })
  })
  if (existing?.isSymbolicLink()) {
    throw new ConfigError('ERR_CONFIG_FILE_SYMLINK', `refusing to write config file ${path}: it is a symbolic link`, {
      hint: 'edit the file it points to with --config TARGET, or replace the link with a regular file',
    })
  }
  if (existing && !existing.isFile()) throw new ConfigError('ERR_CONFIG_FILE_UNREADABLE', `config file ${path} is not a regular file`, { hint: 'point --config / M365D_CONFIG at a JSON file' })
  const dir = dirname(path)
  await mkdir(dir, { recursive: true, mode: 0o700 }).catch((cause: NodeJS.ErrnoException) => {
    throw new ConfigError('ERR_CONFIG_FILE_UNWRITABLE', `cannot create the directory ${dir}: ${cause.code ?? 'error'}`, { hint: 'choose another place with --config FILE', cause })
  })
  const tmp = join(dir, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`)
  try {
    // 'wx' = O_CREAT|O_EXCL: never follows a link planted at the temporary name.
    const handle = await open(tmp, 'wx', 0o600)
    try {
      await handle.writeFile(`${JSON.stringify(raw, null, 2)}\n`)
      await handle.chmod(0o600) // the umask may have taken bits away, never added: this is for Windows-created files
      await handle.sync()
    } finally {
      await handle.close()
    }
    await rename(tmp, path)
  } catch (cause) {
    await rm(tmp, { force: true })
    if (cause instanceof ConfigError) throw cause
    throw new ConfigError('ERR_CONFIG_FILE_UNWRITABLE', `cannot write config file ${path}: ${(cause as NodeJS.ErrnoException).code ?? 'error'}`, {
      hint: 'check that you can write to its directory, or choose another file with --config FILE',
      cause,
    })
  }
}

function invalid(path: string, what: string): ConfigError {
  return new ConfigError('ERR_CONFIG_FILE_INVALID', `config file ${path}: ${what}`, { hint: 'see docs/cli.md "Configuration" for the format' })
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value
}
