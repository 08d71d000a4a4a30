/**
 * Commands are data (style.md §14, after unjs/citty): a command is an object with its name, help
 * text, `node:util.parseArgs` options and a `run(ctx)` that returns an exit code. Only
 * src/cli/main.ts exits the process; everything else returns, so tests can drive `runMain`.
 */
import type { Feedback } from './output/feedback.js'
import { OUTPUT_FORMATS } from './output/options.js'
import type { Output, View } from './output/output.js'

/** Where a command reads and writes. `runMain` gets one; main.ts builds it from `process`. */
export interface CliIo {
  stdout: { write(chunk: string): unknown }
  stderr: { write(chunk: string): unknown }
  stdin: AsyncIterable<string | Uint8Array> & { isTTY?: boolean }
  env: Record<string, string | undefined>
  cwd: string
  /** Whether stdout is a terminal: decides if `m365d token` prints the raw token or a summary. */
  isTTY: boolean
  /** Aborted when the user asks the process to stop (SIGINT/SIGTERM); long-running commands watch it. */
  signal?: AbortSignal
}

/** One option, as `node:util.parseArgs` understands it, plus help text. */
export interface OptionSpec {
  type: 'string' | 'boolean'
  short?: string
  multiple?: boolean
  description: string
  /** Placeholder in help, e.g. `GUID` → `--tenant <GUID>`. */
  valueName?: string
  /** Kept out of help: options that exist only to be refused with a better error. */
  hidden?: boolean
  /**
   * The values shell completion offers. Optional: without it they come from a `a|b` valueName or
   * a description that starts `a | b | c` (see optionChoices in commands/completion.ts).
   */
  choices?: readonly string[]
}
export type OptionSpecs = Record<string, OptionSpec>

/** The parsed values of a command's options (absent when not given). */
export type OptionValues<O extends OptionSpecs> = {
  -readonly [K in keyof O]?: O[K] extends { type: 'boolean' } ? boolean : O[K] extends { multiple: true } ? string[] : string
}

/** Options every command accepts. */
export const globalOptions = {
  help: { type: 'boolean', short: 'h', description: 'Show help for this command' },
  output: {
    type: 'string',
    short: 'o',
    valueName: 'FORMAT',
    choices: OUTPUT_FORMATS,
    description: 'Output format: table (default) | json | jsonc | yaml | tsv | csv | ndjson (M365D_OUTPUT)',
  },
  query: { type: 'string', valueName: 'JMESPATH', description: "JMESPath query applied to the output, e.g. '[].{id:id, status:status}'" },
  json: { type: 'boolean', description: 'Deprecated: same as -o json' },
  format: { type: 'string', valueName: 'FORMAT', hidden: true, description: 'Deprecated: same as -o FORMAT' },
  'no-color': { type: 'boolean', description: 'No ANSI colours on stdout or in log lines (also NO_COLOR=1; never when piped)' },
  profile: { type: 'string', valueName: 'NAME', description: 'Use this profile of the config file (M365D_PROFILE; see m365d config use)' },
  verbose: { type: 'boolean', short: 'v', description: 'Print requests, token refreshes and retries on stderr (never tokens)' },
  debug: { type: 'boolean', description: 'Print stack traces with errors' },
} as const satisfies OptionSpecs
export type GlobalOptionValues = OptionValues<typeof globalOptions>

export interface CommandContext<O extends OptionSpecs = OptionSpecs> {
  /** Full command path for messages, e.g. `m365d token inspect`. */
  commandPath: string
  values: OptionValues<O> & GlobalOptionValues
  positionals: string[]
  io: CliIo
  /**
   * The command should produce its data document: a structured format (-o json|yaml|csv…) or a
   * --query was asked for. Then it hands the document to `printJson`/`output`, never prints text.
   */
  json: boolean
  /** The output layer (src/cli/output): -o, --query, the table renderer. */
  output: Output
  /** Steps, notices and live progress on stderr (spinners only on a terminal). */
  feedback: Feedback
  /** Whether to use ANSI colours on stdout (a TTY, no --no-color, no NO_COLOR: output/options.ts colorEnabled). */
  color: boolean
  /** Writes one line (a newline is added) to stdout. */
  print(text: string): void
  /** Writes `value` as the single data document of this run, in the -o format after --query. */
  printJson<D>(value: D, view?: View<D>): void
  /** Remembers a secret so error output can never echo it, whatever the error says. */
  registerSecret(value: string): void
  /** Writes `warning: …` to stderr. */
  warn(text: string): void
}

export interface Command<O extends OptionSpecs = OptionSpecs> {
  name: string
  /** One line, shown in command lists. */
  summary: string
  /** Arguments part of the usage line, e.g. `[TOKEN|-]`. */
  usage?: string
  /** Paragraphs shown in `--help` after the usage line. */
  description?: string
  examples?: string[]
  /** Words shell completion offers for the positional arguments (e.g. the config keys of `config set`). */
  completions?: readonly string[]
  options?: O
  subCommands?: Command<any>[]
  /** Returns the exit code (default 0). Throw an M365dError for failures; runMain formats it. */
  run?(ctx: CommandContext<O>): Promise<number | void> | number | void
}

/** Identity function that gives `run` typed option values. */
export function defineCommand<const O extends OptionSpecs = {}>(command: Command<O>): Command<O> {
  return command
}
