import { backfillMsOf, ndjsonSink, resolveSyncSettings, webhookSinkFromSettings, type Sink, type SyncSettingsInput } from '../../sync/index.js'
import type { OptionSpecs } from '../command.js'
import { configKey } from '../config_keys.js'
import { describe, type CliConfig } from '../config.js'
import { CliError } from '../errors.js'
import { parseCount, parseDuration } from './sync_options.js'

/** The daemon knobs `m365d sync` and `m365d start` share. */
export const daemonOptions = {
  surface: { type: 'string', valueName: 'graph|legacy', hidden: true, description: 'Same as --api (older name)' },
  alerts: { type: 'boolean', description: 'Also sync Graph alerts_v2 (needs SecurityAlert.Read.All)' },
  concurrency: { type: 'string', valueName: 'N', description: 'Tenants synced at once (default 8)' },
  interval: { type: 'string', valueName: 'DURATION', description: 'Between passes of a healthy tenant (default 60s)' },
  backfill: { type: 'string', valueName: 'DURATION', description: 'History fetched on the first sync of a tenant (default 30d)' },
  'page-size': { type: 'string', valueName: 'N', description: 'Incidents per API page (default: the API maximum)' },
  'lease-ttl': { type: 'string', valueName: 'DURATION', description: 'Tenant lease time to live; a dead worker\'s tenants move after it (default 60s)' },
  'worker-id': { type: 'string', valueName: 'ID', description: 'Name of this worker in leases and logs (default host:pid:random)' },
  'no-rate-limits': { type: 'boolean', description: 'Turn the client-side per-tenant quotas off (emulator benchmarks only)' },
  'ops-port': { type: 'string', valueName: 'N', description: 'Port of /healthz, /metrics, the console and the consent callback (M365D_OPS_PORT; default 9464; 0 = a free one)' },
  'ops-host': { type: 'string', valueName: 'H', description: 'Interface of the ops server (M365D_OPS_HOST; default 127.0.0.1)' },
  'sink-ndjson': { type: 'string', valueName: 'DIR', description: 'Also write every new record version to rotating NDJSON files in DIR (M365D_NDJSON_DIR)' },
  'sink-webhook': { type: 'string', valueName: 'URL', description: 'Also POST every new record version to URL (M365D_WEBHOOK_URL), signed with the webhook secret (M365D_WEBHOOK_SECRET or config webhookSecretFile; Standard Webhooks)' },
  'sink-webhook-header': { type: 'string', multiple: true, valueName: "'NAME: VALUE'", description: "Header sent with every webhook POST, 'Name: value'; replaces M365D_WEBHOOK_HEADERS / config webhookHeaders" },
} as const satisfies OptionSpecs

type Values = { [K in keyof typeof daemonOptions]?: (typeof daemonOptions)[K] extends { type: 'boolean' } ? boolean : (typeof daemonOptions)[K] extends { multiple: true } ? string[] : string }

export { DEFAULT_OPS_PORT } from '../../sync/index.js'

/** `--surface` (the older name of `--api`), when given; otherwise the config's `api` applies (Graph by default). */
export function surfaceOption(value: string | undefined): 'legacy' | 'graph' | undefined {
  if (value === undefined) return undefined
  if (value !== 'legacy' && value !== 'graph') throw new CliError('ERR_CLI_INVALID_OPTION', `unknown --surface '${value.slice(0, 20)}'`, { hint: 'use --api graph (the default) or --api legacy' })
  return value
}

/**
 * Validates every knob before anything starts, so a typo is exit 2 with nothing written. The sinks
 * come from the resolved configuration (`--sink-webhook` > M365D_WEBHOOK_URL > profile > file
 * `webhookUrl`, the same for the NDJSON directory); the webhook secret was read by the caller
 * (src/cli/config.ts `webhookSecret`: M365D_WEBHOOK_SECRET, `webhookSecretFile`, `webhookSecret`),
 * never from a flag.
 */
export function daemonSettings(
  v: Values,
  config: Pick<CliConfig, 'settings'>,
  io: { webhookSecret?: { secret: string; from: string } | undefined; registerSecret?: (value: string) => void } = {},
): SyncSettingsInput & { backfillMs: number } {
  const backfillMs = v.backfill !== undefined ? parseDuration(v.backfill, 'backfill') : backfillMsOf(resolveSyncSettings())
  const sinks = configuredSinks(config, io)
  const surface = surfaceOption(v.surface)
  return {
    ...(surface && { surface }),
    alerts: v.alerts === true,
    ...(v.concurrency !== undefined && { concurrency: parseCount(v.concurrency, 'concurrency') }),
    ...(v.interval !== undefined && { intervalMs: parseDuration(v.interval, 'interval') }),
    backfillDays: backfillMs / 86_400_000,
    backfillMs,
    ...(v['page-size'] !== undefined && { pageSize: parseCount(v['page-size'], 'page-size') }),
    ...(v['lease-ttl'] !== undefined && { leaseTtlSeconds: parseDuration(v['lease-ttl'], 'lease-ttl') / 1000 }),
    ...(v['worker-id'] !== undefined && { workerId: v['worker-id'] }),
    ...(v['no-rate-limits'] && { limits: false as const }),
    ...(sinks.length && { sinks }),
  }
}

/**
 * The sinks the resolved configuration asks for (`m365d sync` and `m365d start` alike): NDJSON
 * files under `ndjsonDir`, and the webhook at `webhookUrl` with `webhookHeaders`, signed with the
 * secret the caller read (src/cli/config.ts `webhookSecret`).
 */
export function configuredSinks(
  config: Pick<CliConfig, 'settings'>,
  io: { webhookSecret?: { secret: string; from: string } | undefined; registerSecret?: (value: string) => void } = {},
): Sink[] {
  const sinks: Sink[] = []
  const ndjsonDir = config.settings.ndjsonDir?.value
  if (ndjsonDir !== undefined) sinks.push(ndjsonSink({ dir: ndjsonDir }))
  const webhookUrl = config.settings.webhookUrl
  if (webhookUrl !== undefined) {
    if (!URL.canParse(webhookUrl.value)) throw new CliError('ERR_CLI_INVALID_URL', `the webhook URL (${describe(webhookUrl.from, configKey('webhookUrl'))}) is not an absolute URL`, { hint: 'e.g. --sink-webhook https://siem.example/ingest' })
    const registerSecret = io.registerSecret
    sinks.push(
      webhookSinkFromSettings({
        url: webhookUrl.value,
        // --sink-webhook-header > M365D_WEBHOOK_HEADERS > profile > file `webhookHeaders`, checked lines.
        ...(config.settings.webhookHeaders && { headerLines: config.settings.webhookHeaders.value }),
        ...(io.webhookSecret && { secret: io.webhookSecret.secret, secretFrom: io.webhookSecret.from }),
        ...(registerSecret && { registerSecret }),
      }),
    )
  }
  return sinks
}

/** Resolves when `signal` aborts (SIGINT/SIGTERM), or after `ms` when given. */
export function untilStopped(signal: AbortSignal | undefined, ms?: number): Promise<void> {
  return new Promise((resolvePromise) => {
    if (signal?.aborted) return resolvePromise()
    const timer = ms !== undefined ? setTimeout(done, ms) : undefined
    function done() {
      if (timer) clearTimeout(timer)
      signal?.removeEventListener('abort', done)
      resolvePromise()
    }
    signal?.addEventListener('abort', done, { once: true })
  })
}
