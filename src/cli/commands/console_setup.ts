import { hostname, networkInterfaces } from 'node:os'
import { createConsole, isLoopback, type ConsoleDeps, type ConsoleServer } from '../../console/index.js'
export { configuredExpiry } from '../../console/index.js'
import type { OptionSpecs } from '../command.js'
import { CliError } from '../errors.js'

/** The console knobs `m365d sync` and `m365d start` share (issue 9 §3). */
export const consoleOptions = {
  'no-console': { type: 'boolean', description: 'Do not serve the web console on the ops port' },
  'console-allow-remote': { type: 'boolean', description: 'Allow the console on a non-loopback --ops-host (it shows customers\' security data)' },
  'console-allow-host': { type: 'string', multiple: true, valueName: 'NAME', description: 'Extra Host header name the console accepts (reverse proxy name; repeatable)' },
} as const satisfies OptionSpecs

export interface ConsoleChoice {
  values: { 'no-console'?: boolean; 'console-allow-remote'?: boolean; 'console-allow-host'?: string[] }
  env: Record<string, string | undefined>
  opsHost: string
}

/**
 * Validates the console options before anything starts: a non-loopback bind needs
 * --console-allow-remote (exit 2 otherwise). Returns undefined with --no-console.
 */
export function checkConsoleChoice(c: ConsoleChoice): { enabled: boolean; remote: boolean } {
  if (c.values['no-console']) return { enabled: false, remote: false }
  const remote = !isLoopback(c.opsHost)
  if (remote && !c.values['console-allow-remote']) {
    throw new CliError('ERR_CLI_CONSOLE_REMOTE', `the console would be reachable from the network on ${c.opsHost}`, {
      hint: 'it shows customers\' security data: add --console-allow-remote to mean it (put TLS in front), or --no-console, or bind --ops-host 127.0.0.1',
    })
  }
  return { enabled: true, remote }
}

export function makeConsole(c: ConsoleChoice, deps: ConsoleDeps): ConsoleServer {
  const allowedHosts = [...(c.values['console-allow-host'] ?? [])]
  if (!isLoopback(c.opsHost)) {
    if (c.opsHost !== '0.0.0.0' && c.opsHost !== '::') allowedHosts.push(c.opsHost.includes(':') ? `[${c.opsHost}]` : c.opsHost)
    else {
      allowedHosts.push(hostname())
      for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) allowedHosts.push(a.family === 'IPv6' ? `[${a.address}]` : a.address)
    }
  }
  const token = c.env.M365D_CONSOLE_TOKEN || undefined
  return createConsole(deps, { ...(token && { token }), allowedHosts })
}

/** What a non-loopback ops server without the console exposes (`--ops-host … --no-console`). */
export function opsExposureLines(opsUrl: string): string[] {
  return [
    `WARNING: the ops server on ${opsUrl} is reachable from the network (--ops-host).`,
    '  It exposes, with no login: /healthz, /metrics (tenant ids in labels) and /status (every tenant',
    '  with its health, lag and last error). The local API answers only on this machine.',
  ]
}

/** What a remote bind exposes, printed at start so nobody exposes it by accident. */
export function exposureLines(opsUrl: string): string[] {
  return [
    `WARNING: the console on ${opsUrl} is reachable from the network (--console-allow-remote).`,
    '  It exposes, to anyone holding the login token: every tenant with its health and consent links, all',
    '  stored incidents and alerts, write-back (assign, status, classify, comment) and hunting with the',
    '  app\'s tokens. /healthz and /metrics (tenant ids in labels) need no login. Put TLS in front of it.',
  ]
}
