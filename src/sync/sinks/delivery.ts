import { M365dError, redact } from '../../lib/errors.js'
import type { Database } from '../db/database.js'
import { ackOutbox, claimOutbox, nackOutbox, toSinkRecord } from './outbox.js'
import { SinkError, type Sink } from './sink.js'

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
 * after the sink resolved. A failed batch is given back with a growing delay (2 s → 5 min, longer
 * if the receiver's `Retry-After` asks, capped at 5 min) and this worker pauses that sink for as
 * long, so a sink that is down is not flooded. Order across batches is not guaranteed (several
 * workers deliver in parallel, a failed batch is retried later): consumers order versions of a
 * record by `version`.
 *
 * Sinks deliver independently (issue 10 §4): each drains in its own task, and a sink still busy
 * from an earlier call (a hanging receiver, retries) is left to finish while the others go on. A
 * call waits for the sinks it started at most `maxWaitMs`, so a stuck sink never holds up the
 * delivery loop, and with it the other sinks.
 */
export class OutboxDelivery {
  readonly counters = new Map<string, SinkCounters>()
  readonly #pausedUntil = new Map<string, number>()
  readonly #running = new Map<string, Promise<void>>()
  #error: unknown

  constructor(
    private readonly o: {
      db: Database
      sinks: Sink[]
      workerId: string
      batchSize?: number
      claimSeconds?: number
      retryBaseSeconds?: number
      /** Longest a `drain()` call waits for its sinks before returning while they go on (default 2 s). */
      maxWaitMs?: number
      onReport?: (r: DeliveryReport) => void
    },
  ) {
    for (const s of o.sinks) this.counters.set(s.name, { delivered: 0, failures: 0, lastError: null, consecutiveFailures: 0 })
  }

  /**
   * Starts a drain of every idle, unpaused sink (until its outbox is empty, it fails, or `signal`
   * aborts) and waits for them, but at most `maxWaitMs`: a slower sink goes on in the background and
   * is skipped by later calls until it is done. Returns the records delivered while it waited.
   */
  async drain(signal?: AbortSignal): Promise<number> {
    const tally = { delivered: 0 }
    const started: Promise<void>[] = []
    for (const sink of this.o.sinks) {
      if (this.#running.has(sink.name) || (this.#pausedUntil.get(sink.name) ?? 0) > Date.now()) continue
      const run = this.#drainSink(sink, tally, signal)
        // An error outside the sink (e.g. the database) surfaces from this call, or from the next one if it comes later.
        .catch((e: unknown) => void (this.#error ??= e))
        .finally(() => this.#running.delete(sink.name))
      this.#running.set(sink.name, run)
      started.push(run)
    }
    if (started.length > 0) {
      let timer: NodeJS.Timeout | undefined
      const waited = new Promise<void>((resolve) => (timer = setTimeout(resolve, this.o.maxWaitMs ?? 2_000)))
      await Promise.race([Promise.all(started), waited])
      clearTimeout(timer)
    }
    const error = this.#error
    this.#error = undefined
    if (error !== undefined) throw error
    return tally.delivered
  }

  /** Resolves once no sink is delivering (e.g. before closing the sinks at shutdown). */
  async idle(): Promise<void> {
    while (this.#running.size > 0) await Promise.all([...this.#running.values()])
  }

  async #drainSink(sink: Sink, tally: { delivered: number }, signal?: AbortSignal): Promise<void> {
    while (!signal?.aborted) {
      const n = await this.#deliverBatch(sink, signal)
      if (n <= 0) return
      tally.delivered += n
    }
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
      if (signal?.aborted) {
        // Stopping, not failing: hand the rows back at once for whoever delivers next.
        await nackOutbox(this.o.db, { workerId: this.o.workerId, ids, error: 'delivery interrupted (worker stopping)', retryAfterSeconds: 0 })
        return -1
      }
      const code = e instanceof M365dError ? e.code : 'ERR_SINK_DELIVERY'
      const message = redact(e instanceof Error ? e.message : String(e))
      c.failures++
      c.consecutiveFailures++
      c.lastError = `${code}: ${message}`
      const backoffSeconds = (this.o.retryBaseSeconds ?? 2) * 2 ** Math.min(c.consecutiveFailures - 1, 10)
      const askedSeconds = e instanceof SinkError && e.retryAfterMs !== undefined ? e.retryAfterMs / 1000 : 0
      const retryAfterSeconds = Math.min(MAX_PAUSE_SECONDS, Math.max(backoffSeconds, askedSeconds))
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

/** Longest pause of a failing sink, whatever the backoff or the receiver's Retry-After. */
const MAX_PAUSE_SECONDS = 300
