import { defineCommand } from '../command.js'
import { fileOption, readEditable, saveEdit } from '../config_edit.js'
import { PROFILE_NAME } from '../config_file.js'
import { ConfigError, CliError } from '../errors.js'
import { expectPositionals } from '../parse.js'
import { closest } from '../suggest.js'

export default defineCommand({
  name: 'use',
  summary: 'Make a profile the default for every command (like kubectl config use-context)',
  usage: 'PROFILE',
  description: `
Sets "defaultProfile" in the config file. --profile NAME and M365D_PROFILE still win for one
command or one shell. 'm365d config unset defaultProfile' goes back to the top-level settings.`,
  options: fileOption,
  examples: ['m365d config use contoso', 'm365d config unset defaultProfile'],
  async run(ctx) {
    expectPositionals(ctx.positionals, 1, ctx.commandPath)
    const name = ctx.positionals[0]
    if (name === undefined) throw new CliError('ERR_CLI_MISSING_ARGUMENT', `${ctx.commandPath} needs a PROFILE`, { hint: 'see the profiles with m365d config list' })
    const file = await readEditable(ctx)
    const names = Object.keys(file.doc.profiles)
    if (!names.includes(name)) {
      const suggestion = closest(name, names)
      throw new ConfigError('ERR_CONFIG_UNKNOWN_PROFILE', `profile ${PROFILE_NAME.test(name) ? `'${name}'` : `<${name.length} characters>`} is not in ${file.path}`, {
        hint: `${suggestion ? `did you mean '${suggestion}'? ` : ''}${names.length ? `profiles: ${names.join(', ')}` : 'create one with m365d config set KEY VALUE --profile NAME'}`,
      })
    }
    file.raw.defaultProfile = name
    await saveEdit({ file, settings: file.raw, where: file.path })
    ctx.feedback.notice(`profile '${name}' is now the default (${file.path})`)
  },
})
