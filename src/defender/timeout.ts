import { DefenderNetworkError, DefenderTimeoutError } from './errors.js'

/**
 * Per-attempt timeouts: each attempt gets `AbortSignal.any([caller, AbortSignal.timeout(ms)])`,
 * so a hung response (headers or body) fails that attempt only, while the caller's own abort
 * still ends everything.
 */
export function attemptSignal(caller: AbortSignal | undefined, timeoutMs: number | undefined): AbortSignal | undefined {
  if (!timeoutMs || !Number.isFinite(timeoutMs)) return caller
  const timeout = AbortSignal.timeout(timeoutMs)
  return caller ? AbortSignal.any([caller, timeout]) : timeout
}

/**
 * Maps what a failed attempt threw: the caller's abort reason passes through unchanged; our
 * timeout becomes ERR_HTTP_TIMEOUT; a `fetch` TypeError (refused, reset, DNS) becomes
 * ERR_HTTP_NETWORK; anything else (already an M365dError) is returned as is.
 */
export function classifyFailure(error: unknown, ctx: { method: string; url: string; caller?: AbortSignal; attempt?: AbortSignal; timeoutMs?: number }): unknown {
  if (ctx.caller?.aborted) return ctx.caller.reason
  if (ctx.attempt?.aborted && ctx.timeoutMs) return new DefenderTimeoutError({ method: ctx.method, url: ctx.url, timeoutMs: ctx.timeoutMs, cause: error })
  if (error instanceof TypeError) return new DefenderNetworkError({ method: ctx.method, url: ctx.url, cause: error })
  return error
}
