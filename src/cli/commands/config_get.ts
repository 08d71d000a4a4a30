import { defineCommand } from '../command.js'
import { loadConfig } from '../config.js'
import { fileOption } from '../config_edit.js'
import { KEY_NAMES, configKey, type ConfigKeyName } from '../config_keys.js'
import { effectiveValue } from '../config_view.js'
import { CliError, ExitCode } from '../errors.js'
import { expectPositionals } from '../parse.js'

export default defineCommand({
  name: 'get',
  summary: 'Print the value of one setting in effect (for scripts)',
  usage: 'KEY',
  description: `
Prints just the value KEY has for the commands, after flags > environment > profile > config file
> defaults, so 'tenant=$(m365d config get tenantId)' sees what the commands use. A setting with a
built-in default prints the default (cloud, hosts, api, dataDir, opsPort, opsHost). Secrets print
"(set, hidden)", never the value. Exit 1 when the setting is not set and has no default.
-o json prints {key, value, source}.`,
  completions: KEY_NAMES,
  options: fileOption,
  examples: ['m365d config get tenantId', 'm365d config get dataDir --profile contoso', 'm365d config get api -o json'],
  async run(ctx) {
    expectPositionals(ctx.positionals, 1, ctx.commandPath)
    const name = ctx.positionals[0]
    if (name === undefined) throw new CliError('ERR_CLI_MISSING_ARGUMENT', `${ctx.commandPath} needs a KEY`, { hint: 'e.g. m365d config get tenantId' })
    const key = configKey(name).key as ConfigKeyName
    // The credential is not read: `get` must work while a secret file is missing or unreadable.
    const config = await loadConfig(ctx, ctx.values, { credential: false })
    const got = effectiveValue(config, key)
    if (ctx.json) {
      ctx.printJson({ key, value: got?.value ?? null, source: got?.source ?? null })
    } else if (got) ctx.print(got.value)
    if (!got) ctx.feedback.notice(`${key} is not set`)
    return got ? ExitCode.ok : ExitCode.checkFailed
  },
})
