import { randomBytes } from 'node:crypto'
import { constants } from 'node:fs'
import { lstat, open, rename, rm } from 'node:fs/promises'
import { basename, dirname, join, resolve } from 'node:path'
import { acquireToken } from '../../auth/acquire_token.js'
import type { AccessToken } from '../../auth/token_response.js'
import { inspectToken, type TokenInspection } from '../../jwt/inspect.js'
import { defineCommand, type CommandContext } from '../command.js'
import { credentialOptions, loadConfig, type CliConfig } from '../config.js'
import { requireCredentials } from '../credentials.js'
import { CliError } from '../errors.js'
import tokenInspect from './token_inspect.js'
import tokenValidate from './token_validate.js'

const options = {
  ...credentialOptions,
  resource: { type: 'string', valueName: 'URI', description: 'Resource the token is for (M365D_RESOURCE; default the Defender API of the cloud)' },
  scope: { type: 'string', valueName: 'SCOPE', description: 'v2 scope instead of --resource, e.g. https://graph.microsoft.com/.default' },
  v1: { type: 'boolean', description: 'Use the v1 endpoint (/oauth2/token with resource=)' },
  v2: { type: 'boolean', description: 'Use the v2 endpoint (/oauth2/v2.0/token with scope=; the default)' },
  out: { type: 'string', valueName: 'FILE', description: 'Write the raw token to FILE (mode 0600, replaced atomically; a symlink is refused)' },
} as const

export default defineCommand({
  name: 'token',
  summary: 'Get an app-only access token (client credentials); inspect or validate tokens',
  description: `
Prints the raw token only when stdout is not a terminal (pipes, $(…)) or to --out FILE;
on a terminal it prints a summary (tenant, audience, roles, expiry) instead.`,
  options,
  subCommands: [tokenInspect, tokenValidate],
  examples: [
    'export M365D_TENANT_ID=contoso.onmicrosoft.com M365D_CLIENT_ID=… M365D_CLIENT_SECRET=…',
    'm365d token                                  # summary on a terminal',
    'TOKEN=$(m365d token)                          # raw token into a variable',
    'm365d token --out Latest-token.txt            # raw token into a 0600 file',
    'm365d token --scope https://graph.microsoft.com/.default --json',
  ],
  async run(ctx) {
    const v = ctx.values
    if (v.v1 && v.v2) throw new CliError('ERR_CLI_CONFLICTING_OPTIONS', '--v1 and --v2 are exclusive', { hint: 'v2 is the default' })
    if (v.resource !== undefined && v.scope !== undefined) {
      throw new CliError('ERR_CLI_CONFLICTING_OPTIONS', '--resource and --scope are exclusive', { hint: '--scope X/.default is the same as --resource X' })
    }
    if (v.scope !== undefined && !v.scope.endsWith('/.default')) {
      throw new CliError('ERR_CLI_INVALID_SCOPE', `scope '${v.scope}' does not end in /.default`, {
        hint: 'app-only tokens take the static scope <resource>/.default (AADSTS1002012 otherwise), e.g. https://api.security.microsoft.com/.default',
      })
    }
    const config = await loadConfig(ctx, { ...v, ...(v.scope !== undefined && { resource: v.scope.slice(0, -'/.default'.length) }) })
    const token = await getToken(ctx, config, v.v1 ? 1 : 2)
    const inspection = tryInspect(token.token)

    if (v.out !== undefined) await writeSecretFile(resolve(ctx.io.cwd, v.out), token.token)
    const printRaw = v.out === undefined && !ctx.io.isTTY
    if (ctx.json) {
      ctx.printJson(tokenJson(token, inspection, { includeToken: printRaw, ...(v.out !== undefined && { out: resolve(ctx.io.cwd, v.out) }) }))
    } else if (printRaw) {
      ctx.print(token.token)
    } else {
      ctx.print(summary(token, inspection, config))
      ctx.print(
        v.out !== undefined
          ? `Token written to ${v.out} (mode 0600).`
          : 'The raw token is not printed on a terminal. Use --out FILE, or pipe it: m365d token | …',
      )
    }
  },
})

/** Acquires one token with the configured credentials (no cache: one process, one token). */
export async function getToken(ctx: Pick<CommandContext, 'commandPath'>, config: CliConfig, endpointVersion: 1 | 2 = 2): Promise<AccessToken> {
  const app = await requireCredentials(config, ctx.commandPath)
  return acquireToken({ authorityHost: config.authorityHost, tenant: app.tenant, clientId: app.clientId, credential: app.credential, resource: config.resource, endpointVersion })
}

