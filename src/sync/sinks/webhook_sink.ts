import { createHash } from 'node:crypto'
import { systemClock, type Clock } from '../../lib/clock.js'
import { retryAfterMs } from '../../defender/index.js'
import { SINK_NAME, SinkError, type Sink, type SinkRecord } from './sink.js'
import { parseWebhookSecrets, SECRET_HINT, webhookSignature } from './webhook_signature.js'
import { checkWebhookHeaders } from './webhook_headers.js'

export interface WebhookRetryOptions {
  /** Retries after the first attempt within one delivery (default 4); the outbox retries later still. */
  maxRetries?: number
  baseDelayMs?: number
  /** Longest wait between attempts within one delivery (default 30 s); a longer `Retry-After` hands the batch back to the outbox. */
  maxDelayMs?: number
}

export interface WebhookSinkOptions {
  url: string
  /**
   * Standard Webhooks signing secret(s), `whsec_<base64 of 24–64 random bytes>`: every delivery is
   * signed (`webhook-id`, `webhook-timestamp`, `webhook-signature`). Several (newest first) sign
   * with each during a rotation.
   */
  secret: string | readonly string[]
  /** Extra headers, e.g. the receiver's `Authorization` or `x-api-key` (never logged, never sent elsewhere). */
  headers?: Record<string, string>
  /** Records per POST (default 100); a larger outbox batch is split. */
  batchSize?: number
  retry?: WebhookRetryOptions
  /** Per-request timeout (default 30 s; Standard Webhooks recommends 15–30 s). */
  timeoutMs?: number
  /** A receiver's `Retry-After` is honoured up to this long (default 5 min), so one answer cannot park delivery. */
  maxRetryAfterMs?: number
  name?: string
  fetch?: typeof fetch
  clock?: Clock
}

const RETRYABLE = new Set([408, 425, 429, 500, 502, 503, 504])
export const DEFAULT_MAX_RETRY_AFTER_MS = 5 * 60_000

/**
 * POSTs batches as `application/json` `{"records": [SinkRecord, …]}`, signed per Standard Webhooks.
 *
 * - `webhook-id` (`msg_` + a SHA-256 of the record keys, also sent as `Idempotency-Key`) is the
 *   same for every retry of a batch; every record carries its own `idempotencyKey`.
 * - Any 2xx is success. Redirects are NEVER followed (`redirect: 'manual'`): a 3xx fails the
 *   delivery with `ERR_SINK_REDIRECT` naming only the Location's host, so records and headers are
 *   never re-posted to another host and a 301/302/303 is not turned into an empty GET that counts as
 *   delivered (issue 10 §4; the spec: "3xx: Failure … update the webhook URL instead").
 * - 408/425/429/5xx and network errors are retried with exponential backoff; `Retry-After` (seconds
 *   or an HTTP date) is honoured up to `maxRetryAfterMs`: within the delivery when it is at most
 *   `retry.maxDelayMs`, otherwise the batch goes back to the outbox, which pauses the sink that long.
 * - Other statuses fail at once (`ERR_SINK_REJECTED`; 410 Gone says the receiver wants no more).
 *
 * A failed delivery stays in the outbox and is retried later: at least once. Messages name the
 * URL's origin only (a webhook path or query often is a secret), never headers or the secret.
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
  if (o.secret === undefined) throw new SinkError('ERR_SINK_CONFIG', 'a webhook sink needs a signing secret: every delivery is signed (Standard Webhooks)', { hint: SECRET_HINT })
  const keys = parseWebhookSecrets(o.secret)
  const extraHeaders = checkWebhookHeaders(o.headers ?? {})
  const where = target.origin
  const doFetch = o.fetch ?? globalThis.fetch
  const clock = o.clock ?? systemClock
  const batchSize = Math.max(1, o.batchSize ?? 100)
  const maxRetries = o.retry?.maxRetries ?? 4
  const baseDelayMs = o.retry?.baseDelayMs ?? 500
  const maxDelayMs = o.retry?.maxDelayMs ?? 30_000
  const timeoutMs = o.timeoutMs ?? 30_000
  const maxRetryAfterMs = o.maxRetryAfterMs ?? DEFAULT_MAX_RETRY_AFTER_MS

  const post = async (records: SinkRecord[], signal?: AbortSignal) => {
    const key = createHash('sha256').update(records.map((r) => r.idempotencyKey).join('\n')).digest('base64url')
    const id = `msg_${key}`
    const body = JSON.stringify({ records })
    for (let attempt = 0; ; attempt++) {
      signal?.throwIfAborted()
      let wait: number | undefined
      let failure: string
      try {
        const timeout = AbortSignal.timeout(timeoutMs)
        const timestamp = Math.floor(clock.now() / 1000)
        const response = await doFetch(target, {
          method: 'POST',
          redirect: 'manual',
          headers: {
            ...extraHeaders,
            'content-type': 'application/json',
            'idempotency-key': key,
            'webhook-id': id,
            'webhook-timestamp': String(timestamp),
            'webhook-signature': webhookSignature(keys, id, timestamp, body),
          },
          body,
          signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
        })
        await response.body?.cancel().catch(() => undefined)
        if (response.status >= 200 && response.status < 300) return
        const status = response.status
        if (status >= 300 && status < 400) {
          throw new SinkError('ERR_SINK_REDIRECT', `webhook ${where} answered HTTP ${status} redirecting to ${locationHost(response.headers.get('location'), target)}; redirects are not followed`, {
            hint: 'set the webhook URL to the final address (redirects would re-send the records and headers to another host); the batch stays in the outbox',
          })
        }
        const asked = retryAfterMs(response.headers, undefined, clock.now())
        wait = asked === undefined ? undefined : Math.min(asked, maxRetryAfterMs)
        failure = `HTTP ${status}`
        if (!RETRYABLE.has(status))
          throw new SinkError('ERR_SINK_REJECTED', `webhook ${where} rejected a batch of ${records.length} with HTTP ${status}`, {
            hint:
              status === 401 || status === 403
                ? 'check the webhook credentials (headers) and that the receiver verifies with the same whsec_ secret'
                : status === 410
                  ? 'the receiver answered 410 Gone: it wants no more deliveries; remove the sink or fix its URL'
                  : 'check the receiver; the batch stays in the outbox and is retried',
          })
      } catch (e) {
        if (e instanceof SinkError) throw e
        if (signal?.aborted) throw signal.reason
        failure = (e as Error)?.name === 'TimeoutError' ? 'timeout' : 'network error'
      }
      // A long Retry-After is not slept here (the outbox claim would expire meanwhile): the outbox pauses the sink instead.
      if (attempt >= maxRetries || (wait !== undefined && wait > maxDelayMs))
        throw new SinkError('ERR_SINK_UNAVAILABLE', `webhook ${where} failed ${attempt + 1} time${attempt ? 's' : ''} (last: ${failure}${wait !== undefined ? `, Retry-After ${Math.ceil(wait / 1000)} s` : ''})`, {
          hint: 'the batch stays in the outbox and is retried later',
          ...(wait !== undefined && { retryAfterMs: wait }),
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

/** Only the host of a redirect target goes into messages: its path or query may carry a secret. */
function locationHost(location: string | null, base: URL): string {
  if (!location) return '(no Location header)'
  try {
    return new URL(location, base).host || '(an unusable Location)'
  } catch {
    return '(an unusable Location)'
  }
}
