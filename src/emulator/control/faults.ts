import type { EmulatorContext } from '../context.js'
import { json } from '../http_error.js'
import type { Fault } from '../faults.js'
import type { Router } from '../router.js'
import { addControlRoute, controlError, noContent, readJson } from './http.js'

/**
 * Scripted faults: `POST /_emulator/faults` queues "the next `count` requests to route group
 * `target` fail like this"; `GET` lists the pending ones; `DELETE` clears them (faults.ts).
 */
export function registerFaultRoutes(router: Router<EmulatorContext>): void {
  addControlRoute(router, 'POST', '/faults', async (req, _url, _p, ctx) => json(ctx.faults.add(parseFault(await readJson(req))), 201))
  addControlRoute(router, 'GET', '/faults', (_req, _url, _p, ctx) => json({ value: ctx.faults.list() }))
  addControlRoute(router, 'DELETE', '/faults', (_req, _url, _p, ctx) => {
    ctx.faults.clear()
    return noContent()
  })
}

const NUMBERS = ['count', 'status', 'retryAfter', 'latencyMs'] as const
const FLAGS = ['reset', 'truncate', 'invalidJson'] as const
const KNOWN = new Set<string>(['target', 'body', 'headers', 'pathPattern', ...NUMBERS, ...FLAGS])

function parseFault(body: Record<string, unknown>): Partial<Fault> & { target: string } {
  const unknown = Object.keys(body).filter((k) => !KNOWN.has(k))
  if (unknown.length) throw controlError(400, `unknown fault field(s): ${unknown.join(', ')}`)
  if (typeof body.target !== 'string' || body.target === '') throw controlError(400, 'target (a route group: token, discovery, consent, defender, …) is required')
  const fault: Partial<Fault> & { target: string } = { target: body.target }
  for (const k of NUMBERS) {
    const v = body[k]
    if (v === undefined) continue
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw controlError(400, `${k} must be a non-negative number`)
    fault[k] = v
  }
  if (fault.status !== undefined && (!Number.isInteger(fault.status) || fault.status < 200 || fault.status > 599)) throw controlError(400, 'status must be an HTTP status code (200-599)')
  for (const k of FLAGS) {
    const v = body[k]
    if (v === undefined) continue
    if (typeof v !== 'boolean') throw controlError(400, `${k} must be a boolean`)
    fault[k] = v
  }
  if (body.body !== undefined) {
    if (typeof body.body !== 'string' && (typeof body.body !== 'object' || body.body === null || Array.isArray(body.body)))
      throw controlError(400, 'body must be a string or a JSON object')
    fault.body = body.body as string | Record<string, unknown>
  }
  if (body.headers !== undefined) {
    const h = body.headers
    if (typeof h !== 'object' || h === null || Array.isArray(h) || Object.values(h).some((v) => typeof v !== 'string'))
      throw controlError(400, 'headers must be an object of strings')
    fault.headers = h as Record<string, string>
  }
  if (body.pathPattern !== undefined) {
    if (typeof body.pathPattern !== 'string') throw controlError(400, 'pathPattern must be a string')
    try {
      new RegExp(body.pathPattern)
    } catch {
      throw controlError(400, 'pathPattern is not a valid regular expression')
    }
    fault.pathPattern = body.pathPattern
  }
  if (fault.status === undefined && !fault.reset && !fault.truncate && !fault.invalidJson && fault.latencyMs === undefined)
    throw controlError(400, 'a fault needs at least one of status, reset, truncate, invalidJson, latencyMs')
  return fault
}
