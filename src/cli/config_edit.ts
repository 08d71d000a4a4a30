import type { CommandContext, OptionSpecs } from './command.js'
import { configFilePath, PROFILE_NAME, readConfigFile, writeConfigFile, type ConfigFile } from './config_file.js'
import { ConfigError } from './errors.js'

/**
 * What `m365d config set|unset|use` share: the file they edit (`--config` > M365D_CONFIG > the XDG
 * default, the same file every command reads) and the part of it (the profile named by --profile
 * or M365D_PROFILE, else the top level that every profile inherits). Edits go through
 * writeConfigFile: atomic, 0600, never through a symlink.
 */
export const fileOption = {
  config: { type: 'string', valueName: 'FILE', description: 'Config file to edit (M365D_CONFIG; default $XDG_CONFIG_HOME/m365d/config.json)' },
} as const satisfies OptionSpecs

export interface EditTarget {
  file: ConfigFile
  /** The profile being edited; undefined = the top level. */
  profile?: string
  /** The settings object edited in place (inside `file.raw`). */
  settings: Record<string, unknown>
  /** `profile 'x' in FILE` / `FILE` for messages. */
  where: string
}

type Ctx = Pick<CommandContext, 'io' | 'warn'> & { values: { config?: string; profile?: string } }

/** Reads the file for editing (a missing file is an empty one, even with --config) and picks the part to edit. */
export async function openForEdit(ctx: Ctx, options: { create: boolean }): Promise<EditTarget> {
  const file = await readEditable(ctx)
  const profile = targetProfile(ctx)
  if (profile === undefined) return { file, settings: file.raw, where: file.path }
  const profiles = (file.raw.profiles ??= {}) as Record<string, Record<string, unknown>>
  if (!profiles[profile] && !options.create) {
    throw new ConfigError('ERR_CONFIG_UNKNOWN_PROFILE', `profile '${profile}' is not in ${file.path}`, { hint: `profiles: ${Object.keys(profiles).join(', ') || '(none)'}` })
  }
  return { file, profile, settings: (profiles[profile] ??= {}), where: `profile '${profile}' in ${file.path}` }
}

export async function readEditable(ctx: Ctx): Promise<ConfigFile> {
  const location = configFilePath(typeof ctx.values.config === 'string' ? ctx.values.config : nonEmpty(ctx.io.env.M365D_CONFIG), ctx.io.env, ctx.io.cwd)
  try {
    return await readConfigFile(location, ctx.warn)
  } catch (e) {
    if ((e as { code?: string }).code !== 'ERR_CONFIG_FILE_NOT_FOUND') throw e
    return { path: location.path, explicit: true, exists: false, doc: { settings: {}, profiles: {} }, raw: {} }
  }
}

/** The profile an edit applies to: --profile, else M365D_PROFILE (not `defaultProfile`: edits say where they go). */
export function targetProfile(ctx: Ctx): string | undefined {
  const name = typeof ctx.values.profile === 'string' ? ctx.values.profile : nonEmpty(ctx.io.env.M365D_PROFILE)
  if (name !== undefined && !PROFILE_NAME.test(name)) {
    throw new ConfigError('ERR_CONFIG_INVALID_PROFILE', `profile name <${name.length} characters> is not 1-64 letters, digits, '.', '_' or '-'`, { hint: 'e.g. --profile contoso-prod' })
  }
  return name
}

/** Writes the edited file; an emptied profile is removed (and `defaultProfile` with it if it named it). */
export async function saveEdit(target: EditTarget): Promise<{ removedProfile: boolean }> {
  const raw = target.file.raw
  let removedProfile = false
  if (target.profile !== undefined && Object.keys(target.settings).length === 0) {
    const profiles = raw.profiles as Record<string, unknown>
    delete profiles[target.profile]
    if (Object.keys(profiles).length === 0) delete raw.profiles
    if (raw.defaultProfile === target.profile) delete raw.defaultProfile
    removedProfile = true
  }
  await writeConfigFile(target.file.path, raw)
  return { removedProfile }
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value
}
