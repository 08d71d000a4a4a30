import type { EmulatorContext } from '../context.js'
import { HttpError, json } from '../http_error.js'
import type { ErrorMapper, Handler, Router } from '../router.js'
import { DirectoryError } from '../state/directory.js'
import { ConfigError } from '../config.js'

/**
 * Shared plumbing for the control API under `/_emulator/…`: JSON in and out, errors as
 * `{ error: { code, message } }` with the status the directory chose (400/404/409).
 */
export type ControlStatus = 400 | 403 | 404 | 409 | 415

const CODES: Record<ControlStatus, string> = { 400: 'BadRequest', 403: 'Forbidden', 404: 'NotFound', 409: 'Conflict', 415: 'UnsupportedMediaType' }

export function controlError(status: ControlStatus, message: string): HttpError {
  return new HttpError(json({ error: { code: CODES[status], message } }, status))
}

/** The control group's `onError`: directory and validation errors become JSON errors. */
export const controlErrors: ErrorMapper<EmulatorContext> = (e) => {
  if (e instanceof DirectoryError) return controlError(e.status, e.message).response
  if (e instanceof ConfigError || e instanceof RangeError || e instanceof TypeError) return controlError(400, e.message).response
  return undefined
}

/** Registers a control route under `/_emulator` (group `control`, errors mapped by {@link controlErrors}). */
export function addControlRoute(router: Router<EmulatorContext>, method: string, path: string, handler: Handler<EmulatorContext>): void {
  router.add(method, `/_emulator${path}`, handler, { group: 'control' }).onError('control', controlErrors)
}

/** Reads a JSON object body; an empty body is `{}`. */
export async function readJson(req: Request): Promise<Record<string, unknown>> {
  const text = await req.text()
  if (text.trim() === '') return {}
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    throw controlError(400, 'request body is not valid JSON')
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw controlError(400, 'request body must be a JSON object')
  return value as Record<string, unknown>
}

/** Accepts an ISO-8601 string or epoch milliseconds. */
export function parseTime(value: unknown, field: string): number | undefined {
  if (value === undefined || value === null) return undefined
  const ms = typeof value === 'number' ? value : typeof value === 'string' ? Date.parse(value) : NaN
  if (!Number.isFinite(ms)) throw controlError(400, `${field} must be an ISO-8601 date or epoch milliseconds`)
  return ms
}

export function optionalString(body: Record<string, unknown>, field: string): string | undefined {
  const v = body[field]
  if (v === undefined || v === null) return undefined
  if (typeof v !== 'string') throw controlError(400, `${field} must be a string`)
  return v
}

export function optionalStringArray(body: Record<string, unknown>, field: string): string[] | undefined {
  const v = body[field]
  if (v === undefined || v === null) return undefined
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw controlError(400, `${field} must be an array of strings`)
  return v as string[]
}

/** `[{ resource, roles }]`, the shape of requiredResourceAccess and consent grants in the seed config. */
export function optionalResourceRoles(body: Record<string, unknown>, field: string): { resource: string; roles: string[] }[] | undefined {
  const v = body[field]
  if (v === undefined || v === null) return undefined
  const ok =
    Array.isArray(v) &&
    v.every((r) => typeof r === 'object' && r !== null && typeof r.resource === 'string' && Array.isArray(r.roles) && r.roles.every((x: unknown) => typeof x === 'string'))
  if (!ok) throw controlError(400, `${field} must be an array of { resource: string, roles: string[] }`)
  return (v as { resource: string; roles: string[] }[]).map((r) => ({ resource: r.resource, roles: [...r.roles] }))
}

export const noContent = () => new Response(null, { status: 204 })

export const iso = (ms: number) => new Date(ms).toISOString()
