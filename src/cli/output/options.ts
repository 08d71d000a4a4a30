/**
 * `-o/--output` and `--query`, the output conventions of `az` and `gh`: one setting chosen once per
 * run (resolveOutput) that every command's data goes through (src/cli/output/output.ts).
 * `--json` and `--format` stay as deprecated aliases mapped onto it; combinations that disagree
 * (`--json --format csv`) are a usage error instead of one silently winning.
 */
import { compile, type JSONValue } from '@jmespath-community/jmespath'
import { CliError } from '../errors.js'

export const OUTPUT_FORMATS = ['table', 'json', 'jsonc', 'yaml', 'tsv', 'csv', 'ndjson'] as const
export type OutputFormat = (typeof OUTPUT_FORMATS)[number]

export interface OutputSettings {
  format: OutputFormat
  /** Whether the format was asked for (-o/--json/--format/M365D_OUTPUT), not the default. */
  explicit: boolean
  /** The JMESPath expression of --query, already checked. */
  query?: string
  /** Colour for jsonc. */
  color: boolean
}

/** `--format` values of the old per-command option and what they mean now. */
const FORMAT_ALIASES: Record<string, OutputFormat> = { text: 'table', table: 'table', json: 'json', ndjson: 'ndjson', csv: 'csv', tsv: 'tsv', yaml: 'yaml', jsonc: 'jsonc' }

export function resolveOutput(values: { output?: unknown; json?: unknown; format?: unknown; query?: unknown }, env: Record<string, string | undefined>, color: boolean): OutputSettings {
  const asked: { flag: string; format: OutputFormat }[] = []
  if (typeof values.output === 'string') asked.push({ flag: `-o ${values.output}`, format: parseFormat(values.output, '--output') })
  if (values.json === true) asked.push({ flag: '--json', format: 'json' })
  if (typeof values.format === 'string') {
    const f = FORMAT_ALIASES[values.format.toLowerCase()]
    if (!f) throw new CliError('ERR_CLI_INVALID_OPTION', `unknown --format '${values.format.slice(0, 20)}'`, { hint: `use -o/--output with one of ${OUTPUT_FORMATS.join(', ')} (--format is deprecated)` })
    asked.push({ flag: `--format ${values.format}`, format: f })
  }
  const distinct = [...new Set(asked.map((a) => a.format))]
  if (distinct.length > 1) {
    throw new CliError('ERR_CLI_CONFLICTING_OPTIONS', `${asked.map((a) => a.flag).join(' and ')} ask for different output formats`, {
      hint: `give one: -o ${distinct.join(' or -o ')} (--json and --format are deprecated aliases of -o)`,
    })
  }
  let format: OutputFormat | undefined = distinct[0]
  const fromEnv = env.M365D_OUTPUT
  if (format === undefined && fromEnv) format = parseFormat(fromEnv, 'M365D_OUTPUT')
  const query = typeof values.query === 'string' ? checkQuery(values.query) : undefined
  return { format: format ?? 'table', explicit: format !== undefined, ...(query !== undefined && { query }), color }
}

function parseFormat(value: string, source: string): OutputFormat {
  const f = value.toLowerCase()
  if ((OUTPUT_FORMATS as readonly string[]).includes(f)) return f as OutputFormat
  throw new CliError('ERR_CLI_INVALID_OPTION', `unknown output format '${value.slice(0, 20)}' (${source})`, { hint: `use one of ${OUTPUT_FORMATS.join(', ')}` })
}

/** Compiles the JMESPath expression once, so a typo is a usage error before any request. */
function checkQuery(expression: string): string {
  try {
    compile(expression)
  } catch (cause) {
    throw new CliError('ERR_CLI_INVALID_QUERY', `--query is not a valid JMESPath expression: ${(cause as Error).message}`, {
      hint: "see https://jmespath.org/tutorial.html, e.g. --query '[].{id:id, title:title}'",
      cause,
    })
  }
  return expression
}

/**
 * Whether stdout gets ANSI colour: a terminal, no --no-color, no NO_COLOR and no TERM=dumb. NO_COLOR
 * counts only when set to something (https://no-color.org: "present and not an empty string").
 */
export function colorEnabled(tty: boolean, env: Record<string, string | undefined>, noColorFlag: unknown): boolean {
  return tty && noColorFlag !== true && !env.NO_COLOR && env.TERM !== 'dumb'
}

export type { JSONValue }
