import { DefenderApiError, InvalidBodyError, type ServerErrorFields } from './errors.js'

/**
 * The whole body as text. A body cut off mid-way is the retryable {@link InvalidBodyError}; an
 * aborted attempt surfaces as the abort reason, which the retry layer classifies.
 */
export async function readText(response: Response, url: string = response.url): Promise<string> {
  try {
    return await response.text()
  } catch (e) {
    if (e instanceof Error && (e.name === 'AbortError' || e.name === 'TimeoutError')) throw e
    throw new InvalidBodyError({ status: response.status, url, reason: 'response body was cut off', cause: e })
  }
}

/**
 * Shared response processing for every operation: read the whole body, map a non-2xx answer to
 * {@link DefenderApiError} with the server's own fields, and parse JSON — a body cut off mid-way
 * or not JSON becomes the retryable {@link InvalidBodyError} (issue 3 §1 faults: truncate,
 * invalidJson).
 */
export async function readJson(response: Response, method: string, url: string = response.url): Promise<unknown> {
  const text = await readText(response, url)
  if (!response.ok) throw apiError(response, method, url, text)
  try {
    return JSON.parse(text)
  } catch (e) {
    throw new InvalidBodyError({ status: response.status, url, reason: 'response body is not valid JSON', cause: e })
  }
}

/** Builds the error for a non-2xx response from its (already read) body text. */
export function apiError(response: Response, method: string, url: string, text: string): DefenderApiError {
  const fields = parseErrorBody(text)
  // Graph also sends the ids as response headers (bodies from proxies or gateways may lack them).
  const requestId = fields.requestId ?? response.headers.get('request-id') ?? undefined
  const clientRequestId = fields.clientRequestId ?? response.headers.get('client-request-id') ?? undefined
  return new DefenderApiError({ status: response.status, method, url, ...fields, ...(requestId && { requestId }), ...(clientRequestId && { clientRequestId }) }, hintFor(response.status))
}

/**
 * Both error shapes: legacy `{"error":{"code","message","target"}}` (defender-api.md §4.1) and
 * Graph `{"error":{"code","message","innerError":{"request-id","client-request-id"}}}`.
 */
export function parseErrorBody(text: string): ServerErrorFields {
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    return text ? { serverMessage: text.slice(0, 300) } : {}
  }
  const error = (body as { error?: unknown } | null)?.error
  if (!error || typeof error !== 'object') return {}
  const e = error as Record<string, unknown>
  const inner = (e.innerError ?? e.innererror) as Record<string, unknown> | undefined
  const out: ServerErrorFields = {}
  if (e.code !== undefined) out.serverCode = String(e.code)
  if (typeof e.message === 'string') out.serverMessage = e.message
  if (typeof e.target === 'string') out.target = e.target
  if (typeof inner?.['request-id'] === 'string') out.requestId = inner['request-id']
  if (typeof inner?.['client-request-id'] === 'string') out.clientRequestId = inner['client-request-id']
  return out
}

function hintFor(status: number): { hint?: string } {
  if (status === 401) return { hint: 'the API rejected the token: check that it was requested for this API (resource/audience) and this tenant' }
  if (status === 404) return { hint: 'no such incident/alert in this tenant (merged incidents redirect to redirectIncidentId)' }
  if (status === 400) return { hint: 'the API rejected the request: check the filter and the values sent' }
  return {}
}

/** An object, or an InvalidBodyError naming what was expected. */
export function expectObject(value: unknown, status: number, url: string, what: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new InvalidBodyError({ status, url, reason: `expected ${what}` })
  return value as Record<string, unknown>
}
