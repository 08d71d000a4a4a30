import type { EmulatorContext } from '../app.js'
import type { Router } from '../router.js'

/** The control API under `/_emulator/…` (documented in README.md, "Emulator control API"). */
export function registerControlRoutes(router: Router<EmulatorContext>): void {
  void router
}
