/**
 * Response bodies and headers of the two surfaces. Legacy: OData JSON with
 * `{"error":{"code","message","target"}}` errors (defender-api.md §4.1, `target` = tracking GUID).
 * Graph: `{"error":{"code","message","innerError":{"date","request-id","client-request-id"}}}`.
 */
import { randomUUID } from 'node:crypto'
import { HttpError } from '../http_error.js'

export type Surface = 'legacy' | 'graph'

/** Real legacy responses carry these (defender-api.md §2.7, 2024 capture). */
const ODATA_HEADERS = {
  'content-type': 'application/json; odata.metadata=minimal; odata.streaming=true; charset=utf-8',
  'odata-version': '4.0',
}

export interface RequestInfo {
  surface: Surface
  requestId: string
  clientRequestId: string
  now: number
}

export function requestInfo(surface: Surface, req: Request, now: number): RequestInfo {
  const requestId = randomUUID()
  return { surface, requestId, clientRequestId: req.headers.get('client-request-id') ?? requestId, now }
}

function surfaceHeaders(info: RequestInfo): Record<string, string> {
  return info.surface === 'graph' ? { ...ODATA_HEADERS, 'request-id': info.requestId, 'client-request-id': info.clientRequestId } : { ...ODATA_HEADERS }
}

export function ok(info: RequestInfo, body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: surfaceHeaders(info) })
}

export function errorResponse(info: RequestInfo, status: number, code: string, message: string, headers: Record<string, string> = {}): Response {
  const error =
    info.surface === 'legacy'
      ? { code, message, target: info.requestId }
      : { code, message, innerError: { date: new Date(info.now).toISOString().replace(/\.\d{3}Z$/, ''), 'request-id': info.requestId, 'client-request-id': info.clientRequestId } }
  return new Response(JSON.stringify({ error }), { status, headers: { ...surfaceHeaders(info), 'content-type': 'application/json; charset=utf-8', ...headers } })
}

/** Throws an error response (caught by app.ts and sent as is). */
export function fail(info: RequestInfo, status: number, code: string, message: string, headers: Record<string, string> = {}): never {
  throw new HttpError(errorResponse(info, status, code, message, headers))
}

/** `@odata.context` base for the request's origin (the context URL reflects the host called, §2.7). */
export function contextUrl(url: URL, info: RequestInfo, fragment: string): string {
  return info.surface === 'legacy' ? `${url.origin}/api/$metadata#${fragment}` : `${url.origin}/v1.0/$metadata#${fragment}`
}
