import type { Queryable } from '../db/database.js'
import { acquireLeases, releaseLeases, renewLeases } from '../db/sql/leases.js'
import type { DaemonEvent } from './events.js'
import { fairShare, heartbeatWorker } from './schedule_sql.js'

/**
 * The tenants one worker holds, kept in step with `m365d_leases` (issue 4 §4):
 * - acquire: up to a cap (fixed, or the fair share ceil(tenants / live workers)), giving idle
 *   tenants back when over it, so a worker that joins gets work;
 * - heartbeat: renew every ttl/3; a tenant the renewal no longer returns is LOST (another worker
 *   owns it) and `onLost` aborts its pass; cut off from the database for a whole TTL = all lost.
 * Lease reads and writes run one at a time: a renewal answered from before a concurrent
 * acquisition committed would otherwise report the new leases as lost.
 */
export class LeaseKeeper {
  readonly held = new Set<string>()
  #renewedAt = Date.now()
  #chain: Promise<unknown> = Promise.resolve()

  constructor(
    private readonly o: {
      db: Queryable
      workerId: string
      ttlSeconds: number
      maxTenantsPerWorker?: number | undefined
      isRunning: (tenantId: string) => boolean
      onLost: (tenantId: string) => void
      emit: (e: DaemonEvent) => void
    },
  ) {}

  acquire(): Promise<void> {
    return this.#serial(() => this.#acquire())
  }

  async heartbeat(): Promise<void> {
    const { db, workerId, ttlSeconds } = this.o
    try {
      await heartbeatWorker(db, workerId, ttlSeconds)
      await this.#serial(async () => this.#reconcile(await renewLeases(db, { workerId, ttlSeconds }), false))
      this.#renewedAt = Date.now()
    } catch (e) {
      // Fencing already keeps our passes from committing; this stops them.
      if (Date.now() - this.#renewedAt > ttlSeconds * 1000) this.#reconcile([], false)
      throw e
    }
  }

  /** Gives every lease back (graceful stop) so other workers need not wait for expiry. */
  async releaseAll(): Promise<void> {
    const held = [...this.held]
    await this.#serial(() => releaseLeases(this.o.db, { workerId: this.o.workerId }))
    this.held.clear()
    for (const tenantId of held) this.o.emit({ type: 'lease.released', tenantId, reason: 'stop' })
  }

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.#chain.then(fn, fn)
    this.#chain = next.catch(() => undefined)
    return next
  }

  async #acquire(): Promise<void> {
    const { db, workerId, ttlSeconds } = this.o
    const cap = this.o.maxTenantsPerWorker ?? (await fairShare(db, { ttlSeconds }))
    // What we own, per the database, comes from renewing: acquireLeases' LIMIT counts rows we
    // already own, so its answer alone may leave out leases that are still ours. (Skipped when
    // renewed recently: ticks are frequent, renewals need not be.)
    if (Date.now() - this.#renewedAt >= (ttlSeconds * 1000) / 6) {
      this.#reconcile(await renewLeases(db, { workerId, ttlSeconds }), true)
      this.#renewedAt = Date.now()
    }
    const surplus = [...this.held].filter((t) => !this.o.isRunning(t)).slice(0, Math.max(0, this.held.size - cap))
    if (surplus.length) {
      await releaseLeases(db, { workerId, tenantIds: surplus })
      for (const t of surplus) {
        this.held.delete(t)
        this.o.emit({ type: 'lease.released', tenantId: t, reason: 'rebalance' })
      }
    }
    if (this.held.size >= cap) return
    // `max` counts the leases we already hold (acquireLeases renews those too).
    for (const t of await acquireLeases(db, { workerId, max: cap, ttlSeconds })) this.#gain(t)
  }

  /** `owned` is what the database says we hold now: report gains, and losses. */
  #reconcile(owned: string[], mayGain: boolean): void {
    const now = new Set(owned)
    for (const t of [...this.held]) {
      if (now.has(t)) continue
      this.held.delete(t)
      this.o.emit({ type: 'lease.lost', tenantId: t })
      this.o.onLost(t)
    }
    if (mayGain) for (const t of owned) this.#gain(t)
  }

  #gain(t: string): void {
    if (this.held.has(t)) return
    this.held.add(t)
    this.o.emit({ type: 'lease.acquired', tenantId: t })
  }
}
