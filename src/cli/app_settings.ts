import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { resolveCloud, type Cloud } from '../auth/clouds.js'
import { createApp, type App, type AppSettings } from '../app/index.js'
import { openStore, resolveStorage, type OpenedStore, type StorageSelection } from '../sync/index.js'
import type { CommandContext, OptionSpecs } from './command.js'
import { apiOptions, credentialOptions, loadConfig, type CliConfig } from './config.js'
import { requireCredentials } from './credentials.js'

/**
 * Where the CLI's configuration (flags > environment > config file, src/cli/config.ts) becomes the
 * application layer's {@link AppSettings}: every command that talks to the APIs or the store gets
 * its cloud, token provider, clients and store from {@link openApp}, the same way.
 */

/** Where the registry and the synced data live; every command that reads the tenant registry takes these. */
export const storageOptions = {
  'data-dir': { type: 'string', valueName: 'DIR', description: 'Embedded PGlite data directory (M365D_DATA_DIR; default ~/.m365d/data)' },
  'database-url': { type: 'string', valueName: 'URL', description: 'PostgreSQL instead of PGlite: postgres://user@host:5432/db (M365D_DATABASE_URL)' },
} as const satisfies OptionSpecs

/** The partner app's credentials and API hosts. */
export const appOptions = {
  ...credentialOptions,
  ...apiOptions,
  'graph-api': { type: 'string', valueName: 'URL', description: 'Microsoft Graph base URL, e.g. the emulator URL (M365D_GRAPH_API)' },
} as const satisfies OptionSpecs

type Values = Record<string, string | boolean | string[] | undefined>

export interface CliApp extends App {
  config: CliConfig
  /** The configured tenant (M365D_TENANT_ID / --tenant); '' when the command made it optional. */
  tenant: string
  /** An explicit token audience (flag, environment or file), else undefined: each surface's own. */
  resource: string | undefined
}

/** The storage the flags and environment select (PostgreSQL URL, else a PGlite data directory). */
export function storageFrom(ctx: Pick<CommandContext, 'io'>, values: Values): StorageSelection {
  return resolveStorage({ databaseUrl: str(values['database-url']), dataDir: str(values['data-dir']), env: ctx.io.env, cwd: ctx.io.cwd })
}

/** Opens (and migrates) the selected store, shown as a step (a spinner, or a line when it is slow). */
export function openSyncStore(ctx: Pick<CommandContext, 'io' | 'feedback'>, values: Values, options: { poolSize?: number } = {}): Promise<OpenedStore> {
  const selection = storageFrom(ctx, values)
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
  return existsSync(join(selection.dataDir!, 'PG_VERSION')) ? 'Opening the embedded database' : 'Creating the embedded database (first run only, ~20 s)'
}

/** The cloud with the Graph host resolved: --graph-api, M365D_GRAPH_API, or the emulator's origin. */
export function cloudFrom(ctx: Pick<CommandContext, 'io'>, values: Values, config: CliConfig): Cloud {
  const graphApi = str(values['graph-api']) ?? (ctx.io.env.M365D_GRAPH_API || undefined) ?? emulatorGraphApi(config.defenderApi, config.sources.defenderApi)
  return graphApi ? resolveCloud(config.cloud.name, { authorityHost: config.authorityHost, defenderApi: config.defenderApi, graphApi }) : config.cloud
}

/** Resolves the configuration once and builds the app; `close()` stops its token provider. */
export async function openApp(ctx: CommandContext, values: Values, options: { tenantOptional?: boolean; config?: CliConfig } = {}): Promise<CliApp> {
  const config = options.config ?? (await loadConfig(ctx, values as never))
  const creds = await requireCredentials(config, ctx.commandPath, options.tenantOptional ? { tenantOptional: true } : {})
  const settings: AppSettings = {
    clientId: creds.clientId,
    credential: creds.credential,
    cloud: cloudFrom(ctx, values, config),
    ...(creds.tenant && { homeTenant: creds.tenant }),
    storage: storageFrom(ctx, values),
    registerSecret: ctx.registerSecret,
  }
  const app = createApp(settings)
  return Object.assign(app, { config, tenant: creds.tenant, resource: config.sources.resource !== 'default' ? config.resource : undefined })
}

/** The partner app (home tenant optional) and its opened store, for the commands that sync or check the registry's tenants. */
export async function openAppWithStore(ctx: CommandContext, values: Values): Promise<{ app: CliApp; store: OpenedStore }> {
  const app = await openApp(ctx, values, { tenantOptional: true })
  try {
    return { app, store: await ctx.feedback.step(storeStepLabel(app.settings.storage ?? storageFrom(ctx, values)), () => app.openStore()) }
  } catch (e) {
    app.close()
    throw e
  }
}

/**
 * With no Graph URL configured but the Defender API pointed at a non-Microsoft host (the emulator,
 * which serves both surfaces on one origin), Graph calls go there too: sending an emulator token to
 * graph.microsoft.com can never work. Real hosts (regional api-eu.security.microsoft.com, gov
 * *.microsoft.us) keep the cloud's Graph host.
 */
export function emulatorGraphApi(defenderApi: string, source: string | undefined): string | undefined {
  if (source === undefined || source === 'default') return undefined
  let host: string
  try {
    host = new URL(defenderApi).hostname.toLowerCase()
  } catch {
    return undefined
  }
  return /(^|\.)microsoft\.(com|us)$|(^|\.)apps\.mil$|(^|\.)chinacloudapi\.cn$/.test(host) ? undefined : defenderApi
}

function str(v: string | boolean | string[] | undefined): string | undefined {
  return typeof v === 'string' ? v : undefined
}
