import type { Sink } from '../../sync/index.js'
import type { CommandContext, OptionSpecs } from '../command.js'
import { credentialOptions, readSettings, webhookSecret, type Resolved } from '../config.js'
import { CONFIG_KEYS, configKey, normalizeValue, START_KEYS, type ConfigKeyName } from '../config_keys.js'

export { START_KEYS }
import { fromText, safeUrl } from '../config_view.js'
import { parseHeaderText } from '../../sync/sinks/webhook_headers.js'
import { parsePort } from '../parse.js'
import { consoleOptions } from './console_setup.js'
import { configuredSinks, daemonOptions } from './sync_run.js'

/**
 * What `m365d start` takes from the configuration (flags > environment > profile > config file >
 * defaults, the same one resolution as every command: src/cli/config.ts `readSettings`).
 *
 * It takes where things go: the data directory, the ops/console port and interface, and the sinks
 * (NDJSON directory; webhook URL, secret and headers). It ignores who it talks to: the tenant, the
 * partner app's id and credential, the cloud and its hosts, the API choice and the tenant list
 * belong to YOUR app against Microsoft, while start runs the emulator's well-known demo app against
 * the emulator it embeds — a real tenant id or client secret sent there would be meaningless at
 * best, and demo traffic must never reach login.microsoftonline.com. It also ignores databaseUrl:
 * the demo's tenants and data stay in embedded PGlite, never in your PostgreSQL. What it ignores is
 * said on stderr when it is set, and `m365d config` says the same.
 *
 * Sinks are where the demo's records would leave the machine, so a sink's destination (webhookUrl,
 * ndjsonDir) counts only when named on start's own command line: a SIEM webhook or export directory
 * configured for `m365d sync` (file, profile or environment) must not receive fake demo incidents
 * because someone ran `npm start`. The webhook's secret and headers may come from the configuration:
 * they only authenticate to the receiver the flag names.
 */
export const START_IGNORED_KEYS: readonly ConfigKeyName[] = CONFIG_KEYS.map((k) => k.key).filter((k) => !(START_KEYS as readonly string[]).includes(k))

/** The flags of those settings (data dir and ops port are start's own options), plus the console's. */
export const startConfigOptions = {
  config: credentialOptions.config,
  'ops-host': daemonOptions['ops-host'],
  'sink-ndjson': daemonOptions['sink-ndjson'],
  'sink-webhook': daemonOptions['sink-webhook'],
  'sink-webhook-header': daemonOptions['sink-webhook-header'],
  'console-allow-remote': consoleOptions['console-allow-remote'],
  'console-allow-host': consoleOptions['console-allow-host'],
} as const satisfies OptionSpecs

export interface StartSettings {
  /** The data directory to keep, or undefined for a temporary one removed at exit. */
  dataDir: string | undefined
  opsPort: number
  opsHost: string | undefined
  sinks: Sink[]
  /** Every setting start uses that came from somewhere other than its default, as shown to the user. */
  used: { key: ConfigKeyName; value: string; from: string }[]
  /** Settings that are set but ignored, with where they came from. */
  ignored: { key: ConfigKeyName; from: string }[]
  /** Sink destinations configured elsewhere than start's flags: not sent the demo's data. */
  unnamedSinks: { key: ConfigKeyName; from: string }[]
}

const SINK_DESTINATIONS = ['webhookUrl', 'ndjsonDir'] as const satisfies readonly ConfigKeyName[]
const WEBHOOK_EXTRAS = ['webhookSecret', 'webhookSecretFile', 'webhookHeaders'] as const satisfies readonly ConfigKeyName[]

type Values = Record<string, string | boolean | string[] | undefined>

/** Resolves start's settings once; a bad value of a setting it uses is exit 2 before anything starts. */
export async function startSettings(ctx: Pick<CommandContext, 'io' | 'warn' | 'registerSecret'>, values: Values): Promise<StartSettings> {
  const { settings: resolved, profile } = await readSettings(ctx, values)
  const from = (key: ConfigKeyName, r: Resolved) => fromText(r.from, key, profile?.name)
  const unnamedSinks = SINK_DESTINATIONS.flatMap((key) => (resolved[key] && resolved[key]!.from !== 'flag' ? [{ key, from: from(key, resolved[key]!) }] : []))
  const settings = { ...resolved }
  for (const { key } of unnamedSinks) delete settings[key]
  if (!settings.webhookUrl) for (const key of WEBHOOK_EXTRAS) delete settings[key]
  const opsHost = settings.opsHost && String(normalizeValue(configKey('opsHost'), settings.opsHost.value, ctx.io.cwd))
  const secret = settings.webhookUrl ? await webhookSecret({ settings }, ctx.warn) : undefined
  const used: StartSettings['used'] = []
  for (const key of START_KEYS) {
    const r = settings[key]
    if (r) used.push({ key, value: shown(key, r.value), from: from(key, r) })
  }
  const ignored = START_IGNORED_KEYS.flatMap((key) => (settings[key] ? [{ key, from: from(key, settings[key]!) }] : []))
  return {
    dataDir: settings.dataDir?.value,
    opsPort: parsePort(settings.opsPort?.value, 0),
    opsHost,
    sinks: configuredSinks({ settings }, { webhookSecret: secret, registerSecret: ctx.registerSecret }),
    used,
    ignored,
    unnamedSinks,
  }
}

/** The line start prints on stderr when settings it ignores are set (before anything starts). */
export function ignoredNotice(ignored: StartSettings['ignored']): string | undefined {
  if (!ignored.length) return undefined
  const list = ignored.map((i) => `${i.key} (${i.from})`).join(', ')
  return `m365d start ignores ${list}: it runs the demo app against its embedded emulator and keeps the demo's data in embedded PGlite; m365d sync uses them`
}

/** The line start prints on stderr when sinks are configured but not named on its command line. */
export function unnamedSinksNotice(unnamed: StartSettings['unnamedSinks']): string | undefined {
  if (!unnamed.length) return undefined
  const list = unnamed.map((i) => `${i.key} (${i.from})`).join(', ')
  return `m365d start does not send its demo records to ${list}: name a sink on its command line (--sink-webhook URL, --sink-ndjson DIR) to send them there`
}

function shown(key: ConfigKeyName, value: string): string {
  if (configKey(key).kind === 'secret') return '(set, hidden)'
  if (key === 'webhookUrl') return safeUrl(value)
  // Names only: the sink registers every header value for scrubbing, so a value would print as [redacted].
  if (key === 'webhookHeaders') return headerNames(value)
  return value
}

function headerNames(lines: string): string {
  return Object.keys(parseHeaderText(lines)).join(', ')
}
