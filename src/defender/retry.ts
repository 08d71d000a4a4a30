import { publish } from '../lib/diagnostics.js'
import { systemClock, type Clock } from '../lib/clock.js'
import type { DefenderRequest, Send } from './call.js'
import { RetriesExhaustedError } from './errors.js'
import { backoffMs, retryAfterMs } from './retry_after.js'
import { attemptSignal, classifyFailure } from './timeout.js'

export interface RetryOptions {
  /** Retries after the first attempt (default 4; 0 disables retrying). */
  maxRetries?: number
  /** Backoff base (default 500 ms) and cap (default 30 s) when the server gives no wait time. */
  baseDelayMs?: number
  maxDelayMs?: number
  /** A server-requested wait longer than this ends the call at once with RetriesExhaustedError (default 5 min). */
  maxRetryAfterMs?: number
  /** Source of jitter (tests pass a fixed one). */
  random?: () => number
}

export interface ExecutorOptions {
  send: Send
  clock?: Clock
  retry?: RetryOptions
  /** Per-attempt timeout (default 30 s; 0 = none). */
  timeoutMs?: number
}

/** Turns a processed Response into a result; throws DefenderApiError / InvalidBodyError. */
export type Process<T> = (response: Response) => Promise<T>

/** Executes one operation through the pipeline: `execute(request, process, { signal })`. */
export type Execute = <T>(request: DefenderRequest, process: Process<T>, options?: { signal?: AbortSignal }) => Promise<T>

const RETRYABLE_STATUS = new Set([429, 500, 502, 503, 504])
const RETRYABLE_CODES = new Set(['ERR_HTTP_NETWORK', 'ERR_HTTP_TIMEOUT', 'ERR_HTTP_INVALID_BODY'])

/**
 * The retry layer, outermost in the pipeline because a retry must re-run processing too: a 2xx
 * whose body is cut off is only detected while reading it. Retries 429 always (it means "not
 * executed") and 5xx / network / timeout / invalid body only for idempotent calls (GET, never
 * PATCH). Waits honour Retry-After (seconds or HTTP date) or the body's "again in N seconds",
 * else capped exponential backoff with full jitter; every wait uses the injected clock and the
 * caller's signal.
 */
export function createExecutor(options: ExecutorOptions): Execute {
  const clock = options.clock ?? systemClock
  const maxRetries = options.retry?.maxRetries ?? 4
  const baseDelayMs = options.retry?.baseDelayMs ?? 500
  const maxDelayMs = options.retry?.maxDelayMs ?? 30_000
  const maxRetryAfterMs = options.retry?.maxRetryAfterMs ?? 300_000
  const random = options.retry?.random ?? Math.random
  const timeoutMs = options.timeoutMs ?? 30_000
  const send = options.send

  return async function execute<T>(request: DefenderRequest, process: Process<T>, opts: { signal?: AbortSignal } = {}): Promise<T> {
    const caller = opts.signal
    const clientRequestId = request.surface === 'graph' ? globalThis.crypto.randomUUID() : undefined
    for (let attempt = 1; ; attempt++) {
      caller?.throwIfAborted()
      const signal = attemptSignal(caller, timeoutMs)
      let failure: unknown
      let status: number | undefined
      let bodyText: string | undefined
      let serverWait: number | undefined
      try {
        const response = await send({ ...request, attempt, ...(clientRequestId && { clientRequestId }), ...(caller && { signal: caller }), ...(signal && { attemptSignal: signal }) })
        const retryable = RETRYABLE_STATUS.has(response.status) && (request.idempotent || response.status === 429)
        if (!retryable) return await process(response)
        status = response.status
        bodyText = await response.text().catch(() => undefined)
        serverWait = retryAfterMs(response.headers, bodyText, clock.now())
      } catch (e) {
        failure = classifyFailure(e, { method: request.method, url: request.url, ...(caller && { caller }), ...(signal && { attempt: signal }), timeoutMs })
        const code = (failure as { code?: unknown }).code
        if (caller?.aborted || !request.idempotent || typeof code !== 'string' || !RETRYABLE_CODES.has(code)) throw failure
      }
      const exhausted = (reason?: string) =>
        new RetriesExhaustedError({
          attempts: attempt,
          method: request.method,
          url: request.url,
          ...(status !== undefined && { lastStatus: status }),
          ...(bodyText !== undefined && { lastBody: bodyText }),
          ...(serverWait !== undefined && { retryAfterMs: serverWait }),
          ...(failure !== undefined && { cause: failure }),
          ...(reason !== undefined && { reason }),
        })
      if (attempt > maxRetries) throw exhausted()
      if (serverWait !== undefined && serverWait > maxRetryAfterMs) throw exhausted(`server asked to wait ${Math.ceil(serverWait / 1000)} s, above maxRetryAfterMs`)
      const delayMs = serverWait ?? backoffMs(attempt, baseDelayMs, maxDelayMs, random)
      publish('httpRetry', {
        method: request.method,
        url: request.url,
        attempt,
        delayMs,
        ...(status !== undefined && { status }),
        ...(failure !== undefined && { error: (failure as { code?: string }).code }),
      })
      await clock.sleep(delayMs, caller)
    }
  }
}
