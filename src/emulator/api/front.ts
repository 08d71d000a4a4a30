/**
 * The shared front of the API surfaces (Defender legacy `/api/…`, Graph `/v1.0|beta/…`, and
 * advanced hunting on both): which surface a path belongs to, JSON bodies, and the one place
 * where a route group's domain errors become the surface's error body (the router's `onError`).
 */
import type { EmulatorContext } from '../context.js'
import type { ErrorMapper } from '../router.js'
import { errorResponse, fail, requestInfo, type RequestInfo, type Surface } from './responses.js'

/** Legacy paths start with `/api/`; everything else served by the API groups is Graph. */
export function surfaceOf(url: URL): Surface {
  return /^\/api\//i.test(url.pathname) ? 'legacy' : 'graph'
}

/** Reads a JSON request body or answers 400 (InvalidRequestBody / BadRequest). */
export async function readJson(req: Request, info: RequestInfo): Promise<unknown> {
  const text = await req.text()
  try {
    return JSON.parse(text)
  } catch {
    fail(info, 400, info.surface === 'legacy' ? 'InvalidRequestBody' : 'BadRequest', info.surface === 'legacy' ? 'Request body is incorrect' : 'Invalid request body: not valid JSON.')
  }
}

/** What a domain error means on the wire: status, the surface's code, the message. */
export interface ApiFault {
  status: number
  code: string
  message: string
  headers?: Record<string, string>
}

/**
 * A route group's `onError`: `map` names the fault for the errors it knows (undefined for the
 * rest, which the app answers as an internal error); the body takes the surface's shape.
 */
export function apiErrors(map: (error: unknown, surface: Surface) => ApiFault | undefined): ErrorMapper<EmulatorContext> {
  return (error, req, url, ctx) => {
    const surface = surfaceOf(url)
    const fault = map(error, surface)
    if (!fault) return undefined
    return errorResponse(requestInfo(surface, req, ctx.clock.now()), fault.status, fault.code, fault.message, fault.headers)
  }
}
