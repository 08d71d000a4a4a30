import { createHash } from 'node:crypto'
import { systemClock, type Clock } from '../../lib/clock.js'
import { retryAfterMs } from '../../defender/index.js'
import { SINK_NAME, SinkError, type Sink, type SinkRecord } from './sink.js'

export interface WebhookRetryOptions {
  /** Retries after the first attempt within one delivery (default 4); the outbox retries later still. */
  maxRetries?: number
  baseDelayMs?: number
  maxDelayMs?: number
}

export interface WebhookSinkOptions {
  url: string
  /** Extra headers, e.g. the receiver's `Authorization` (never logged). */
  headers?: Record<string, string>
  /** Records per POST (default 100); a larger outbox batch is split. */
  batchSize?: number
  retry?: WebhookRetryOptions
  /** Per-request timeout (default 30 s). */
  timeoutMs?: number
  name?: string
  fetch?: typeof fetch
  clock?: Clock
}

const RETRYABLE = new Set([408, 425, 429, 500, 502, 503, 504])

/**
 * POSTs batches as `application/json` `{"records": [SinkRecord, …]}`. Each POST carries an
 * `Idempotency-Key` header derived from the record keys it holds (the same batch re-sent after a
 * failure or a crash has the same key) and every record its own `idempotencyKey`, so the receiver
 * can drop duplicates per batch or per record version. Any 2xx is success; 408/425/429/5xx and
 * network errors are retried with exponential backoff (honouring `Retry-After`); other statuses
 * fail at once. A failed delivery stays in the outbox and is retried later: at least once.
 */
export function webhookSink(o: WebhookSinkOptions): Sink {
  const name = o.name ?? 'webhook'
  if (!SINK_NAME.test(name)) throw new SinkError('ERR_SINK_CONFIG', `invalid sink name '${name}'`, { hint: 'use letters, digits, - _ . (at most 64)' })
  let target: URL
  try {
    target = new URL(o.url)
  } catch (cause) {
    throw new SinkError('ERR_SINK_CONFIG', 'the webhook URL is not a valid URL', { hint: 'pass an absolute http(s) URL', cause })
  }
  if (target.protocol !== 'https:' && target.protocol !== 'http:') throw new SinkError('ERR_SINK_CONFIG', 'the webhook URL must be http or https')
  // The path or query of a webhook URL often is its secret: messages name the origin only.
  const where = target.origin
  const doFetch = o.fetch ?? globalThis.fetch
  const clock = o.clock ?? systemClock
  const batchSize = Math.max(1, o.batchSize ?? 100)
  const maxRetries = o.retry?.maxRetries ?? 4
  const baseDelayMs = o.retry?.baseDelayMs ?? 500
  const maxDelayMs = o.retry?.maxDelayMs ?? 30_000
  const timeoutMs = o.timeoutMs ?? 30_000

  const post = async (records: SinkRecord[], signal?: AbortSignal) => {
    const key = createHash('sha256').update(records.map((r) => r.idempotencyKey).join('\n')).digest('base64url')
    const body = JSON.stringify({ records })
    for (let attempt = 0; ; attempt++) {
      signal?.throwIfAborted()
      let status: number | undefined
      let wait: number | undefined
      let failure: string
      try {
        const timeout = AbortSignal.timeout(timeoutMs)
        const response = await doFetch(target, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...o.headers, 'idempotency-key': key },
          body,
          signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
        })
        await response.body?.cancel().catch(() => undefined)
        if (response.ok) return
        status = response.status
        wait = retryAfterMs(response.headers, undefined, clock.now())
        failure = `HTTP ${status}`
        if (!RETRYABLE.has(status))
          throw new SinkError('ERR_SINK_REJECTED', `webhook ${where} rejected a batch of ${records.length} with HTTP ${status}`, {
            hint: status === 401 || status === 403 ? 'check the webhook credentials (headers)' : 'check the receiver; the batch stays in the outbox and is retried',
          })
      } catch (e) {
        if (e instanceof SinkError) throw e
        if (signal?.aborted) throw signal.reason
        failure = (e as Error)?.name === 'TimeoutError' ? 'timeout' : 'network error'
      }
      if (attempt >= maxRetries)
        throw new SinkError('ERR_SINK_UNAVAILABLE', `webhook ${where} failed ${attempt + 1} times (last: ${failure})`, {
          hint: 'the batch stays in the outbox and is retried later',
        })
      const backoff = Math.min(maxDelayMs, baseDelayMs * 2 ** attempt)
      await clock.sleep(wait ?? Math.round(backoff / 2 + Math.random() * (backoff / 2)), signal)
    }
  }

  return {
    name,
    async deliver(batch, signal) {
      for (let i = 0; i < batch.length; i += batchSize) await post(batch.slice(i, i + batchSize), signal)
    },
    async close() {},
  }
}
