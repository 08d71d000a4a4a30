import { randomUUID } from 'node:crypto'
import type { Clock } from '../../lib/clock.js'
import { HttpError } from '../http_error.js'

/**
 * Builds an identity-platform error exactly in the documented wire shape
 * (entra-app-only.md §3.1: field order `error, error_description, error_codes, timestamp,
 * trace_id, correlation_id, error_uri`; description suffixed with Trace ID / Correlation ID /
 * Timestamp separated by CRLF; `error_uri` on the host the request came to).
 */
export interface OAuthErrorInput {
  status: number
  /** OAuth `error`, e.g. `invalid_client`. */
  error: string
  /** AADSTS number, e.g. 7000215. */
  code: number
  /** Message after `AADSTS<code>: `. */
  message: string
  /** Origin of the request (`error_uri` follows the host asked). */
  origin: string
  /** Echoed as `correlation_id` when the client sent `client-request-id`, else random. */
  correlationId?: string | null
  clock: Clock
}

export function oauthErrorBody(input: OAuthErrorInput) {
  const traceId = randomUUID()
  const correlationId = input.correlationId && /^[0-9a-f-]{36}$/i.test(input.correlationId) ? input.correlationId : randomUUID()
  const timestamp = new Date(input.clock.now()).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z')
  return {
    error: input.error,
    error_description: `AADSTS${input.code}: ${input.message}\r\nTrace ID: ${traceId}\r\nCorrelation ID: ${correlationId}\r\nTimestamp: ${timestamp}`,
    error_codes: [input.code],
    timestamp,
    trace_id: traceId,
    correlation_id: correlationId,
    error_uri: `${input.origin}/error?code=${input.code}`,
  }
}

export function oauthErrorResponse(input: OAuthErrorInput, headers: Record<string, string> = {}): Response {
  const body = oauthErrorBody(input)
  return new Response(JSON.stringify(body), {
    status: input.status,
    headers: {
      'content-type': 'application/json; charset=utf-8',
      'cache-control': 'no-store, no-cache',
      pragma: 'no-cache',
      'x-ms-request-id': body.trace_id,
      ...headers,
    },
  })
}

/** Throwable form, for handlers that bail out from deep inside validation. */
export function oauthError(input: OAuthErrorInput): HttpError {
  return new HttpError(oauthErrorResponse(input))
}
