import type { EmulatorContext } from '../context.js'
import type { Router } from '../router.js'
import { registerDefenderControlRoutes } from './control_routes.js'
import { defenderErrors } from './errors.js'
import { registerGraphRoutes } from './graph_routes.js'
import { registerLegacyRoutes } from './legacy_routes.js'

/**
 * Defender API routes: legacy `/api/…` (fault/log group `defender`), Graph `/v1.0/security/…`
 * (group `graph`), and their control routes under `/_emulator/defender/…` (group `control`).
 */
export function registerDefenderRoutes(router: Router<EmulatorContext>): void {
  registerDefenderControlRoutes(router)
  registerLegacyRoutes(router)
  registerGraphRoutes(router)
  router.onError('defender', defenderErrors).onError('graph', defenderErrors)
}
