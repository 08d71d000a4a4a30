import type { EmulatorContext } from '../app.js'
import type { Router } from '../router.js'

/** Admin consent: legacy `/common/oauth2/authorize?prompt=…`, `/{tenant}/adminconsent`, v2 `/{tenant}/v2.0/adminconsent`. */
export function registerConsentRoutes(router: Router<EmulatorContext>): void {
  void router
}
