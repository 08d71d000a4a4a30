import type { Cloud } from '../auth/clouds.js'
import type { ClientCredential } from '../auth/credentials.js'
import type { StorageSelection } from '../sync/index.js'
import type { SyncSettingsInput } from '../sync/index.js'

/**
 * Everything an m365d program needs, already resolved by its entry point (the CLI reads flags,
 * environment and config file in src/cli/app_settings.ts; a service embedding m365d builds it
 * directly). {@link createApp} turns it into the cloud, one token provider and per-tenant clients.
 */
export interface AppSettings {
  /** The (multi-tenant) app registration's application (client) id. */
  clientId: string
  credential: ClientCredential
  /** Hosts and audiences, with any overrides (emulator URL) already applied. */
  cloud: Cloud
  /** The partner's home tenant, when configured (single-tenant commands use it as their tenant). */
  homeTenant?: string | undefined
  /** Where the tenant registry and synced data live (default: embedded PGlite under ~/.m365d/data). */
  storage?: StorageSelection | undefined
  /** Sync daemon knobs; defaults in src/sync/settings.ts. */
  sync?: SyncSettingsInput | undefined
  fetch?: typeof fetch | undefined
  /**
   * Called with every secret the app holds (client secret, webhook secret), so each output path
   * (logs, errors, stored health details) can scrub it.
   */
  registerSecret?: ((value: string) => void) | undefined
}
