import type { EmulatorContext } from '../app.js'
import type { Router } from '../router.js'

/** OpenID discovery (v1, v2), JWKS (v1, v2) and instance discovery. */
export function registerDiscoveryRoutes(router: Router<EmulatorContext>): void {
  void router
}
