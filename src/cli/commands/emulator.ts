import { readFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { isLoopback } from '../../emulator/access.js'
import { createEmulator } from '../../emulator/app.js'
import { ConfigError as EmulatorConfigError, type EmulatorConfig } from '../../emulator/config.js'
import { serve } from '../../emulator/server.js'
import { ensureLocalCa } from '../../emulator/tls.js'
import { WELL_KNOWN, wellKnownConfig } from '../../emulator/well_known.js'
import { defineCommand } from '../command.js'
import { CliError, ConfigError } from '../errors.js'
import { expectPositionals, parsePort } from '../parse.js'

/** Default port: fixed, so the `export M365D_AUTHORITY_HOST=…` lines stay valid across restarts. */
export const DEFAULT_EMULATOR_PORT = 5080

export default defineCommand({
  name: 'emulator',
  summary: 'Run the local emulator of the Microsoft identity platform + Defender API',
  description: `
Serves the emulator on a real port until Ctrl-C / SIGTERM. Without --config it starts with the
well-known development set (fixed tenants, app id, secret and certificate, published on purpose;
they authenticate only against the emulator). It prints the base URL and the environment lines
that point m365d (and the Defender docs' curl / Python samples, via the host) at it.
MSAL and @azure/identity require https: use --https, then trust the printed CA file.
It answers only for loopback host names (and --allowed-host names): other Host headers get 421.
Binding another interface needs --allow-remote; the control API (/_emulator/…) then requires the
control token printed at start as Authorization: Bearer.`,
  options: {
    config: { type: 'string', valueName: 'FILE', description: 'Seed configuration JSON (default: the well-known set)' },
    port: { type: 'string', short: 'p', valueName: 'N', description: `Port (default ${DEFAULT_EMULATOR_PORT}; 0 picks a free one)` },
    host: { type: 'string', valueName: 'H', description: 'Interface to bind (default 127.0.0.1; another interface needs --allow-remote)' },
    'allow-remote': { type: 'boolean', description: 'Allow a non-loopback --host; the control API then requires the printed control token' },
    'allowed-host': { type: 'string', multiple: true, valueName: 'NAME', description: 'Also answer for this Host name (e.g. the DNS name remote clients use); repeatable' },
    https: { type: 'boolean', description: 'Serve HTTPS with a certificate from a local CA (created once in --data-dir)' },
    'data-dir': { type: 'string', valueName: 'DIR', description: 'Where the local CA lives (default ~/.m365d/emulator)' },
    'print-config': { type: 'boolean', description: 'Print the seed configuration JSON and exit' },
    'print-certificate': { type: 'boolean', description: "Print the well-known app's certificate and private key (PEM) and exit" },
  },
  examples: [
    'm365d emulator',
    'm365d emulator --https --port 8443',
    'm365d emulator --host 0.0.0.0 --allow-remote --allowed-host emu.lab.example   # prints the control token',
    'm365d emulator --print-config > emulator.json   # edit, then: m365d emulator --config emulator.json',
    'm365d emulator --print-certificate > app.pem    # then: M365D_CERTIFICATE_PATH=app.pem m365d token',
  ],
  async run(ctx) {
    expectPositionals(ctx.positionals, 0, ctx.commandPath)
    const v = ctx.values
    if (v['print-certificate']) {
      // The well-known certificate credential is useless without its key, and a user of the CLI
      // cannot import WELL_KNOWN: give them the one-file PEM that M365D_CERTIFICATE_PATH takes.
      ctx.io.stderr.write('# the well-known app certificate + key; registered only on the emulator\n')
      ctx.io.stdout.write(`${WELL_KNOWN.certificatePem.trim()}\n${WELL_KNOWN.privateKeyPem.trim()}\n`)
      return
    }
    const config = v.config !== undefined ? await readEmulatorConfig(resolve(ctx.io.cwd, v.config)) : wellKnownConfig()
    if (v['print-config']) {
      if (v.config === undefined) ctx.io.stderr.write('# the well-known development set; these credentials work only against the emulator\n')
      // Through the output layer so -o/--query apply; the default stays the JSON that --config reads.
      ctx.printJson(config, { text: (c) => JSON.stringify(c, null, 2) })
      return
    }
    const port = parsePort(v.port, DEFAULT_EMULATOR_PORT)
    if (v.host !== undefined && !isLoopback(v.host) && !v['allow-remote'])
      throw new CliError('ERR_CLI_REMOTE_BIND', `--host ${v.host} makes the emulator reachable from other machines`, {
        hint: 'add --allow-remote (the control API then requires the printed control token), or bind 127.0.0.1 (default)',
      })
    const emulator = await createEmulator({ config }).catch((e: unknown) => {
      if (e instanceof EmulatorConfigError) {
        throw new ConfigError('ERR_CONFIG_EMULATOR', `emulator config ${v.config ?? '(built-in)'}: ${e.message}`, { hint: 'fix that entry; m365d emulator --print-config shows a valid example', cause: e })
      }
      throw e
    })
    const home = ctx.io.env.HOME || homedir()
    const dataDir = v['data-dir'] !== undefined ? resolve(ctx.io.cwd, v['data-dir']) : join(home, '.m365d', 'emulator')
    // A specific non-loopback interface must be in the certificate too, or clients reject it.
    const extraName = v.host !== undefined && !['0.0.0.0', '::', '127.0.0.1', '::1', 'localhost'].includes(v.host) ? [v.host] : []
    const tls = v.https
      ? await ensureLocalCa(dataDir, { hostnames: extraName }).catch((e: NodeJS.ErrnoException) => {
          // A file system problem with the CA directory is the user's to fix, not a bug.
          if (typeof e.code === 'string' && e.code.startsWith('E'))
            throw new CliError('ERR_CLI_DATA_DIR', `cannot use ${dataDir} for the local CA: ${e.code}${e.path && e.path !== dataDir ? ` (${e.path})` : ''}`, {
              hint: 'pass --data-dir with a writable directory (default ~/.m365d/emulator)',
              cause: e,
            })
          throw e
        })
      : undefined
    const server = await serve(emulator, {
      port,
      ...(v.host !== undefined && { host: v.host }),
      ...(v['allow-remote'] && { allowRemote: true }),
      ...(v['allowed-host'] && { allowedHosts: v['allowed-host'].flatMap((h) => h.split(',')).map((h) => h.trim()).filter(Boolean) }),
      ...(tls && { tls: { certificatePem: tls.certificatePem, privateKeyPem: tls.privateKeyPem } }),
    }).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'EADDRINUSE') throw new CliError('ERR_CLI_PORT_IN_USE', `port ${port} is already in use`, { hint: 'pick another with --port N, or --port 0 for a free one' })
      if (e.code === 'EACCES') throw new CliError('ERR_CLI_PORT_DENIED', `not allowed to listen on port ${port}`, { hint: 'use a port above 1023' })
      if (e.code === 'EADDRNOTAVAIL' || e.code === 'ENOTFOUND' || e.code === 'EAI_AGAIN')
        throw new CliError('ERR_CLI_INVALID_HOST', `cannot listen on host '${v.host}': ${e.code}`, { hint: 'use an address of this machine, e.g. 127.0.0.1 (default) or 0.0.0.0 for every interface' })
      throw e
    })

    const wellKnown = v.config === undefined
    const env: Record<string, string> = {
      M365D_AUTHORITY_HOST: server.url,
      M365D_DEFENDER_API: server.url,
      // The emulator serves the Graph security API on the same origin (incidents, alerts_v2, hunting).
      M365D_GRAPH_API: server.url,
      ...(wellKnown && { M365D_TENANT_ID: WELL_KNOWN.contosoTenantId, M365D_CLIENT_ID: WELL_KNOWN.clientId, M365D_CLIENT_SECRET: WELL_KNOWN.clientSecret }),
      ...(tls && { NODE_EXTRA_CA_CERTS: tls.caPath }),
    }
    if (ctx.json) {
      ctx.printJson({ url: server.url, port: server.port, ...(tls && { caPath: tls.caPath }), ...(server.controlToken && { controlToken: server.controlToken }), env, tenants: tenantRows(config) })
    } else {
      ctx.print(`m365d emulator listening on ${server.url}`)
      if (tls) {
        ctx.print(`HTTPS certificate issued by the local CA ${tls.caPath}`)
        ctx.print(`  trust it: NODE_EXTRA_CA_CERTS=${tls.caPath} (Node, read at start)  ·  curl --cacert ${tls.caPath}  ·  Python: REQUESTS_CA_BUNDLE=${tls.caPath} (requests, MSAL, azure-identity) and SSL_CERT_FILE=${tls.caPath} (urllib)`)
      }
      if (server.controlToken) {
        ctx.print(`Remote bind: the control API (/_emulator/…) requires  Authorization: Bearer ${server.controlToken}`)
      }
      ctx.print('')
      ctx.print('Tenants:')
      for (const t of tenantRows(config)) ctx.print(`  ${t.id}  ${(t.domain ?? '').padEnd(32)} ${t.consent}`)
      if (wellKnown) {
        ctx.print('')
        ctx.print(`Well-known app (emulator only): client id ${WELL_KNOWN.clientId}, secret ${WELL_KNOWN.clientSecret}, certificate thumbprint ${WELL_KNOWN.certificateThumbprint}`)
        ctx.print('  certificate credential instead of the secret: m365d emulator --print-certificate > app.pem, then M365D_CERTIFICATE_PATH=app.pem')
      }
      ctx.print('')
      ctx.print('Paste into another shell:')
      for (const [k, val] of Object.entries(env)) ctx.print(`  export ${k}=${shellQuote(val)}`)
      ctx.print('')
      ctx.print('Press Ctrl-C to stop.')
    }

    await untilAborted(ctx.io.signal)
    await server.close()
    await emulator.close()
    ctx.io.stderr.write('emulator stopped\n')
  },
})

