import type { EmulatorContext } from '../context.js'
import type { Router } from '../router.js'
import { registerConsentRoutes } from './consent_routes.js'
import { registerDiscoveryRoutes } from './discovery_routes.js'
import { registerGraphApplicationRoutes } from './graph_applications.js'
import { registerTokenRoutes } from './token_routes.js'

/** Identity-platform routes: token endpoints, discovery, JWKS, instance discovery, admin consent, Graph /applications. */
export function registerIdentityRoutes(router: Router<EmulatorContext>): void {
  registerDiscoveryRoutes(router)
  registerConsentRoutes(router)
  registerTokenRoutes(router)
  registerGraphApplicationRoutes(router)
}
