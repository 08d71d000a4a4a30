// Public face of the web console (issue 9 §2–§3): mounted on the daemon's ops server.
export { createConsole, CONSOLE_PREFIX } from './server.js'
export type { ConsoleServer } from './server.js'
export type { ConsoleDeps, ConsoleOptions } from './deps.js'
export { checkCredentialExpiry, configuredExpiry, EXPIRY_WARNING_DAYS } from './credentials.js'
export { isLoopback, LOOPBACK_HOSTS, CONTENT_SECURITY_POLICY } from './security.js'
export type * from './api_types.js'
