import { globalOptions, type Command, type OptionSpecs } from './command.js'

/** `--help` text of one command: usage, description, subcommands, options, global options, examples. */
export function renderHelp(command: Command<any>, commandPath: string): string {
  const lines: string[] = []
  lines.push(`${commandPath} — ${command.summary}`, '')
  if (command.run) lines.push(`Usage: ${commandPath} [options]${command.usage ? ` ${command.usage}` : ''}`)
  if (command.subCommands?.length) lines.push(`${command.run ? '   or' : 'Usage'}: ${commandPath} <command> [options]`)
  if (command.description) lines.push('', ...command.description.trim().split('\n'))
  if (command.subCommands?.length) {
    lines.push('', 'Commands:', ...table(command.subCommands.map((c) => [c.name, c.summary])))
  }
  const own = optionRows(command.options ?? {})
  if (own.length) lines.push('', 'Options:', ...table(own))
  lines.push('', 'Global options:', ...table(optionRows(globalOptions)))
  if (command.examples?.length) lines.push('', 'Examples:', ...command.examples.map((e) => `  ${e}`))
  return lines.join('\n') + '\n'
}

/** Top-level help: the command list, loaded lazily from the registry. */
export function renderMainHelp(version: string, commands: Command<any>[]): string {
  const lines = [
    `m365d ${version} — app-only access to the Microsoft 365 Defender APIs, and a local emulator`,
    '',
    'Usage: m365d <command> [options]',
    '',
    'Commands:',
    ...table(commands.map((c) => [c.name, c.summary])),
    '',
    'Global options:',
    ...table([...optionRows(globalOptions), ['    --version', 'Print the version']]),
    '',
    "Run 'm365d help <command>' (or 'm365d <command> --help') for a command's options; 'm365d completion bash|zsh|fish' for shell completion.",
    'Output: -o table|json|jsonc|yaml|tsv|csv|ndjson and --query JMESPATH on every command that prints data. Configuration: flags > M365D_* environment > --profile > config file (m365d config --help).',
  ]
  return lines.join('\n') + '\n'
}

function optionRows(options: OptionSpecs): [string, string][] {
  return Object.entries(options)
    .filter(([, o]) => !o.hidden)
    .map(([name, o]) => {
      const flag = `${o.short ? `-${o.short}, ` : '    '}--${name}${o.type === 'string' ? ` <${o.valueName ?? 'value'}>` : ''}`
      // Said once: some descriptions already say how repetitions combine ("repeatable: all of them").
      return [flag, o.description + (o.multiple && !/\brepeatable\b/.test(o.description) ? ' (repeatable)' : '')]
    })
}

function table(rows: [string, string][]): string[] {
  const width = Math.min(34, Math.max(...rows.map(([a]) => a.length)))
  return rows.map(([a, b]) => (a.length > width ? `  ${a}\n  ${' '.repeat(width)}  ${b}` : `  ${a.padEnd(width)}  ${b}`))
}
