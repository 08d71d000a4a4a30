import type { Database, Queryable } from '../db/database.js'
import { M365dError } from '../../lib/errors.js'

export class LeaseLostError extends M365dError {
  constructor(tenantId: string, workerId: string) {
    super('ERR_SYNC_LEASE_LOST', `worker ${workerId} no longer holds the lease of tenant ${tenantId}; the page was not committed`, {
      hint: 'another worker took the tenant over (this worker missed its heartbeats: check database latency, or raise leaseTtlSeconds)',
    })
  }
}

/**
 * The database a tenant's pass writes through. Every transaction (each page commit) first checks,
 * IN THAT TRANSACTION, that this worker still holds the tenant's lease, and holds the lease row
 * (FOR SHARE) until it commits: a worker that lost its lease — paused past the TTL, partitioned
 * from the database — can never commit a page, move a cursor or a watermark over a tenant another
 * worker now syncs (lease fencing; issue 4 §4 "never the same tenant twice at once").
 *
 * When the daemon has sinks, the transaction also names them in `m365d.outbox_sinks`, so the
 * outbox trigger (migration 1) writes one row per sink and changed record version in the same
 * transaction as the record.
 */
export function fencedDatabase(db: Database, o: { tenantId: string; workerId: string; sinks: string[]; onLeaseLost: (e: LeaseLostError) => void }): Database {
  return {
    kind: db.kind,
    query: (sql, params) => db.query(sql, params),
    exec: (sql) => db.exec(sql),
    close: () => db.close(),
    transaction: <T>(fn: (tx: Queryable) => Promise<T>) =>
      db.transaction(async (tx) => {
        const { rows } = await tx.query(
          `SELECT 1 FROM m365d_leases WHERE tenant_id = $1 AND worker_id = $2 AND expires_at >= now() FOR SHARE`,
          [o.tenantId, o.workerId],
        )
        if (!rows.length) {
          const e = new LeaseLostError(o.tenantId, o.workerId)
          // Abort the pass first, so the engine treats this as a stop and records no failure on a
          // tenant that is no longer ours.
          o.onLeaseLost(e)
          throw e
        }
        if (o.sinks.length) await tx.query(`SELECT set_config('m365d.outbox_sinks', $1, true)`, [o.sinks.join(',')])
        return fn(tx)
      }),
  }
}
