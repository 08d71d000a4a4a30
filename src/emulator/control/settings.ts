import type { EmulatorContext } from '../context.js'
import { isTokenLifetime, isTokenRateLimit, type EmulatorConfig } from '../config.js'
import { json } from '../http_error.js'
import type { Router } from '../router.js'
import { addControlRoute, controlError, readJson } from './http.js'

/**
 * Runtime settings: `GET|PATCH /_emulator/settings` `{tokenLifetimeSeconds, tokenRateLimit}`.
 * `tokenLifetimeSeconds` is a number or `{min, max}`; `tokenRateLimit` is `{requests, perSeconds}`;
 * `null` restores the default (random 3600–5400 s lifetime, no rate limit).
 */
export function registerSettingsRoutes(router: Router<EmulatorContext>): void {
  addControlRoute(router, 'GET', '/settings', (_req, _url, _p, ctx) => json(settingsView(ctx.config)))
  addControlRoute(router, 'PATCH', '/settings', async (req, _url, _p, ctx) => {
    const body = await readJson(req)
    const unknown = Object.keys(body).filter((k) => k !== 'tokenLifetimeSeconds' && k !== 'tokenRateLimit')
    if (unknown.length) throw controlError(400, `unknown setting(s): ${unknown.join(', ')}`)
    const lifetime = body.tokenLifetimeSeconds
    const rate = body.tokenRateLimit
    if (lifetime !== undefined && lifetime !== null && !isTokenLifetime(lifetime))
      throw controlError(400, 'tokenLifetimeSeconds must be a positive number or {min, max} with 0 < min <= max')
    if (rate !== undefined && rate !== null && !isTokenRateLimit(rate)) throw controlError(400, 'tokenRateLimit must be {requests, perSeconds} with positive numbers')
    if (lifetime === null) delete ctx.config.tokenLifetimeSeconds
    else if (lifetime !== undefined) ctx.config.tokenLifetimeSeconds = lifetime as EmulatorConfig['tokenLifetimeSeconds']
    if (rate === null) delete ctx.config.tokenRateLimit
    else if (rate !== undefined) ctx.config.tokenRateLimit = rate as EmulatorConfig['tokenRateLimit']
    return json(settingsView(ctx.config))
  })
}

function settingsView(config: EmulatorConfig) {
  return { tokenLifetimeSeconds: config.tokenLifetimeSeconds ?? null, tokenRateLimit: config.tokenRateLimit ?? null }
}
