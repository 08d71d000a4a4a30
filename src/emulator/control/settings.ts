import type { EmulatorContext } from '../app.js'
import type { EmulatorConfig } from '../config.js'
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
    if (lifetime !== undefined && lifetime !== null && !isLifetime(lifetime))
      throw controlError(400, 'tokenLifetimeSeconds must be a positive number or {min, max} with 0 < min <= max')
    if (rate !== undefined && rate !== null && !isRate(rate)) throw controlError(400, 'tokenRateLimit must be {requests, perSeconds} with positive numbers')
    if (lifetime === null) delete ctx.config.tokenLifetimeSeconds
    else if (lifetime !== undefined) ctx.config.tokenLifetimeSeconds = lifetime as EmulatorConfig['tokenLifetimeSeconds']
    if (rate === null) delete ctx.config.tokenRateLimit
    else if (rate !== undefined) ctx.config.tokenRateLimit = rate as EmulatorConfig['tokenRateLimit']
    return json(settingsView(ctx.config))
  })
}

const positive = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v > 0

function isLifetime(v: unknown): boolean {
  if (positive(v)) return true
  if (typeof v !== 'object' || v === null) return false
  const { min, max } = v as { min?: unknown; max?: unknown }
  return positive(min) && positive(max) && min <= max
}

function isRate(v: unknown): boolean {
  if (typeof v !== 'object' || v === null) return false
  const { requests, perSeconds } = v as { requests?: unknown; perSeconds?: unknown }
  return positive(requests) && Number.isInteger(requests) && positive(perSeconds)
}

function settingsView(config: EmulatorConfig) {
  return { tokenLifetimeSeconds: config.tokenLifetimeSeconds ?? null, tokenRateLimit: config.tokenRateLimit ?? null }
}
