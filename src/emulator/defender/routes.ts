import type { EmulatorContext } from '../app.js'
import type { Router } from '../router.js'
import { registerDefenderControlRoutes } from './control_routes.js'
import { registerGraphRoutes } from './graph_routes.js'
import { registerLegacyRoutes } from './legacy_routes.js'
import { registerHuntingRoutes } from '../hunting/routes.js'

/**
 * Defender API routes: legacy `/api/…` (fault/log group `defender`), Graph `/v1.0/security/…`
 * (group `graph`), and their control routes under `/_emulator/defender/…` (group `control`).
 */
export function registerDefenderRoutes(router: Router<EmulatorContext>): void {
  registerDefenderControlRoutes(router)
  registerLegacyRoutes(router)
  registerGraphRoutes(router)
  registerHuntingRoutes(router) // advanced hunting, both surfaces (src/emulator/hunting)
}
