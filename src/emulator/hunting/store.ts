/**
 * Hunting state of one emulator: per-tenant tables (generated lazily from the tenant's incidents
 * on its first query), limits, call and CPU windows, externaldata sources. One instance per
 * emulator, in its context (src/emulator/context.ts).
 */
import type { Table } from '../../kql/index.js'
import type { Clock } from '../../lib/clock.js'
import type { DefenderStore } from '../defender/store.js'
import type { Directory } from '../state/directory.js'
import { generateHuntingData } from './generator.js'
import { defaultHuntingLimits, Windows, type HuntingLimits } from './limits.js'
import { HuntingPool, type PoolOptions } from './pool.js'
import { huntingSchema, type ExternalSource } from './schema.js'

export { huntingSchema, type ExternalSource } from './schema.js'

export interface HuntingOptions {
  /** Background rows per tenant across tables (default 20,000). */
  rowsPerTenant?: number
  limits?: Partial<HuntingLimits>
  /** The `externaldata` allow-list (issue 5 §1: no network; anything else is refused). */
  externalData?: Readonly<Record<string, ExternalSource>>
  /**
   * Worker threads that run queries (pool.ts; default 2 workers of 768 MB heap each). `workers: 0`
   * runs queries on the calling thread: no isolation, for debugging only.
   */
  pool?: PoolOptions
}

interface Host {
  defender: DefenderStore
  clock: Clock
  directory: Directory
}

export class HuntingStore {
  limits: HuntingLimits = defaultHuntingLimits()
  rowsPerTenant = 20_000
  readonly calls = new Windows()
  readonly cpu = new Windows()
  /** URI → source; queries may read only these with `externaldata`. */
  readonly externalData = new Map<string, ExternalSource>()
  readonly #data = new Map<string, { version: number; tables: Map<string, Table> }>()
  #generated = 0
  #poolOptions: PoolOptions = {}
  #pool: HuntingPool | undefined

  constructor(private readonly host: Host) {}

  /** The tenant's tables (generated on first use from its incidents, seeded like them). */
  tables(tenantId: string): Map<string, Table> {
    return this.versioned(tenantId).tables
  }

  /** The tenant's tables and their version (a new one each time they are generated). */
  versioned(tenantId: string): { version: number; tables: Map<string, Table> } {
    const id = tenantId.toLowerCase()
    let t = this.#data.get(id)
    if (!t) {
      t = { version: ++this.#generated, tables: generateHuntingData({
        tenantId: id,
        domain: this.host.directory.tenants.get(id)?.domains[0] ?? `${id.slice(0, 8)}.onmicrosoft.com`,
        seed: this.host.defender.seed,
        now: this.host.clock.now(),
        incidents: this.host.defender.all(id),
        schema: huntingSchema(),
        rows: this.rowsPerTenant,
      }) }
      this.#data.set(id, t)
    }
    return t
  }

  /** Drops generated data (all tenants, or one) so the next query regenerates it from the incidents. */
  reset(tenantId?: string): void {
    if (tenantId) this.#data.delete(tenantId.toLowerCase())
    else this.#data.clear()
  }

  get generatedTenants(): string[] {
    return [...this.#data.keys()]
  }

  configure(options: HuntingOptions): this {
    if (options.rowsPerTenant !== undefined) this.rowsPerTenant = options.rowsPerTenant
    if (options.limits) this.limits = { ...this.limits, ...options.limits }
    if (options.externalData) for (const [uri, source] of Object.entries(options.externalData)) this.externalData.set(uri, source)
    if (options.pool) this.#poolOptions = { ...options.pool }
    return this
  }

  /** The query workers (started on the first query); undefined when configured with `workers: 0`. */
  get pool(): HuntingPool | undefined {
    if (this.#poolOptions.workers === 0) return undefined
    return (this.#pool ??= new HuntingPool(this.#poolOptions))
  }

  /** Terminates the query workers (the emulator's close()). */
  async close(): Promise<void> {
    const p = this.#pool
    this.#pool = undefined
    await p?.close()
  }
}

/** The hunting state of an emulator (or of a route handler's context). */
export function huntingOf(emulator: { hunting: HuntingStore }): HuntingStore {
  return emulator.hunting
}
