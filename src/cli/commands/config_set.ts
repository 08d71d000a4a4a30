import { stat } from 'node:fs/promises'
import { platform } from 'node:os'
import { isSecretHeader, parseWebhookSecrets } from '../../sync/index.js'
import { defineCommand, type CommandContext } from '../command.js'
import { fileOption, openForEdit, saveEdit } from '../config_edit.js'
import { CONFIG_KEYS, KEY_NAMES, configKey, normalizeValue, type ConfigKey } from '../config_keys.js'
import { CliError, ConfigError } from '../errors.js'
import { expectPositionals } from '../parse.js'
import { readAll, readSecretStdin } from '../secret_input.js'

/** Keys that are one credential: two of them in one place is ERR_CONFIG_CONFLICTING_CREDENTIALS at run time. */
const CREDENTIAL_KEYS = ['clientSecret', 'clientSecretFile', 'certificatePath']

export default defineCommand({
  name: 'set',
  summary: 'Store a setting in the config file (top level, or --profile NAME)',
  usage: 'KEY [VALUE]',
  description: `
Validates KEY (an unknown key is an error with a suggestion) and VALUE (tenant GUID or domain,
client id GUID, cloud name, api graph|legacy, http(s) URLs, port numbers, postgres:// URLs,
webhook header names), then
writes the file atomically with mode 0600 (never through a symlink). Relative paths are stored as
absolute paths. Without --profile (or M365D_PROFILE) the top level is edited: the defaults every
profile inherits. --profile NAME creates the profile if needed.

Keys: ${CONFIG_KEYS.map((k) => k.key).join(', ')}.

Secrets are never taken as an argument. Prefer a file: 'm365d config set clientSecretFile
~/secrets/m365d.txt' (or webhookSecretFile). To store the secret itself in the config file (plain
text, mode 0600), pipe it in with --plaintext-secret:
  m365d config set clientSecret --plaintext-secret < secret.txt

webhookHeaders replaces the stored header set: one 'Name: value' argument per header (the file keeps
{"Name": "value"}). Credential-like headers (Authorization, x-api-key, anything with key, token,
secret or auth in its name, or a token-like value) are refused as arguments; pipe them in:
  m365d config set webhookHeaders --plaintext-secret < headers.txt`,
  completions: KEY_NAMES,
  options: { ...fileOption, 'plaintext-secret': { type: 'boolean', description: 'With clientSecret/webhookSecret/webhookHeaders: read the value from stdin and store it in plain text (0600)' } },
  examples: [
    'm365d config set tenantId contoso.onmicrosoft.com',
    'm365d config set clientId 00001111-aaaa-2222-bbbb-3333cccc4444 --profile contoso',
    'm365d config set clientSecretFile ~/.secrets/m365d-contoso --profile contoso',
    'm365d config set webhookSecret --plaintext-secret < whsec.txt',
    'm365d config set databaseUrl postgres://m365d@db:5432/m365d',
    "m365d config set webhookHeaders 'x-source: mssp' --profile siem",
    'm365d config set webhookHeaders --plaintext-secret --profile siem < headers.txt',
  ],
  async run(ctx) {
    const [name, value] = ctx.positionals
    if (name === undefined) throw new CliError('ERR_CLI_MISSING_ARGUMENT', `${ctx.commandPath} needs a KEY and a VALUE`, { hint: 'e.g. m365d config set tenantId contoso.onmicrosoft.com (see --help for the keys)' })
    const key = configKey(name)
    // webhookHeaders takes one argument per header; every other key one VALUE.
    expectPositionals(ctx.positionals, key.kind === 'headers' ? 65 : 2, ctx.commandPath)
    let stored: string | number | Record<string, string>
    if (key.kind === 'headers') {
      stored = await headersValue(ctx, key, ctx.positionals.slice(1), ctx.values['plaintext-secret'] === true)
    } else if (key.kind === 'secret') {
      if (value !== undefined) {
        ctx.registerSecret(value)
        throw new CliError('ERR_CLI_SECRET_ON_COMMAND_LINE', `refusing ${key.key} as an argument: a secret on the command line is visible to other users (ps) and kept in shell history`, {
          hint: `store a file path instead (m365d config set ${key.key}File FILE), or pipe the secret in: m365d config set ${key.key} --plaintext-secret < FILE`,
        })
      }
      if (!ctx.values['plaintext-secret']) {
        throw new ConfigError('ERR_CONFIG_SECRET_NEEDS_OPT_IN', `${key.key} would be stored in plain text in the config file`, {
          hint: `prefer m365d config set ${key.key}File FILE${key.key === 'clientSecret' ? ' (or a certificate: certificatePath)' : ''}; to store it anyway: m365d config set ${key.key} --plaintext-secret < FILE`,
        })
      }
      const secret = (await readSecretStdin(ctx.io.stdin, '--plaintext-secret')).trim()
      if (secret === '') throw new ConfigError('ERR_CONFIG_EMPTY_SECRET', `the ${key.key} read from stdin is empty`, { hint: 'pipe the secret value in, e.g. < secret.txt' })
      ctx.registerSecret(secret)
      if (key.key === 'webhookSecret') parseWebhookSecrets(secret, 'the webhook secret read from stdin')
      stored = secret
    } else {
      if (ctx.values['plaintext-secret']) throw new CliError('ERR_CLI_INVALID_OPTION', `--plaintext-secret is only for clientSecret, webhookSecret and webhookHeaders, not ${key.key}`, { hint: `m365d config set ${key.key} VALUE` })
      if (value === undefined) throw new CliError('ERR_CLI_MISSING_ARGUMENT', `${ctx.commandPath} ${key.key} needs a VALUE`, { hint: `${key.key}: ${key.description}` })
      stored = normalizeValue(key, value, ctx.io.cwd)
    }
    const target = await openForEdit(ctx, { create: true })
    target.settings[key.key] = stored
    await saveEdit(target)
    ctx.feedback.notice(`set ${key.key} in ${target.where}`)
    if (key.kind === 'headers' && ctx.values['plaintext-secret']) ctx.warn(`webhookHeaders are stored in plain text in ${target.file.path} (mode 0600)`)
    if (key.kind === 'secret') ctx.warn(`${key.key} is stored in plain text in ${target.file.path} (mode 0600); a file path (${key.key}File) or a certificate keeps it out of the config file`)
    const others = CREDENTIAL_KEYS.includes(key.key) ? CREDENTIAL_KEYS.filter((k) => k !== key.key && target.settings[k] !== undefined) : []
    if (others.length) ctx.warn(`${target.where} also has ${others.join(' and ')}: one credential per place, remove the other with m365d config unset ${others[0]}${target.profile ? ` --profile ${target.profile}` : ''}`)
    if (key.kind === 'path' && (key.key === 'clientSecretFile' || key.key === 'webhookSecretFile')) await checkSecretFile(String(stored), ctx.warn)
  },
})

