import { publish } from '../lib/diagnostics.js'
import { toFetchInit, type Send } from './call.js'

/**
 * The innermost layer: one `fetch` per call, with the attempt's signal (caller abort + timeout).
 * Errors are passed through untouched; the retry layer classifies them (timeout vs network vs
 * caller abort) because only it knows which signal fired.
 */
export function transport(fetchImpl: typeof fetch = globalThis.fetch): Send {
  return async (call) => {
    publish('httpRequest', { method: call.method, url: call.url, attempt: call.attempt })
    const started = performance.now()
    const response = await fetchImpl(call.url, toFetchInit(call, call.attemptSignal ?? call.signal))
    publish('httpResponse', { method: call.method, url: call.url, status: response.status, durationMs: performance.now() - started })
    return response
  }
}
