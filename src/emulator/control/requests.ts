import type { EmulatorContext } from '../context.js'
import { json } from '../http_error.js'
import type { Router } from '../router.js'
import { addControlRoute, controlError, noContent } from './http.js'

/**
 * The request log: `GET /_emulator/requests?group=token&since=<seq>` lists what clients sent
 * (secrets, assertions and tokens redacted; control requests are not logged); `DELETE` clears it.
 */
export function registerRequestRoutes(router: Router<EmulatorContext>): void {
  addControlRoute(router, 'GET', '/requests', (_req, url, _p, ctx) => {
    const group = url.searchParams.get('group') ?? undefined
    const sinceRaw = url.searchParams.get('since')
    const since = sinceRaw === null ? undefined : Number(sinceRaw)
    if (since !== undefined && (!Number.isInteger(since) || since < 0)) throw controlError(400, 'since must be a request sequence number (non-negative integer)')
    return json({ value: ctx.requests.list({ ...(group !== undefined && { group }), ...(since !== undefined && { since }) }) })
  })
  addControlRoute(router, 'DELETE', '/requests', (_req, _url, _p, ctx) => {
    ctx.requests.clear()
    return noContent()
  })
}