async function readEmulatorConfig(path: string): Promise<EmulatorConfig> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (cause) {
    throw new ConfigError('ERR_CONFIG_FILE_NOT_FOUND', `cannot read emulator config ${path}: ${(cause as NodeJS.ErrnoException).code ?? 'error'}`, { hint: 'check the path given to --config', cause })
  }
  try {
    const parsed: unknown = JSON.parse(text)
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new SyntaxError('the top level must be a JSON object')
    return withResolvedFiles(parsed as EmulatorConfig, dirname(path))
  } catch (cause) {
    throw new ConfigError('ERR_CONFIG_FILE_INVALID', `emulator config ${path} is not valid: ${(cause as Error).message}`, { hint: 'm365d emulator --print-config shows a valid example', cause })
  }
}

/** `externalData` files are relative to the config file (the only place local files may come from). */
function withResolvedFiles(config: EmulatorConfig, dir: string): EmulatorConfig {
  const sources = config.externalData
  if (typeof sources !== 'object' || sources === null) return config
  const resolved = Object.fromEntries(
    Object.entries(sources).map(([uri, s]) => [uri, typeof s === 'object' && s !== null && typeof s.file === 'string' ? { file: resolve(dir, s.file) } : s]),
  )
  return { ...config, externalData: resolved }
}

