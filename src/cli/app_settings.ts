import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { createApp, type App, type AppSettings } from '../app/index.js'
import type { OpenedStore, StorageSelection } from '../sync/index.js'
import type { CommandContext, OptionSpecs } from './command.js'
import { apiOptions, credentialOptions, loadConfig, type CliConfig } from './config.js'
import { requireCredentials } from './credentials.js'
import type { Feedback } from './output/feedback.js'

/**
 * Where the CLI's configuration (flags > environment > profile > config file, src/cli/config.ts) becomes the
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

/** The storage the configuration selects (PostgreSQL URL, else a PGlite data directory): flags > env > profile > file. */
export function storageFrom(config: CliConfig): StorageSelection {
  return config.storage
}

/** The flags a registry-only command hands to the configuration: the store, the file and the profile. */
export function storageFlags(values: Values): Values {
  return { 'data-dir': values['data-dir'], 'database-url': values['database-url'], config: values.config, profile: values.profile }
}

/**
 * What opening the store is called while it runs: creating an embedded database the first time
 * takes PGlite ~20 s on a small machine, worth saying so instead of looking hung (issue 11 §2).
 */
export function storeStepLabel(selection: StorageSelection, options: { temporary?: boolean } = {}): string {
  if (selection.databaseUrl !== undefined) {
    const u = URL.canParse(selection.databaseUrl) ? new URL(selection.databaseUrl) : undefined
    return `Connecting to PostgreSQL${u ? ` ${u.hostname}:${u.port || 5432}${u.pathname}` : ''}`
  }
  if (existsSync(join(selection.dataDir!, 'PG_VERSION'))) return 'Opening the embedded database'
  // `m365d start` without --data-dir makes a new one each run: "first run only" would not be true.
  return options.temporary ? 'Creating a temporary embedded database (~20 s; --data-dir keeps one between runs)' : 'Creating the embedded database (first run only, ~20 s)'
}

/**
 * Opens the store as a visible step (issue 11 §2: the first run's database set-up is a step of any
 * command that opens the store). PGlite works in WebAssembly on the main thread, which blocks the
 * event loop: the step is `blocking` so it still shows at once and keeps its spinner turning.
 */
export function storeStep<T>(feedback: Feedback, selection: StorageSelection, open: () => Promise<T>, options: { temporary?: boolean } = {}): Promise<T> {
  return feedback.step(storeStepLabel(selection, options), open, { blocking: selection.databaseUrl === undefined })
}

/** Resolves the configuration once and builds the app; `close()` stops its token provider. */
export async function openApp(ctx: CommandContext, values: Values, options: { tenantOptional?: boolean; config?: CliConfig } = {}): Promise<CliApp> {
  const config = options.config ?? (await loadConfig(ctx, values as never))
  const creds = await requireCredentials(config, ctx.commandPath, options.tenantOptional ? { tenantOptional: true } : {})
  const settings: AppSettings = {
    clientId: creds.clientId,
    credential: creds.credential,
    cloud: config.cloud,
    ...(creds.tenant && { homeTenant: creds.tenant }),
    storage: config.storage,
    registerSecret: ctx.registerSecret,
  }
  const app = createApp(settings)
  return Object.assign(app, { config, tenant: creds.tenant, resource: config.sources.resource !== 'default' ? config.resource : undefined })
}

/** The partner app (home tenant optional) and its opened store, for the commands that sync or check the registry's tenants. */
export async function openAppWithStore(ctx: CommandContext, values: Values, config?: CliConfig): Promise<{ app: CliApp; store: OpenedStore }> {
  const app = await openApp(ctx, values, { tenantOptional: true, ...(config && { config }) })
  try {
    return { app, store: await storeStep(ctx.feedback, app.settings.storage ?? app.config.storage, () => app.openStore()) }
  } catch (e) {
    app.close()
    throw e
  }
}

export { emulatorGraphApi } from './config.js'
