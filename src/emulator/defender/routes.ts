import type { EmulatorContext } from '../app.js'
import type { Router } from '../router.js'
import { registerLegacyRoutes } from './legacy_routes.js'

/** Defender API routes: legacy `/api/…` and Graph `/v1.0/security/…`, plus their control routes. */
export function registerDefenderRoutes(router: Router<EmulatorContext>): void {
  registerLegacyRoutes(router)
}
