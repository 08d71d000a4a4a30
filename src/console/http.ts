import { M365dError } from '../lib/errors.js'
import { securityHeaders } from './security.js'

/** JSON and error responses of the console API, always with the security headers. */
export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { ...securityHeaders(), 'content-type': 'application/json; charset=utf-8', ...headers } })
}

export function apiError(status: number, code: string, message: string, hint?: string): Response {
  return json({ error: { code, message, ...(hint && { hint }) } }, status)
}

export class ConsoleRequestError extends M365dError {
  constructor(readonly status: number, code: string, message: string, hint?: string) {
    super(code, message, hint ? { hint } : {})
  }
}

/** A request body as JSON, at most 256 KiB; a clear 400 otherwise. */
export async function readBody<T>(request: Request): Promise<T> {
  const text = await request.text()
  if (text.length > 256 * 1024) throw new ConsoleRequestError(413, 'ERR_CONSOLE_BODY_TOO_LARGE', 'request body over 256 KiB')
  try {
    return JSON.parse(text) as T
  } catch {
    throw new ConsoleRequestError(400, 'ERR_CONSOLE_BAD_JSON', 'request body is not JSON', 'send Content-Type: application/json with a JSON object')
  }
}

export function html(body: string, status = 200): Response {
  return new Response(body, { status, headers: { ...securityHeaders(), 'content-type': 'text/html; charset=utf-8' } })
}

/** Repeated (`?severity=high&severity=low`) or comma-separated values, trimmed, empties dropped. */
export function listParam(url: URL, name: string): string[] | undefined {
  const values = url.searchParams.getAll(name).flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean)
  return values.length ? values : undefined
}

export function numberParam(url: URL, name: string): number | undefined {
  const v = url.searchParams.get(name)
  if (v === null || v === '') return undefined
  const n = Number(v)
  if (!Number.isFinite(n) || n < 0) throw new ConsoleRequestError(400, 'ERR_CONSOLE_BAD_PARAM', `${name} must be a non-negative number`)
  return n
}
