import { defineCommand } from '../command.js'
import { fileOption, openForEdit, readEditable, saveEdit } from '../config_edit.js'
import { KEY_NAMES, configKey } from '../config_keys.js'
import { CliError } from '../errors.js'
import { expectPositionals } from '../parse.js'

export default defineCommand({
  name: 'unset',
  summary: 'Remove a setting from the config file (top level, or --profile NAME)',
  usage: 'KEY',
  description: `
Removes KEY from the top level, or from the profile named by --profile / M365D_PROFILE. A profile
left empty is removed (and stops being the default). 'm365d config unset defaultProfile' clears the
default profile. Unsetting a key that is not set is not an error (exit 0, a note on stderr). A key
the file holds but the CLI does not know (a typo the CLI warned about) can be removed too.`,
  completions: KEY_NAMES,
  options: fileOption,
  examples: ['m365d config unset clientSecret', 'm365d config unset tenantId --profile contoso', 'm365d config unset defaultProfile'],
  async run(ctx) {
    expectPositionals(ctx.positionals, 1, ctx.commandPath)
    const name = ctx.positionals[0]
    if (name === undefined) throw new CliError('ERR_CLI_MISSING_ARGUMENT', `${ctx.commandPath} needs a KEY`, { hint: 'e.g. m365d config unset tenantId' })
    if (name === 'defaultProfile' || name === 'profiles') {
      if (name === 'profiles') throw new CliError('ERR_CLI_INVALID_OPTION', 'profiles are removed one key at a time, or by unsetting their last key', { hint: 'see m365d config list' })
      const file = await readEditable(ctx)
      if (file.raw.defaultProfile === undefined) return void ctx.feedback.notice(`no default profile in ${file.path}`)
      delete file.raw.defaultProfile
      await saveEdit({ file, settings: file.raw, where: file.path })
      return void ctx.feedback.notice(`cleared the default profile in ${file.path}`)
    }
    const target = await openForEdit(ctx, { create: false })
    // A key the file holds is removable even when unknown; anything else must be a known key.
    if (!(name in target.settings)) configKey(name)
    if (!(name in target.settings)) return void ctx.feedback.notice(`${name} is not set in ${target.where}`)
    delete target.settings[name]
    const { removedProfile } = await saveEdit(target)
    ctx.feedback.notice(`removed ${name} from ${target.where}${removedProfile ? ` (the profile is now empty and was removed)` : ''}`)
  },
})