/**
 * The `--json` shape (docs/cli.md): OAuth field names like a token response, plus what the
 * token says about itself. `access_token` only when the raw token may be printed.
 */
export function tokenJson(token: AccessToken, inspection: TokenInspection | undefined, o: { includeToken: boolean; out?: string }): Record<string, unknown> {
  return {
    token_type: token.tokenType,
    ...(o.includeToken && { access_token: token.token }),
    expires_on: Math.floor(token.expiresAt / 1000),
    expires_at: new Date(token.expiresAt).toISOString(),
    resource: token.resource,
    tenant_id: token.tenantId,
    client_id: token.clientId,
    endpoint_version: token.endpointVersion,
    ...(inspection && { audience: inspection.audience, roles: inspection.roles, token_version: inspection.version }),
    ...(o.out !== undefined && { out: o.out }),
  }
}

function tryInspect(token: string): TokenInspection | undefined {
  try {
    return inspectToken(token)
  } catch {
    // Microsoft may issue opaque tokens for its own APIs; the summary then shows what the response said.
    return undefined
  }
}

function summary(token: AccessToken, inspection: TokenInspection | undefined, config: CliConfig): string {
  const minutes = Math.round((token.expiresAt - Date.now()) / 60_000)
  const rows: [string, string][] = [
    ['tenant', `${token.tenantId}${config.tenant && config.tenant !== token.tenantId ? ` (${config.tenant})` : ''}`],
    ['client id', token.clientId],
    ['audience', inspection?.audience ?? token.resource],
    ['roles', inspection ? (inspection.roles.length ? inspection.roles.join(', ') : '(none: admin consent missing or no application permission granted)') : '(opaque token)'],
    ['expires', `${new Date(token.expiresAt).toISOString()} (in ${minutes} min)`],
    ['endpoint', `v${token.endpointVersion} ${config.authorityHost}`],
  ]
  return ['Token acquired', ...rows.map(([k, val]) => `  ${k.padEnd(10)} ${val}`)].join('\n')
}

/**
 * Writes a token file readable only by the owner (like the docs' Latest-token.txt, but not world
 * readable), without ever writing through a link (issue 10 §6):
 *
 * - an existing FILE that is a symbolic link, a directory or anything but a regular file is refused
 *   (`ERR_CLI_FILE_SYMLINK` / `ERR_CLI_FILE_UNWRITABLE`): writing through `Latest-token.txt →
 *   ~/.bashrc` would overwrite the link's target;
 * - the token goes to a new temporary file in the same directory, created with
 *   O_CREAT|O_EXCL|O_NOFOLLOW and mode 0600 (so it never exists with looser permissions and no
 *   planted file or link is opened), is fsync'd, then renamed over FILE. rename(2) replaces the
 *   directory entry itself, so a link swapped in after the check is replaced, not followed, and a
 *   reader sees the old token or the new one, never half of one.
 */
export async function writeSecretFile(path: string, content: string): Promise<void> {
  const unwritable = (cause: unknown) =>
    new CliError('ERR_CLI_FILE_UNWRITABLE', `cannot write ${path}: ${(cause as NodeJS.ErrnoException).code ?? 'error'}`, { hint: 'check the directory exists and is writable', cause })
  let existing
  try {
    existing = await lstat(path)
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code !== 'ENOENT') throw unwritable(cause)
  }
  if (existing?.isSymbolicLink())
    throw new CliError('ERR_CLI_FILE_SYMLINK', `refusing to write the token to ${path}: it is a symbolic link`, {
      hint: 'writing through a link would overwrite its target; remove the link or pick another --out path',
    })
  if (existing !== undefined && !existing.isFile())
    throw new CliError('ERR_CLI_FILE_UNWRITABLE', `cannot write ${path}: not a regular file`, { hint: 'pick a file path for --out' })

  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`)
  let handle
  try {
    handle = await open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0), 0o600)
  } catch (cause) {
    throw unwritable(cause)
  }
  try {
    await handle.chmod(0o600) // whatever the umask
    await handle.writeFile(content)
    await handle.sync()
    await handle.close()
    handle = undefined
    await rename(temp, path)
  } catch (cause) {
    await handle?.close().catch(() => undefined)
    await rm(temp, { force: true }).catch(() => undefined)
    throw unwritable(cause)
  }
}
