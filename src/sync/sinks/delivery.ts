import { M365dError, redact } from '../../lib/errors.js'
import type { Database } from '../db/database.js'
import { ackOutbox, claimOutbox, nackOutbox, toSinkRecord } from './outbox.js'
import type { Sink } from './sink.js'

export interface DeliveryReport {
  sink: string
  delivered: number
  failed?: { records: number; code: string; message: string }
}

export interface SinkCounters {
  delivered: number
  failures: number
  lastError: string | null
  consecutiveFailures: number
}

/**
 * Drains the outbox into the sinks: claim a batch for one sink, hand it over, delete it only
 * after the sink resolved. A failed batch is given back with a growing delay (2 s → 5 min) and this
 * worker pauses that sink for as long, so a sink that is down is not flooded. Order across
 * batches is not guaranteed (several workers deliver in parallel, a failed batch is retried
 * later): consumers order versions of a record by `version`.
 */
export class OutboxDelivery {
  readonly counters = new Map<string, SinkCounters>()
  readonly #pausedUntil = new Map<string, number>()

  constructor(
    private readonly o: { db: Database; sinks: Sink[]; workerId: string; batchSize?: number; claimSeconds?: number; retryBaseSeconds?: number; onReport?: (r: DeliveryReport) => void },
  ) {
    for (const s of o.sinks) this.counters.set(s.name, { delivered: 0, failures: 0, lastError: null, consecutiveFailures: 0 })
  }

  /** Delivers until every sink's outbox is empty, a sink fails, or `signal` aborts. Returns records delivered. */
  async drain(signal?: AbortSignal): Promise<number> {
    let total = 0
    for (const sink of this.o.sinks) {
      if ((this.#pausedUntil.get(sink.name) ?? 0) > Date.now()) continue
      while (!signal?.aborted) {
        const n = await this.#deliverBatch(sink, signal)
        if (n <= 0) break
        total += n
      }
    }
    return total
  }

  /** One batch to one sink: >0 delivered, 0 nothing pending, -1 failed. */
  async #deliverBatch(sink: Sink, signal?: AbortSignal): Promise<number> {
    const batchSize = this.o.batchSize ?? 100
    const claimSeconds = this.o.claimSeconds ?? 120
    const rows = await claimOutbox(this.o.db, { sink: sink.name, workerId: this.o.workerId, limit: batchSize, claimSeconds })
    if (!rows.length) return 0
    const ids = rows.map((r) => r.id)
    const c = this.counters.get(sink.name)!
    try {
      await sink.deliver(rows.map(toSinkRecord), signal)
    } catch (e) {
      const code = e instanceof M365dError ? e.code : 'ERR_SINK_DELIVERY'
      const message = redact(e instanceof Error ? e.message : String(e))
      c.failures++
      c.consecutiveFailures++
      c.lastError = `${code}: ${message}`
      const retryAfterSeconds = Math.min(300, (this.o.retryBaseSeconds ?? 2) * 2 ** Math.min(c.consecutiveFailures - 1, 10))
      this.#pausedUntil.set(sink.name, Date.now() + retryAfterSeconds * 1000)
      await nackOutbox(this.o.db, { workerId: this.o.workerId, ids, error: c.lastError, retryAfterSeconds })
      this.o.onReport?.({ sink: sink.name, delivered: 0, failed: { records: rows.length, code, message } })
      return -1
    }
    await ackOutbox(this.o.db, { workerId: this.o.workerId, ids })
    c.delivered += rows.length
    c.consecutiveFailures = 0
    c.lastError = null
    this.#pausedUntil.delete(sink.name)
    this.o.onReport?.({ sink: sink.name, delivered: rows.length })
    return rows.length
  }
}
