/**
 * The state of one emulator instance. Every route handler reaches it through the context passed
 * by the router; nothing lives in module-level maps, so two emulators in one process (tests, the
 * bench, `npm start`) never share throttle windows, consent flows or hunting data (issue 10 §7).
 */
import { systemClock, type Clock } from '../lib/clock.js'
import { loadDirectory, type EmulatorConfig } from './config.js'
import { DefenderStore, type DefenderStoreOptions } from './defender/store.js'
import { FaultQueue } from './faults.js'
import { HuntingStore } from './hunting/store.js'
import type { ConsentRequest } from './identity/consent_request.js'
import { ConsentFlows } from './identity/consent_store.js'
import { TokenThrottle } from './identity/token_throttle.js'
import { RequestLog } from './request_log.js'
import type { Directory } from './state/directory.js'
import { KeyStore } from './state/keys.js'
import { wellKnownConfig } from './well_known.js'

export interface EmulatorOptions {
  /** Seed configuration; defaults to the well-known development set ({@link wellKnownConfig}). */
  config?: EmulatorConfig
  /** Time source for token times, expiry checks and rate windows (tests pass a ManualClock). */
  clock?: Clock
  /** How long a rotated signing key stays published (default 24 h). */
  signingKeyGraceMs?: number
  /** Defender data generator and limits: seed, incidents per tenant, quotas (src/emulator/defender/store.ts). */
  defender?: DefenderStoreOptions
}

/** Everything a route handler can reach. */
export interface EmulatorContext {
  directory: Directory
  keys: KeyStore
  clock: Clock
  faults: FaultQueue
  requests: RequestLog
  /** The (mutable) seed config: token lifetime, token rate limit, … */
  config: EmulatorConfig
  /** Defender incidents/alerts per tenant, quotas and live mode. */
  defender: DefenderStore
  /** Advanced hunting tables (derived from the incidents), limits, call/CPU windows, externaldata sources. */
  hunting: HuntingStore
  /** Token issuance windows per client id (`config.tokenRateLimit`). */
  tokenThrottle: TokenThrottle
  /** Pending consent pages by their one-time `flowToken`. */
  consentFlows: ConsentFlows<ConsentRequest>
}

export async function createContext(options: EmulatorOptions = {}): Promise<EmulatorContext> {
  const config = structuredClone(options.config ?? wellKnownConfig())
  const clock = options.clock ?? systemClock
  const directory = loadDirectory(config, () => clock.now())
  const keys = await KeyStore.create({ now: () => clock.now(), ...(options.signingKeyGraceMs !== undefined && { graceMs: options.signingKeyGraceMs }) })
  // The domain lookup runs lazily (first access of a tenant).
  const defender = new DefenderStore(clock, (tid) => directory.tenants.get(tid)?.domains[0] ?? `${tid.slice(0, 8)}.onmicrosoft.com`, options.defender)
  return {
    directory,
    keys,
    clock,
    faults: new FaultQueue(),
    requests: new RequestLog(),
    config,
    defender,
    hunting: new HuntingStore({ defender, clock, directory }).configure({ ...(config.externalData && { externalData: config.externalData }) }),
    tokenThrottle: new TokenThrottle(),
    consentFlows: new ConsentFlows(),
  }
}
