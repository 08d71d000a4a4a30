/**
 * The fuzz harness (issue 10 §8): property-based with fast-check. A target names an input
 * generator and a `run` that feeds one input to the code under test. The contract for every
 * input, however malformed:
 * - `run` returns (the input was handled), or throws an error with a string `code` (a coded
 *   error: `FilterError`, `KqlError`, `M365dError`, …) — anything else is a crash;
 * - an HTTP answer is never 5xx, and a 4xx carries a coded JSON body ({@link checkResponse});
 * - one input takes at most `deadlineMs` — more is a hang.
 * Bounded runs are tests (test/fuzz/*.test.ts); long runs are `scripts/fuzz.ts`.
 */
import fc from 'fast-check'

export interface FuzzTarget<T = unknown> {
  name: string
  /** One line: what is fuzzed and through which entry point. */
  description: string
  arbitrary: fc.Arbitrary<T>
  /** Handles one input; throws {@link FuzzFailure} (or any uncoded error) when the outcome is wrong. */
  run(input: T): unknown
  /** Per-input deadline in ms: a slower input is a hang. */
  deadlineMs: number
  /** Called once before the first input (e.g. to create an emulator). */
  setup?(): Promise<void>
  teardown?(): Promise<void>
}

/** A wrong outcome: a crash, a 5xx, an uncoded 4xx, or a hang. */
export class FuzzFailure extends Error {
  readonly code = 'ERR_FUZZ_FAILURE'
}

/** Errors the code under test may throw for bad input: anything with a string `code`. */
export function isCoded(e: unknown): boolean {
  return e instanceof Error && typeof (e as { code?: unknown }).code === 'string' && !(e instanceof FuzzFailure)
}

/**
 * The HTTP contract: not 5xx; a 4xx has a JSON body with an error code — `{"error": {"code"}}`
 * (Defender/Graph/control) or `{"error": "<oauth code>"}` (identity) — or is one of the plain-text
 * answers the real services send (405 with `Allow`, the token endpoint's 429, a plain-text 404 for a
 * path outside every route, naming the index at GET /).
 */
export async function checkResponse(res: Response, what: string): Promise<void> {
  const text = await res.text()
  if (res.status >= 500) throw new FuzzFailure(`${what} → ${res.status}: ${text.slice(0, 300)}`)
  if (res.status < 400) return
  if (res.status === 405 && res.headers.get('allow')) return
  if (res.status === 429 && text === 'Too Many Requests') return
  // A path no route serves (outside the API prefixes, which answer in their JSON shape).
  if (res.status === 404 && text.startsWith('Not Found')) return
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    throw new FuzzFailure(`${what} → ${res.status} without a JSON body: ${text.slice(0, 300)}`)
  }
  const error = (body as { error?: unknown } | null)?.error
  const coded = typeof error === 'string' || (typeof error === 'object' && error !== null && typeof (error as { code?: unknown }).code === 'string')
  if (!coded) throw new FuzzFailure(`${what} → ${res.status} without an error code: ${text.slice(0, 300)}`)
}

export interface FuzzOptions {
  /** Stop after this many inputs… */
  numRuns?: number
  /** …or after this many seconds (whichever comes first). */
  seconds?: number
  seed?: number
  /** Called after every input (the long-run watchdog counts them). */
  onInput?: () => void
}

export interface FuzzReport {
  target: string
  seed: number
  runs: number
  seconds: number
  inputsPerSecond: number
  /** The slowest input's time in ms. */
  slowestMs: number
  failure?: { message: string; counterexample: string; path: string | undefined }
}

/** Runs a target: inputs until `numRuns` or `seconds`, the first failure shrunk to a small input. */
export async function fuzz<T>(target: FuzzTarget<T>, options: FuzzOptions = {}): Promise<FuzzReport> {
  const seed = options.seed ?? Date.now() % 2 ** 31
  let slowestMs = 0
  const property = fc.asyncProperty(target.arbitrary, async (input) => {
    const started = performance.now()
    try {
      await target.run(input)
    } catch (e) {
      if (!isCoded(e)) throw e
    } finally {
      options.onInput?.()
    }
    const ms = performance.now() - started
    if (ms > slowestMs) slowestMs = ms
    if (ms > target.deadlineMs) throw new FuzzFailure(`hang: one input took ${Math.round(ms)} ms (deadline ${target.deadlineMs} ms)`)
  })
  await target.setup?.()
  const started = performance.now()
  try {
    const details = await fc.check(property, {
      seed,
      numRuns: options.numRuns ?? Number.MAX_SAFE_INTEGER,
      ...(options.seconds !== undefined && { interruptAfterTimeLimit: options.seconds * 1000, markInterruptAsFailure: false }),
    })
    const seconds = (performance.now() - started) / 1000
    const report: FuzzReport = { target: target.name, seed, runs: details.numRuns, seconds, inputsPerSecond: details.numRuns / seconds, slowestMs }
    if (details.failed) {
      const error = details.errorInstance
      report.failure = {
        message: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
        counterexample: fc.stringify(details.counterexample?.[0]).slice(0, 2000),
        path: details.counterexamplePath ?? undefined,
      }
    }
    return report
  } finally {
    await target.teardown?.()
  }
}

/** The seed of bounded runs: fixed (reproducible `npm test`) unless M365D_FUZZ_SEED is set. */
export function testSeed(): number {
  const env = Number(process.env.M365D_FUZZ_SEED)
  return Number.isInteger(env) ? env : 20261203
}
