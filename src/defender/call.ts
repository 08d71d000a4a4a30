/**
 * The unit the HTTP pipeline works on. Operation modules build a {@link DefenderRequest}
 * (stateless, no I/O); the layers (authorization, rate limit, retry, timeout, transport) each
 * wrap a {@link Send} and never know which operation they carry.
 */

/** Endpoint groups the documented quotas apply to (defender-api.md §2.1: list, get, update; §3.2: hunting). */
export type EndpointGroup = 'list' | 'get' | 'update' | 'hunting'

export type Surface = 'legacy' | 'graph'

export interface DefenderRequest {
  method: 'GET' | 'PATCH' | 'POST'
  url: string
  /** JSON text for PATCH/POST. */
  body?: string
  surface: Surface
  group: EndpointGroup
  /** Safe to repeat after a network error or 5xx (GET). PATCH is retried only on 429, which means "not executed". */
  idempotent: boolean
  /** Any one of these application roles allows the call (for the 403 message). */
  permissions: readonly string[]
  /** Resource the quota is counted on when it differs from incidents (Graph alerts_v2: `alerts`). */
  quotaScope?: string
}

/** A request on its way through the pipeline. */
export interface DefenderCall extends DefenderRequest {
  /** 1-based attempt number, set by the retry layer. */
  attempt: number
  /** The caller's signal: aborts waits and the request. */
  signal?: AbortSignal
  /** The caller's signal combined with this attempt's timeout; the transport uses it. */
  attemptSignal?: AbortSignal
  /** Headers added by layers (Authorization). */
  headers?: Record<string, string>
  /** Graph `client-request-id`: one GUID per logical call, the same on every retry (set by the executor). */
  clientRequestId?: string
}

export type Send = (call: DefenderCall) => Promise<Response>

/** A layer wraps the next `send` into a new one. */
export type Layer = (next: Send) => Send

/** `compose(a, b, c)(transport)` = a(b(c(transport))): the first layer sees the call first. */
export function compose(...layers: Layer[]): (send: Send) => Send {
  return (send) => layers.reduceRight((next, layer) => layer(next), send)
}

/** `fetch(url, init)` arguments for a call (used by the transport; no Request object is built twice). */
export function toFetchInit(call: DefenderRequest & { headers?: Record<string, string>; clientRequestId?: string }, signal?: AbortSignal): RequestInit {
  const headers: Record<string, string> = { accept: 'application/json', ...(call.surface === 'graph' && graphHeaders(call.clientRequestId)), ...call.headers }
  if (call.body !== undefined) headers['content-type'] = 'application/json'
  return { method: call.method, headers, ...(call.body !== undefined && { body: call.body }), ...(signal && { signal }) }
}

/**
 * Headers every Graph call carries: `Prefer: include-unknown-enum-members`, so evolvable enum
 * members added after `unknownFutureValue` (incident status `awaitingAction`, many alert
 * `detectionSource`/`serviceSource` values) arrive as themselves instead of `unknownFutureValue`
 * (Graph "Best practices: evolvable enums"; security-incident.md v1.0), and `client-request-id`,
 * which Graph echoes in its response headers and error `innerError` so a failed call can be
 * traced with Microsoft support (Graph "Microsoft Graph REST API v1.0 reference", request headers).
 */
export function graphHeaders(clientRequestId?: string): Record<string, string> {
  return { prefer: 'include-unknown-enum-members', ...(clientRequestId && { 'client-request-id': clientRequestId }) }
}

/** The `fetch` Request for a call, for callers of the stateless request functions. */
export function toFetchRequest(call: DefenderRequest & { headers?: Record<string, string>; clientRequestId?: string }, signal?: AbortSignal): Request {
  return new Request(call.url, toFetchInit(call, signal))
}
