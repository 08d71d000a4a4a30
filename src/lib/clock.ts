/**
 * Time source, injectable so expiry, refresh-ahead and backoff logic can be tested under a
 * controlled clock instead of real waits.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number
  /** Resolves after `ms` of this clock's time, or rejects with the signal's reason when aborted. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason)
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort)
        resolve()
      }, Math.max(0, ms))
      const onAbort = () => {
        clearTimeout(timer)
        reject(signal!.reason)
      }
      signal?.addEventListener('abort', onAbort, { once: true })
    }),
}

/**
 * A clock that only moves when told to. `sleep` resolves once `advance` has moved time past the
 * sleeper's deadline, so tests of backoff and refresh-ahead run instantly and deterministically.
 */
export class ManualClock implements Clock {
  #now: number
  #sleepers: { until: number; resolve: () => void; reject: (e: unknown) => void }[] = []

  constructor(start = Date.parse('2026-01-01T00:00:00Z')) {
    this.#now = start
  }

  now(): number {
    return this.#now
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason)
    return new Promise<void>((resolve, reject) => {
      const sleeper = { until: this.#now + Math.max(0, ms), resolve, reject }
      this.#sleepers.push(sleeper)
      signal?.addEventListener(
        'abort',
        () => {
          this.#sleepers = this.#sleepers.filter((s) => s !== sleeper)
          reject(signal.reason)
        },
        { once: true },
      )
    })
  }

  /** Number of pending sleepers, to let a test wait until code under test is actually waiting. */
  get pendingSleepers(): number {
    return this.#sleepers.length
  }

  /** Moves time forward and wakes every sleeper whose deadline has passed, in deadline order. */
  async advance(ms: number): Promise<void> {
    this.#now += ms
    const due = this.#sleepers.filter((s) => s.until <= this.#now).sort((a, b) => a.until - b.until)
    this.#sleepers = this.#sleepers.filter((s) => s.until > this.#now)
    for (const s of due) s.resolve()
    // Let the woken continuations run before the caller inspects state.
    for (let i = 0; i < 10; i++) await Promise.resolve()
  }

  set(ms: number): void {
    this.#now = ms
  }
}
