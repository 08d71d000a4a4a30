import { callRegistry, DISCOVERY_FILE, openStore, readDiscovery, resolveStorage, runRegistryOperation, type LocalApiDiscovery, type RegistryInput, type RegistryOperationName, type RegistryResult } from '../sync/index.js'
import { storageFlags, storageFrom, storeStep } from './app_settings.js'
import type { CommandContext } from './command.js'
import { loadConfig, type CliConfig } from './config.js'

/**
 * How the CLI reaches the tenant registry (issue 9 §1). PGlite allows one process per data
 * directory, so while `m365d sync` or `m365d start` owns the embedded store the registry commands
 * (`tenants …`, `--all-tenants`) go through that daemon's local API, found by the discovery file it
 * published in the data directory; otherwise (no daemon, or PostgreSQL, which every process opens
 * itself) they open the store. Either way the same registry operation runs
 * (src/sync/registry_operations.ts), so the output and the errors are the same.
 */
export interface RegistryAccess {
  readonly via: 'daemon' | 'store'
  call<N extends RegistryOperationName>(name: N, input: RegistryInput<N>): Promise<RegistryResult<N>>
  close(): Promise<void>
}

type Ctx = Pick<CommandContext, 'io' | 'feedback' | 'warn' | 'registerSecret'> & { values: { verbose?: boolean | undefined } }
type Values = Record<string, string | boolean | string[] | undefined>

/** `config`: the command's resolved configuration when it has one; else the store flags are resolved here. */
export async function openRegistry(ctx: Ctx, values: Values, options: { config?: CliConfig; poolSize?: number } = {}): Promise<RegistryAccess> {
  const config = options.config ?? (await loadConfig(ctx, storageFlags(values), { tenant: false, credential: false }))
  const selection = storageFrom(config)
  const daemon = selection.dataDir !== undefined ? await runningDaemon(ctx, selection.dataDir) : undefined
  if (daemon) return { via: 'daemon', call: (name, input) => callRegistry(daemon, name, input), close: async () => undefined }
  const { db } = await storeStep(ctx.feedback, selection, () => openStore(selection, options.poolSize !== undefined ? { poolSize: options.poolSize } : {}))
  return { via: 'store', call: (name, input) => runRegistryOperation(db, name, input), close: () => db.close() }
}

/**
 * Where a daemon publishes its discovery file: the embedded store's data directory, or with
 * PostgreSQL the data directory the same flags would choose (only `m365d console url` looks there).
 */
export function discoveryDir(ctx: Pick<CommandContext, 'io'>, config: CliConfig): string {
  const home = { HOME: ctx.io.env.HOME, USERPROFILE: ctx.io.env.USERPROFILE }
  return config.storage.dataDir ?? resolveStorage({ dataDir: config.settings.dataDir?.value, env: home, cwd: ctx.io.cwd }).dataDir!
}

/**
 * The daemon whose discovery file is in `dataDir`, when it is alive (`store` = which of its stores
 * it published for: only an embedded one means the CLI cannot open the store itself). A file left
 * by a killed daemon is removed with a notice.
 */
export async function runningDaemon(ctx: Ctx, dataDir: string, o: { anyStore?: boolean } = {}): Promise<LocalApiDiscovery | undefined> {
  const lookup = await readDiscovery(dataDir).catch(() => ({ kind: 'none' }) as const)
  if (lookup.kind === 'stale') ctx.feedback.notice(`ignored a stale ${DISCOVERY_FILE} in ${dataDir}: the m365d daemon that wrote it (pid ${lookup.pid}) is gone, so the file was removed`)
  if (lookup.kind === 'invalid') ctx.feedback.notice(`ignored ${DISCOVERY_FILE} in ${dataDir}: not a well-formed private file of this user`)
  if (lookup.kind !== 'found' || (!o.anyStore && lookup.discovery.store !== 'embedded')) return undefined
  const d = lookup.discovery
  if (ctx.values.verbose) ctx.io.stderr.write(`verbose local-api m365d pid=${d.pid} (worker ${d.worker}, since ${d.startedAt}) owns the ${d.store} store of ${dataDir}: using its local API ${d.url}\n`)
  return d
}