/** One line per tenant: what a client will get there, derived from the seed grants. */
function tenantRows(config: EmulatorConfig): { id: string; domain?: string; consent: string }[] {
  const requested = new Set((config.apps ?? []).flatMap((a) => (a.requiredResourceAccess ?? []).flatMap((r) => r.roles)))
  return (config.tenants ?? []).map((t) => {
    const mine = (ref: string) => ref === t.id || (t.domains?.includes(ref) ?? false)
    const grants = (config.grants ?? []).filter((g) => mine(g.tenant))
    const home = (config.apps ?? []).some((a) => mine(a.homeTenant))
    // A grant without `consent` grants everything the app asks for (config.ts).
    const granted = new Set(grants.flatMap((g) => (g.consent ? g.consent.flatMap((c) => c.roles) : [...requested])))
    const missing = [...requested].filter((r) => !granted.has(r))
    const consent =
      grants.length === 0
        ? 'not consented (AADSTS700016)'
        : missing.length === 0
          ? 'consented, all requested roles'
          : `consented, missing ${missing.join(', ')}`
    return { id: t.id, ...(t.domains?.[0] !== undefined && { domain: t.domains[0] }), consent: home ? `home tenant; ${consent}` : consent }
  })
}

function shellQuote(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`
}

function untilAborted(signal: AbortSignal | undefined): Promise<void> {
  // Without a signal (in-process use) there is no way to stop; main.ts always passes one.
  if (!signal) return new Promise(() => {})
  if (signal.aborted) return Promise.resolve()
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }))
}
