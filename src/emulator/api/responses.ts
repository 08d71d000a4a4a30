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
  /** The request's origin (challenges and links point back at the host called). */
  origin: string
  /** Graph: the request said `Prefer: include-unknown-enum-members`. */
  unknownEnums: boolean
}

const PREFER_UNKNOWN_ENUMS = 'include-unknown-enum-members'

export function requestInfo(surface: Surface, req: Request, now: number): RequestInfo {
  const requestId = randomUUID()
  // Prefer may list several preferences, in one header or several (RFC 7240 §2).
  const prefer = (req.headers.get('prefer') ?? '').split(',').map((p) => p.trim().toLowerCase())
  return { surface, requestId, clientRequestId: req.headers.get('client-request-id') ?? requestId, now, origin: new URL(req.url).origin, unknownEnums: surface === 'graph' && prefer.includes(PREFER_UNKNOWN_ENUMS) }
}

/**
 * Graph answers carry `request-id`, the caller's `client-request-id` echoed (a fresh one when it
 * sent none), and `x-ms-ags-diagnostic`, a JSON object naming the serving data center (Graph
 * "Microsoft Graph error responses and resource types"; every Graph response). A preference that
 * was honoured is named in `Preference-Applied` (RFC 7240 §3).
 */
function surfaceHeaders(info: RequestInfo): Record<string, string> {
  if (info.surface !== 'graph') return { ...ODATA_HEADERS }
  return {
    ...ODATA_HEADERS,
    'request-id': info.requestId,
    'client-request-id': info.clientRequestId,
    'x-ms-ags-diagnostic': AGS_DIAGNOSTIC,
    ...(info.unknownEnums && { 'preference-applied': PREFER_UNKNOWN_ENUMS }),
  }
}

const AGS_DIAGNOSTIC = JSON.stringify({ ServerInfo: { DataCenter: 'Local Emulator', Slice: 'E', Ring: '0', ScaleUnit: '000', RoleInstance: 'M365D-EMULATOR' } })

export function ok(info: RequestInfo, body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: surfaceHeaders(info) })
}

export function errorResponse(info: RequestInfo, status: number, code: string, message: string, headers: Record<string, string> = {}, inner: Record<string, string> = {}): Response {
  const error =
    info.surface === 'legacy'
      ? { code, message, target: info.requestId }
      : { code, message, innerError: { ...inner, date: new Date(info.now).toISOString().replace(/\.\d{3}Z$/, ''), 'request-id': info.requestId, 'client-request-id': info.clientRequestId } }
  return new Response(JSON.stringify({ error }), { status, headers: { ...surfaceHeaders(info), 'content-type': 'application/json; charset=utf-8', ...headers } })
}

/** Throws an error response (caught by app.ts and sent as is). */
export function fail(info: RequestInfo, status: number, code: string, message: string, headers: Record<string, string> = {}, inner: Record<string, string> = {}): never {
  throw new HttpError(errorResponse(info, status, code, message, headers, inner))
}

/**
 * Graph's throttling answer (https://learn.microsoft.com/graph/throttling, "Sample response"):
 * 429, `Retry-After: <seconds>`, `{"error":{"code":"TooManyRequests","message":…,"innerError":{"code":"429",
 * "message":"Please retry after","status":"429","date","request-id","client-request-id"}}}`.
 */
export function graphThrottled(info: RequestInfo, seconds: number, message: string): never {
  fail(info, 429, 'TooManyRequests', message, { 'retry-after': String(seconds) }, { code: '429', message: 'Please retry after', status: '429' })
}

/** `@odata.context` base for the request's origin (the context URL reflects the host called, §2.7). */
export function contextUrl(url: URL, info: RequestInfo, fragment: string): string {
  return info.surface === 'legacy' ? `${url.origin}/api/$metadata#${fragment}` : `${url.origin}/v1.0/$metadata#${fragment}`
}
