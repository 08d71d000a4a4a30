import type { EmulatorContext } from '../app.js'
import type { Router } from '../router.js'

/** Token endpoints: v1 `POST /{tenant}/oauth2/token` and v2 `POST /{tenant}/oauth2/v2.0/token`. */
export function registerTokenRoutes(router: Router<EmulatorContext>): void {
  void router
}
