import type { EmulatorContext } from '../app.js'
import type { Router } from '../router.js'

/** Identity-platform routes: token endpoints, discovery, JWKS, instance discovery, admin consent. */
export function registerIdentityRoutes(router: Router<EmulatorContext>): void {
  void router
}
