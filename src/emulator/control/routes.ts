import type { EmulatorContext } from '../context.js'
import type { Router } from '../router.js'
import { registerAppRoutes } from './apps.js'
import { registerConfigRoutes } from './config.js'
import { registerFaultRoutes } from './faults.js'
import { registerGrantRoutes } from './grants.js'
import { registerKeyRoutes } from './keys.js'
import { registerRequestRoutes } from './requests.js'
import { registerSettingsRoutes } from './settings.js'
import { registerTenantRoutes } from './tenants.js'

/** The control API under `/_emulator/…` (reference: docs/emulator.md, "Control API"). */
export function registerControlRoutes(router: Router<EmulatorContext>): void {
  registerConfigRoutes(router)
  registerTenantRoutes(router)
  registerGrantRoutes(router)
  registerAppRoutes(router)
  registerKeyRoutes(router)
  registerFaultRoutes(router)
  registerRequestRoutes(router)
  registerSettingsRoutes(router)
}
