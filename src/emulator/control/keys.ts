import type { EmulatorContext } from '../context.js'
import { json } from '../http_error.js'
import type { Router } from '../router.js'
import type { SigningKey } from '../state/keys.js'
import { addControlRoute, controlError, iso, readJson } from './http.js'

/**
 * Token-signing keys: `GET /_emulator/keys` lists the published keys; `POST /_emulator/keys/rotate`
 * starts signing with a new key. A normal rotation keeps the previous key in the JWKS for the grace
 * period; `{"emergency": true}` drops it at once, like an emergency roll (entra-app-only.md §5.5).
 */
export function registerKeyRoutes(router: Router<EmulatorContext>): void {
  addControlRoute(router, 'GET', '/keys', (_req, _url, _p, ctx) => json(keysView(ctx)))
  addControlRoute(router, 'POST', '/keys/rotate', async (req, _url, _p, ctx) => {
    const body = await readJson(req)
    if (body.emergency !== undefined && typeof body.emergency !== 'boolean') throw controlError(400, 'emergency must be a boolean')
    await ctx.keys.rotate({ dropPrevious: body.emergency === true })
    return json(keysView(ctx))
  })
}

function keysView(ctx: EmulatorContext) {
  const active = ctx.keys.active.kid
  const view = (k: SigningKey) => ({
    kid: k.kid,
    active: k.kid === active,
    createdAt: iso(k.createdAt),
    ...(k.retiredAt !== undefined && { retiredAt: iso(k.retiredAt), publishedUntil: iso(k.retiredAt + ctx.keys.graceMs) }),
  })
  return { activeKid: active, graceSeconds: ctx.keys.graceMs / 1000, value: ctx.keys.published().map(view) }
}
