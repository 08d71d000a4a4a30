import { resolveCloud, type Cloud } from '../../auth/clouds.js'
import { TokenProvider } from '../../auth/token_provider.js'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { openStore, resolveStorage, type OpenedStore, type StorageSelection } from '../../sync/onboarding/storage.js'
import type { CommandContext, OptionSpecs } from '../command.js'
import { apiOptions, credentialOptions, loadConfig } from '../config.js'
import { requireCredentials } from '../credentials.js'
import { CliError } from '../errors.js'

/**
 * What `m365d sync` and `m365d tenants …` share: where the data lives and which app reads the
 * tenants. M365D_TENANT_ID is the partner's HOME tenant here; the customer tenants come from the
 * tenants table.
 */
export const storageOptions = {
  'data-dir': { type: 'string', valueName: 'DIR', description: 'Embedded PGlite data directory (M365D_DATA_DIR; default ~/.m365d/data)' },
  'database-url': { type: 'string', valueName: 'URL', description: 'PostgreSQL instead of PGlite: postgres://user@host:5432/db (M365D_DATABASE_URL)' },
} as const satisfies OptionSpecs

export const appOptions = {
  ...credentialOptions,
  ...apiOptions,
  'graph-api': { type: 'string', valueName: 'URL', description: 'Microsoft Graph base URL, e.g. the emulator URL (M365D_GRAPH_API)' },
} as const satisfies OptionSpecs

type Values = Record<string, string | boolean | string[] | undefined>

export async function openSyncStore(ctx: Pick<CommandContext, 'io' | 'feedback'>, values: Values, options: { poolSize?: number } = {}): Promise<OpenedStore> {
  const selection = resolveStorage({
    databaseUrl: str(values['database-url']),
    dataDir: str(values['data-dir']),
    env: ctx.io.env,
    cwd: ctx.io.cwd,
  })
  return ctx.feedback.step(storeStepLabel(selection), () => openStore(selection, options))
}

/**
 * What opening the store is called while it runs: creating an embedded database the first time
 * takes PGlite ~20 s on a small machine, worth saying so instead of looking hung (issue 11 §2).
 */
export function storeStepLabel(selection: StorageSelection): string {
  if (selection.databaseUrl !== undefined) {
    const u = URL.canParse(selection.databaseUrl) ? new URL(selection.databaseUrl) : undefined
    return `Connecting to PostgreSQL${u ? ` ${u.hostname}:${u.port || 5432}${u.pathname}` : ''}`
  }
  const dir = selection.dataDir!
  return existsSync(join(dir, 'PG_VERSION')) ? 'Opening the embedded database' : 'Creating the embedded database (first run only, ~20 s)'
}

export interface SyncApp {
  tokenProvider: TokenProvider
  clientId: string
  cloud: Cloud
  authorityHost: string
  close(): void
}

/** The partner app: one token provider for every customer tenant. */
export async function openSyncApp(ctx: CommandContext, values: Values): Promise<SyncApp> {
  const config = await loadConfig(ctx, values as never)
  const app = await requireCredentials(config, ctx.commandPath, { tenantOptional: true })
  const graphApi = str(values['graph-api']) ?? (ctx.io.env.M365D_GRAPH_API || undefined)
  // The emulator serves Graph on the same origin as the Defender API: follow M365D_DEFENDER_API when no Graph URL is set.
  const graph = graphApi ?? (config.sources.defenderApi !== 'default' ? config.defenderApi : undefined)
  const cloud = graph ? resolveCloud(config.cloud.name, { authorityHost: config.authorityHost, defenderApi: config.defenderApi, graphApi: graph }) : config.cloud
  const tokenProvider = new TokenProvider({ clientId: app.clientId, credential: app.credential, cloud, authorityHost: config.authorityHost })
  return { tokenProvider, clientId: app.clientId, cloud, authorityHost: config.authorityHost, close: () => tokenProvider.close() }
}

/** `60s`, `5m`, `2h`, `30d` or plain milliseconds → ms. */
export function parseDuration(value: string, option: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(value.trim())
  if (!m) {
    throw new CliError('ERR_CLI_INVALID_DURATION', `--${option} '${value.slice(0, 20)}' is not a duration`, { hint: 'e.g. 500ms, 60s, 5m, 2h, 30d' })
  }
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[(m[2] ?? 'ms') as 'ms']
  return Math.round(Number(m[1]) * unit)
}

export function parseCount(value: string, option: string, min = 1): number {
  const n = Number(value)
  if (!/^\d+$/.test(value) || n < min) throw new CliError('ERR_CLI_INVALID_OPTION', `--${option} '${value.slice(0, 20)}' is not a whole number ≥ ${min}`, { hint: `e.g. --${option} 8` })
  return n
}

function str(v: string | boolean | string[] | undefined): string | undefined {
  return typeof v === 'string' ? v : undefined
}
