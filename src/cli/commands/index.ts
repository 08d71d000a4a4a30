import type { Command } from '../command.js'

/**
 * The command registry: name → lazy loader of a module whose default export is the command.
 * Lazy so that `m365d token` never loads the emulator. To add a command, create
 * src/cli/commands/<name>.ts with `export default defineCommand({ name: '<name>', … })` and add
 * ONE line here (see docs/cli.md "Adding a command").
 */
export const commands: Record<string, () => Promise<{ default: Command<any> }>> = {
  token: () => import('./token.js'),
  'consent-link': () => import('./consent_link.js'),
  config: () => import('./config.js'),
  emulator: () => import('./emulator.js'),
  demo: () => import('./demo.js'),
  incidents: () => import('./incidents.js'),
  alerts: () => import('./alerts.js'),
  hunt: () => import('./hunt.js'),
  tenants: () => import('./tenants.js'),
  sync: () => import('./sync.js'),
  migrate: () => import('./migrate.js'),
  start: () => import('./start.js'),
  console: () => import('./console.js'),
  completion: () => import('./completion.js'),
}
