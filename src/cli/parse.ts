import { parseArgs } from 'node:util'
import { globalOptions, type Command, type OptionSpecs } from './command.js'
import { CliError } from './errors.js'
import { closest } from './suggest.js'

export interface ParsedArgs {
  values: Record<string, string | boolean | string[] | undefined>
  positionals: string[]
}

/**
 * Parses a command's arguments with `node:util.parseArgs`, but in non-strict mode with tokens so
 * that every mistake becomes a usage error with our code and a suggestion, instead of Node's
 * generic TypeError text.
 */
export function parseCommandArgs(command: Command<any>, commandPath: string, args: string[]): ParsedArgs {
  const specs: OptionSpecs = { ...globalOptions, ...(command.options ?? {}) }
  const { values, positionals, tokens } = parseArgs({ args, options: parseOptions(specs), strict: false, allowPositionals: true, tokens: true })
  const shorts = new Map(Object.entries(specs).flatMap(([name, s]) => (s.short ? [[s.short, name] as const] : [])))
  for (const token of tokens) {
    if (token.kind !== 'option') continue
    const spec = specs[token.name]
    if (!spec) {
      const suggestion = closest(token.name, Object.keys(specs).filter((n) => !specs[n]!.hidden))
      throw new CliError('ERR_CLI_UNKNOWN_OPTION', `unknown option '${token.rawName}' for ${commandPath}`, {
        hint: suggestion ? `did you mean --${suggestion}? (see ${commandPath} --help)` : `see ${commandPath} --help`,
      })
    }
    const shown = token.rawName.startsWith('--') ? token.rawName : `${token.rawName} (--${shorts.get(token.rawName.slice(1)) ?? token.name})`
    if (spec.type === 'string' && token.value === undefined) {
      throw new CliError('ERR_CLI_MISSING_VALUE', `option ${shown} needs a value`, { hint: `e.g. --${token.name} ${spec.valueName ?? 'VALUE'}` })
    }
    if (spec.type === 'boolean' && token.value !== undefined) {
      throw new CliError('ERR_CLI_UNEXPECTED_VALUE', `option ${shown} takes no value`, { hint: `write just --${token.name}` })
    }
  }
  return { values: values as ParsedArgs['values'], positionals }
}

function parseOptions(specs: OptionSpecs) {
  return Object.fromEntries(
    Object.entries(specs).map(([name, s]) => [name, { type: s.type, ...(s.short && { short: s.short }), ...(s.multiple && { multiple: true }) }]),
  )
}

/** Rejects extra positional arguments with a usage error. */
export function expectPositionals(positionals: string[], max: number, commandPath: string): void {
  if (positionals.length > max) {
    throw new CliError('ERR_CLI_UNEXPECTED_ARGUMENT', `unexpected argument ${quoteInput(positionals[max]!)} for ${commandPath}`, {
      hint: `see ${commandPath} --help`,
    })
  }
}

/**
 * Index in `args` of the first positional argument, skipping option values (`--tenant x`), so
 * `m365d token --tenant x validate` still finds the subcommand.
 */
export function firstPositionalIndex(command: Command<any>, args: string[]): number {
  const { tokens } = parseArgs({ args, options: parseOptions({ ...globalOptions, ...(command.options ?? {}) }), strict: false, allowPositionals: true, tokens: true })
  return tokens.find((t) => t.kind === 'positional')?.index ?? -1
}

/** A `--port` value: 0–65535 (0 = any free port). */
export function parsePort(value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback
  const port = Number(value)
  if (!/^\d+$/.test(value) || port > 65535) throw new CliError('ERR_CLI_INVALID_PORT', `port ${quoteInput(value)} is not a number from 0 to 65535`, { hint: '0 picks a free port' })
  return port
}

/** Quotes short user input only: a long argument might be a pasted token or secret. */
export function quoteInput(text: string): string {
  return text.length > 20 ? `<${text.length} characters>` : `'${text}'`
}
