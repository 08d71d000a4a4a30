import type { Clock } from '../../lib/clock.js'
import type { Database } from '../db/database.js'
import type { OutboxDelivery } from '../sinks/delivery.js'
import { pendingOutbox } from '../sinks/outbox.js'
import type { Sink } from '../sinks/sink.js'

export type LoopName = 'schedule' | 'heartbeat' | 'delivery'

/**
 * The daemon's background loops (schedule, lease heartbeat, outbox delivery): each sleeps on the
 * injectable clock, runs its step, and reports a failed step without dying; the schedule loop can
 * be woken early when a pass frees a slot. One abort stops them all.
 */
export class Loops {
  readonly #stop = new AbortController()
  readonly #running: Promise<void>[] = []
  #wake: (() => void) | undefined

  constructor(private readonly clock: Clock, private readonly onError: (loop: LoopName, e: unknown) => void) {}

  get signal(): AbortSignal {
    return this.#stop.signal
  }

  start(name: LoopName, everyMs: number, step: () => Promise<void>, wakeable = false): void {
    this.#running.push(this.#loop(name, everyMs, step, wakeable))
  }

  /** Runs the wakeable loop's next step now. */
  wake(): void {
    this.#wake?.()
  }

  /** Stops every loop; resolves when the steps in flight have finished. */
  async stop(reason: Error): Promise<void> {
    this.#stop.abort(reason)
    await Promise.allSettled(this.#running)
  }

  async #loop(name: LoopName, everyMs: number, step: () => Promise<void>, wakeable: boolean): Promise<void> {
    const signal = this.#stop.signal
    while (!signal.aborted) {
      const wake = new AbortController()
      if (wakeable) this.#wake = () => wake.abort()
      try {
        await this.clock.sleep(everyMs, AbortSignal.any([signal, wake.signal]))
      } catch {
        // woken early or stopping
      }
      if (signal.aborted) return
      try {
        await step()
      } catch (e) {
        this.onError(name, e)
      }
    }
  }
}

/**
 * Shutdown step: delivers what the outbox holds for our sinks until it is empty, a sink fails
 * (it will not recover within a shutdown: its rows wait in the outbox for the next start), or the
 * deadline passes.
 */
export async function flushOutbox(o: { db: Database; delivery: OutboxDelivery; sinks: Sink[]; deadline: number; onError: (e: unknown) => void }): Promise<void> {
  const signal = AbortSignal.timeout(Math.max(1, o.deadline - Date.now()))
  try {
    const failures = () => [...o.delivery.counters.values()].reduce((n, c) => n + c.failures, 0)
    while (!signal.aborted) {
      const before = failures()
      await o.delivery.drain(signal)
      if (failures() > before) return
      const pending = await pendingOutbox(o.db)
      if (!o.sinks.some((s) => (pending.get(s.name) ?? 0) > 0)) return
      await new Promise((r) => setTimeout(r, 50))
    }
  } catch (e) {
    if (!signal.aborted) o.onError(e)
  }
}
