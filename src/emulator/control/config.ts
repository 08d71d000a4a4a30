import type { EmulatorContext } from '../context.js'
import { json } from '../http_error.js'
import type { Router } from '../router.js'
import { addControlRoute } from './http.js'
import { configView } from './views.js'

/** `GET /_emulator/config`: the current directory as a seed config (secret values shown as hints only). */
export function registerConfigRoutes(router: Router<EmulatorContext>): void {
  addControlRoute(router, 'GET', '/config', (_req, _url, _p, ctx) => json(configView(ctx.directory, ctx.config)))
}
