import { resolve } from 'node:path'
import { backfillMsOf, ndjsonSink, resolveSyncSettings, webhookSinkFromSettings, type Sink, type SyncSettingsInput } from '../../sync/index.js'
import type { OptionSpecs } from '../command.js'
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
  'ops-port': { type: 'string', valueName: 'N', description: 'Port of /healthz, /metrics and the consent callback (default 9464; 0 = a free one)' },
  'ops-host': { type: 'string', valueName: 'H', description: 'Interface of the ops server (default 127.0.0.1)' },
  'sink-ndjson': { type: 'string', valueName: 'DIR', description: 'Also write every new record version to rotating NDJSON files in DIR' },
  'sink-webhook': { type: 'string', valueName: 'URL', description: 'Also POST every new record version to URL, signed with M365D_WEBHOOK_SECRET (Standard Webhooks)' },
  'sink-webhook-header': { type: 'string', multiple: true, valueName: "'NAME: VALUE'", description: 'Header sent with every webhook POST, e.g. x-api-key: … (repeatable)' },
} as const satisfies OptionSpecs

type Values = { [K in keyof typeof daemonOptions]?: (typeof daemonOptions)[K] extends { type: 'boolean' } ? boolean : (typeof daemonOptions)[K] extends { multiple: true } ? string[] : string }

export { DEFAULT_OPS_PORT } from '../../sync/index.js'

/** `--surface` (the older name of `--api`), when given; otherwise the config's `api` applies (Graph by default). */
export function surfaceOption(value: string | undefined): 'legacy' | 'graph' | undefined {
  if (value === undefined) return undefined
  if (value !== 'legacy' && value !== 'graph') throw new CliError('ERR_CLI_INVALID_OPTION', `unknown --surface '${value.slice(0, 20)}'`, { hint: 'use --api graph (the default) or --api legacy' })
  return value
}

/** Validates every knob before anything starts, so a typo is exit 2 with nothing written. */
export function daemonSettings(
  v: Values,
  cwd: string,
  io: { env?: Record<string, string | undefined>; registerSecret?: (value: string) => void } = {},
): SyncSettingsInput & { backfillMs: number } {
  const backfillMs = v.backfill !== undefined ? parseDuration(v.backfill, 'backfill') : backfillMsOf(resolveSyncSettings())
  const sinks: Sink[] = []
  if (v['sink-ndjson'] !== undefined) sinks.push(ndjsonSink({ dir: resolve(cwd, v['sink-ndjson']) }))
  if (v['sink-webhook'] !== undefined) {
    if (!URL.canParse(v['sink-webhook'])) throw new CliError('ERR_CLI_INVALID_URL', '--sink-webhook is not an absolute URL', { hint: 'e.g. --sink-webhook https://siem.example/ingest' })
    const registerSecret = io.registerSecret
    sinks.push(webhookSinkFromSettings({ url: v['sink-webhook'], headerLines: v['sink-webhook-header'], secret: io.env?.M365D_WEBHOOK_SECRET, ...(registerSecret && { registerSecret }) }))
  }
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
