/**
 * Scripted faults: "the next N calls to <target> fail like this". Targets are route groups
 * (`token`, `discovery`, `defender`, `graph`, `hunting`, …); each request of a group takes the first
 * matching fault and decrements its count.
 */
export interface Fault {
  target: string
  /** How many matching requests this fault applies to (default 1). */
  count: number
  /** Answer with this status (and `body`/`headers`) instead of the real response. */
  status?: number
  body?: string | Record<string, unknown>
  headers?: Record<string, string>
  /** Seconds for a `Retry-After` header on the fault response. */
  retryAfter?: number
  /** Delay before answering (the real response, or the fault response). */
  latencyMs?: number
  /** Drop the connection without an answer (real port only; in-process fetch rejects). */
  reset?: boolean
  /** Send the real response's status and headers but cut the body off halfway. */
  truncate?: boolean
  /** Send the real status with a body that is not valid JSON. */
  invalidJson?: boolean
  /** Only requests whose path matches this regular expression. */
  pathPattern?: string
}

export class FaultQueue {
  #faults: Fault[] = []

  add(fault: Partial<Fault> & { target: string }): Fault {
    const f: Fault = { count: 1, ...fault }
    if (!Number.isInteger(f.count) || f.count < 1) throw new RangeError('fault count must be a positive integer')
    this.#faults.push(f)
    return f
  }

  /** Takes (and consumes one use of) the first fault for this target and path, if any. */
  take(target: string, pathname: string): Fault | undefined {
    const i = this.#faults.findIndex((f) => f.target === target && (!f.pathPattern || new RegExp(f.pathPattern).test(pathname)))
    if (i < 0) return undefined
    const f = this.#faults[i]!
    if (--f.count <= 0) this.#faults.splice(i, 1)
    return f
  }

  list(): Fault[] {
    return this.#faults.map((f) => ({ ...f }))
  }

  clear(): void {
    this.#faults = []
  }
}

/** Thrown by a handler to make the server drop the connection (the `reset` fault). */
export class ConnectionReset extends Error {
  constructor() {
    super('emulator fault: connection reset')
  }
}