/**
 * The header set to store. Arguments may hold only headers that are not credentials (x-source:
 * mssp); an Authorization or x-api-key value on the command line is visible in ps and shell
 * history, the same reason clientSecret is refused there: it comes from stdin with --plaintext-secret.
 */
async function headersValue(ctx: Pick<CommandContext, 'io' | 'commandPath' | 'registerSecret'>, key: ConfigKey, args: string[], fromStdin: boolean): Promise<Record<string, string>> {
  if (fromStdin && args.length) throw new CliError('ERR_CLI_INVALID_OPTION', '--plaintext-secret reads the headers from stdin: give no header arguments with it', { hint: "m365d config set webhookHeaders --plaintext-secret < headers.txt (one 'Name: value' per line)" })
  if (!fromStdin && !args.length) throw new CliError('ERR_CLI_MISSING_ARGUMENT', `${ctx.commandPath} webhookHeaders needs 'Name: value' arguments`, { hint: "e.g. m365d config set webhookHeaders 'x-source: mssp'; credentials from stdin: --plaintext-secret < headers.txt" })
  if (fromStdin && ctx.io.stdin.isTTY) await readSecretStdin(ctx.io.stdin, '--plaintext-secret') // the "pipe it in" error
  // Every line of stdin is a header (readSecretStdin keeps only the first line).
  const text = fromStdin ? await readAll(ctx.io.stdin) : args.join('\n')
  if (text.trim() === '') throw new ConfigError('ERR_CONFIG_EMPTY_SECRET', 'no webhook header was read from stdin', { hint: "pipe 'Name: value' lines in, e.g. < headers.txt" })
  const headers = normalizeValue(key, text, ctx.io.cwd) as Record<string, string>
  const secret = Object.entries(headers).filter(([n, v]) => isSecretHeader(n, v))
  for (const [, v] of secret) ctx.registerSecret(v)
  if (!fromStdin && secret.length) {
    throw new CliError('ERR_CLI_SECRET_ON_COMMAND_LINE', `refusing the value of ${secret.map(([n]) => n).join(', ')} as an argument: a credential on the command line is visible to other users (ps) and kept in shell history`, {
      hint: "pipe the headers in, one 'Name: value' per line: m365d config set webhookHeaders --plaintext-secret < headers.txt",
    })
  }
  return headers
}

/** A secret file that is missing or readable by others is worth a warning now, not at the first sync. */
async function checkSecretFile(path: string, warn: (text: string) => void): Promise<void> {
  try {
    const mode = (await stat(path)).mode
    if (platform() !== 'win32' && (mode & 0o077) !== 0) warn(`${path} is readable by group/others (mode ${(mode & 0o777).toString(8)}); run: chmod 600 ${path}`)
  } catch (e) {
    warn(`${path} cannot be read yet (${(e as NodeJS.ErrnoException).code ?? 'error'}): create it before the next command`)
  }
}
