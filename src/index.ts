/**
 * m365d — app-only access to the Microsoft 365 Defender (Defender XDR) APIs.
 *
 * The library entry points: tokens (`m365d/auth`), token inspection and validation
 * (`m365d/jwt`), the incidents and hunting client (`m365d/defender`) and the error base class
 * (`m365d/errors`). The emulator (`m365d/emulator`) and the KQL engine (`m365d/kql`) have their own
 * subpaths so that importing the library never loads them.
 */
export * as auth from './auth/index.js'
export * as jwt from './jwt/index.js'
export * as defender from './defender/index.js'
export { M365dError, M365dArgumentError, redact } from './lib/errors.js'
export { channels } from './lib/diagnostics.js'
export type { ChannelName } from './lib/diagnostics.js'
export { systemClock, ManualClock } from './lib/clock.js'
export type { Clock } from './lib/clock.js'
