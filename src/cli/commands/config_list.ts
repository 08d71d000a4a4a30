import { redactUrl } from '../../sync/index.js'
import { defineCommand } from '../command.js'
import { fileOption, readEditable, targetProfile } from '../config_edit.js'
import type { Settings } from '../config_file.js'
import { configKey, isSecretKey } from '../config_keys.js'
import { HIDDEN, safeUrl, shownHeaderLines } from '../config_view.js'
import { ConfigError } from '../errors.js'
import { expectPositionals } from '../parse.js'

interface Row {
  profile: string
  key: string
  value: string
}

export default defineCommand({
  name: 'list',
  summary: 'List what the config file stores: the top level and each profile',
  description: `
Shows the keys stored in the config file, per profile ("-" is the top level every profile
inherits; "*" marks the default profile), with secrets as "(set, hidden)" and credential-like webhook header values as "(hidden)". The environment and
flags are not included: 'm365d config' shows every setting in effect. --profile NAME lists one
profile. -o json: {configFile, defaultProfile, settings, profiles}.`,
  options: fileOption,
  examples: ['m365d config list', 'm365d config list --profile contoso', 'm365d config list -o json'],
  async run(ctx) {
    expectPositionals(ctx.positionals, 0, ctx.commandPath)
    const file = await readEditable(ctx)
    const only = targetProfile(ctx)
    if (only !== undefined && !file.doc.profiles[only]) throw new ConfigError('ERR_CONFIG_UNKNOWN_PROFILE', `profile '${only}' is not in ${file.path}`, { hint: `profiles: ${Object.keys(file.doc.profiles).join(', ') || '(none)'}` })
    const profiles = Object.fromEntries(Object.entries(file.doc.profiles).filter(([name]) => only === undefined || name === only).map(([name, s]) => [name, shown(s)]))
    const doc = {
      configFile: file.path,
      exists: file.exists,
      defaultProfile: file.doc.defaultProfile ?? null,
      ...(only === undefined && { settings: shown(file.doc.settings) }),
      profiles,
    }
    const rows = (d: typeof doc): Row[] => [
      ...Object.entries(d.settings ?? {}).map(([key, value]) => ({ profile: '-', key, value })),
      ...Object.entries(d.profiles).flatMap(([name, s]) => Object.entries(s).map(([key, value]) => ({ profile: name === d.defaultProfile ? `${name} *` : name, key, value }))),
    ]
    const empty = file.exists ? `${file.path} holds no settings` : `no config file yet (${file.path}); create it with m365d config set KEY VALUE`
    ctx.printJson(doc, { rows, columns: [{ key: 'profile' }, { key: 'key' }, { key: 'value', flex: true }], empty })
  },
})

/** What may be printed of a stored settings object: secrets hidden, database passwords redacted. */
function shown(settings: Settings): Record<string, string> {
  return Object.fromEntries(
    Object.entries(settings).map(([key, value]) => [key, isSecretKey(key) ? HIDDEN : configKey(key).kind === 'database' ? redactUrl(value!) : key === 'webhookUrl' ? safeUrl(value!) : key === 'webhookHeaders' ? shownHeaderLines(value!) : value!]),
  )
}
