import { storageOptions } from '../app_settings.js'
import { defineCommand } from '../command.js'
import { apiOptions, credentialOptions, loadConfig } from '../config.js'
import { START_KEYS } from '../config_keys.js'
import { settingRows, type SettingRow } from '../config_view.js'
import { colorEnabled } from '../output/options.js'
import { expectPositionals } from '../parse.js'
import configGet from './config_get.js'
import configList from './config_list.js'
import configSet from './config_set.js'
import configUnset from './config_unset.js'
import configUse from './config_use.js'

export default defineCommand({
  name: 'config',
  summary: 'Show every setting in effect and where it came from; set, get, unset and list settings and profiles',
  description: `
Without a subcommand: resolves flags > environment (M365D_*) > profile > config file > defaults
exactly like the other commands and prints every setting in effect with its source, so you can see
why a setting has the value it has. Secrets are never printed, only whether one is set and from
where; a database password and a webhook URL's path are redacted.

The config file is --config FILE, else M365D_CONFIG, else $XDG_CONFIG_HOME/m365d/config.json
(~/.config/m365d/config.json). Profiles are named sets of settings in it: --profile NAME or
M365D_PROFILE selects one for any command, 'm365d config use NAME' makes one the default.
'm365d start' (the demo on its embedded emulator) takes only ${START_KEYS.join(', ')}
and ignores the rest; it sends its demo records to a sink only when the sink's URL or
directory is given on its own command line (see m365d start --help).`,
  options: { ...credentialOptions, ...apiOptions, 'graph-api': { type: 'string', valueName: 'URL', description: 'Microsoft Graph base URL (M365D_GRAPH_API)' }, ...storageOptions },
  subCommands: [configSet, configGet, configUnset, configList, configUse],
  examples: ['m365d config', 'm365d config --profile contoso -o json', 'm365d config set tenantId contoso.onmicrosoft.com --profile contoso', 'm365d config use contoso'],
  async run(ctx) {
    expectPositionals(ctx.positionals, 0, ctx.commandPath)
    const config = await loadConfig(ctx, ctx.values)
    const rows = [...settingRows(config), ...terminalRows(ctx.io.env)]
    const doc = {
      configFile: config.configFile ?? null,
      profile: config.profile?.name ?? null,
      settings: Object.fromEntries(rows.filter((r) => r.setting !== 'configFile' && r.setting !== 'profile').map((r) => [r.setting, { value: r.value, source: r.source }])),
    }
    ctx.printJson(doc, { text: () => `${text(rows)}\n\n${START_NOTE}` })
  },
})

/**
 * Settings of how output looks that only the environment (or a per-command flag) sets, not the
 * file: shown too, since they change what every command prints (issue 11 §3 "every setting in
 * effect"). NO_COLOR counts only when non-empty (https://no-color.org).
 */
function terminalRows(env: Record<string, string | undefined>): SettingRow[] {
  const fromEnv = (setting: string, name: string, value: string | undefined, fallback: string): SettingRow =>
    value ? { setting, value, source: 'env', from: `env ${name}` } : { setting, value: fallback, source: 'default', from: 'default' }
  return [
    fromEnv('output', 'M365D_OUTPUT', env.M365D_OUTPUT, 'table (-o per command)'),
    fromEnv('logFormat', 'M365D_LOG_FORMAT', env.M365D_LOG_FORMAT, 'human on a terminal, json when piped'),
    // The rule itself is colorEnabled's (output/options.ts); here only which variable turned it off.
    colorEnabled(true, env, false)
      ? { setting: 'color', value: 'on a terminal (--no-color or NO_COLOR=1 turn it off)', source: 'default', from: 'default' }
      : { setting: 'color', value: 'off', source: 'env', from: env.NO_COLOR ? 'env NO_COLOR' : 'env TERM' },
  ]
}

/** `m365d start` runs the demo app on its own emulator: which of these it takes (start_settings.ts). */
const START_NOTE = `m365d start (npm start) takes only ${START_KEYS.join(', ')}; it ignores the others (it runs the demo app against its embedded emulator), and sends demo records only to sinks named on its command line.`

function text(rows: SettingRow[]): string {
  const width = Math.min(48, Math.max(...rows.map((r) => (r.value ?? '(not set)').length)))
  return rows.map((r) => `${r.setting.padEnd(15)} ${(r.value ?? (r.setting === 'configFile' ? '(none)' : r.setting === 'profile' ? '(none)' : '(not set)')).padEnd(width)} ${r.from}`.trimEnd()).join('\n')
}
