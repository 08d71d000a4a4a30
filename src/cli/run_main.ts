import { inspect } from 'node:util'
import { M365dError, redact, registerSecret, scrubSecrets } from '../lib/errors.js'
import { globalOptions, type CliIo, type Command, type CommandContext } from './command.js'
import { commands } from './commands/index.js'
import { CliError, ExitCode, exitCodeFor } from './errors.js'
import { renderHelp, renderMainHelp } from './help.js'
import { Feedback } from './output/feedback.js'
import type { TerminalStream } from './output/live_region.js'
import { colorEnabled, resolveOutput } from './output/options.js'
import { Output, terminalWidth } from './output/output.js'
import { routeWarnings, warningText } from './output/warnings.js'
import { firstPositionalIndex, parseCommandArgs, quoteInput } from './parse.js'
import { closest } from './suggest.js'
import { DatabaseError } from '../sync/db/database.js'
import { describeServerError } from '../sync/db/pg_errors.js'
import { subscribeVerbose } from './verbose.js'
import { packageVersion } from './version.js'

const LEADING_FLAGS = new Set(['--json', '--verbose', '-v', '--debug'])
/** Global options with a value that may come before the command name: `m365d -o yaml config`. */
const LEADING_VALUED = new Set(['-o', '--output', '--query', '--format', '--profile'])

/**
 * Runs `m365d` with `argv` (without the node and script paths) and returns the exit code. Never
 * exits the process and never touches `process`: everything goes through `io`.
 */
export async function runMain(argv: string[], io: CliIo): Promise<number> {
  const secrets = new Set<string>()
  const json = wantsJsonErrors(argv)
  const debug = argv.includes('--debug')
  try {
    return await dispatch(argv, io, secrets)
  } catch (error) {
    return reportError(error, { io, json, debug, secrets })
  }
}

async function dispatch(argv: string[], io: CliIo, secrets: Set<string>): Promise<number> {
  // Global flags may come before the command name: `m365d --verbose token`, `m365d -o json config`.
  const at = argv.findIndex((a, i) => !a.startsWith('-') && !LEADING_VALUED.has(argv[i - 1] ?? ''))
  const leading = at === -1 ? argv : argv.slice(0, at)
  if (leading.includes('--version')) {
    io.stdout.write(`${packageVersion()}\n`)
    return ExitCode.ok
  }
  if (leading.includes('--help') || leading.includes('-h')) {
    io.stdout.write(renderMainHelp(packageVersion(), await loadAll()))
    return ExitCode.ok
  }
  const unknown = leading.find((a, i) => !LEADING_FLAGS.has(a) && !LEADING_VALUED.has(a) && !LEADING_VALUED.has(leading[i - 1] ?? '') && !/^(--output|--query|--format|--profile)=|^-o./.test(a))
  if (unknown !== undefined) {
    throw new CliError('ERR_CLI_UNKNOWN_OPTION', `unknown option '${unknown}'`, {
      hint: `global options: ${Object.keys(globalOptions).map((o) => `--${o}`).join(', ')}, --version; see m365d --help`,
    })
  }
  if (at === -1) {
    io.stderr.write(renderMainHelp(packageVersion(), await loadAll()))
    throw new CliError('ERR_CLI_NO_COMMAND', 'no command given', { hint: "run 'm365d --help' for the list of commands" })
  }
  const name = argv[at]!
  // `m365d help token inspect` is `m365d token inspect --help` (like git, gh, kubectl).
  if (name === 'help') {
    const rest = argv.slice(at + 1).filter((a) => !a.startsWith('-'))
    return dispatch(rest.length ? [...rest, '--help'] : ['--help'], io, secrets)
  }
  const load = commands[name]
  if (!load) {
    const suggestion = closest(name, Object.keys(commands))
    throw new CliError('ERR_CLI_UNKNOWN_COMMAND', `unknown command ${quoteInput(name)}`, {
      hint: suggestion ? `did you mean 'm365d ${suggestion}'?` : "run 'm365d --help' for the list of commands",
    })
  }
  let command: Command<any> = (await load()).default
  let commandPath = `m365d ${command.name}`
  let rest = [...leading, ...argv.slice(at + 1)]
  // Descend into subcommands: `m365d token inspect …`.
  for (;;) {
    const next = command.subCommands?.length ? firstPositionalIndex(command, rest) : -1
    const sub = next === -1 ? undefined : command.subCommands?.find((c) => c.name === rest[next])
    if (!sub) break
    command = sub
    commandPath += ` ${sub.name}`
    rest = [...rest.slice(0, next), ...rest.slice(next + 1)]
  }

  const { values, positionals } = parseCommandArgs(command, commandPath, rest)
  const strayWord = command.subCommands && !command.usage && positionals.length > 0
  if (values.help || !command.run || strayWord) {
    const help = renderHelp(command, commandPath)
    if (values.help) {
      io.stdout.write(help)
      return ExitCode.ok
    }
    const suggestion = positionals[0] && command.subCommands ? closest(positionals[0], command.subCommands.map((c) => c.name)) : undefined
    // A typo gets the error and a suggestion; a bare group command (no subcommand) gets its help.
    if (!positionals[0]) io.stderr.write(help)
    throw new CliError('ERR_CLI_UNKNOWN_COMMAND', positionals[0] ? `unknown command ${quoteInput(positionals[0])} for ${commandPath}` : `${commandPath} needs a command`, {
      hint: suggestion ? `did you mean '${commandPath} ${suggestion}'?` : `see ${commandPath} --help`,
    })
  }

  const ctx = createContext(command, commandPath, values, positionals, io, secrets)
  const unsubscribe = values.verbose ? subscribeVerbose((line) => ctx.feedback.notice(line)) : undefined
  const unroute = routeWarnings((w) => ctx.feedback.notice(warningText(w)))
  try {
    return (await command.run(ctx)) ?? ExitCode.ok
  } finally {
    unroute()
    unsubscribe?.()
  }
}

function createContext(
  command: Command<any>,
  commandPath: string,
  values: Record<string, unknown>,
  positionals: string[],
  io: CliIo,
  secrets: Set<string>,
): CommandContext {
  const color = colorEnabled(io.isTTY, io.env, values['no-color'])
  // Whatever a command prints, the configured secrets never reach stdout (a server may echo them).
  const stdout = { write: (chunk: string) => io.stdout.write(scrubSecrets(chunk)) }
  const output = new Output(resolveOutput(values, io.env, color), { stdout, stderr: io.stderr, tty: io.isTTY, width: terminalWidth(io) })
  const feedback = new Feedback(io.stderr as TerminalStream, { ascii: io.env.TERM === 'dumb' })
  return {
    commandPath,
    values: values as CommandContext['values'],
    positionals,
    io,
    json: output.structured,
    output,
    feedback,
    color,
    registerSecret: (value) => {
      secrets.add(value)
      registerSecret(value)
    },
    print: (text) => void stdout.write(`${text}\n`),
    printJson: (value, view) => output.print(value, view),
    warn: (text) => feedback.notice(`warning: ${text}`),
  }
}

/** Errors are also a JSON document on stdout when JSON output was asked for (`--json`, `-o json`). */
function wantsJsonErrors(argv: string[]): boolean {
  return argv.some((a, i) => a === '--json' || /^(--output=|-o=?)(json|jsonc)$/.test(a) || ((a === '-o' || a === '--output') && /^jsonc?$/.test(argv[i + 1] ?? '')))
}

function reportError(thrown: unknown, o: { io: CliIo; json: boolean; debug: boolean; secrets: Set<string> }): number {
  // A statement the database refused is the user's setup to fix, not a bug: its own code and fix.
  const db = describeServerError(thrown)
  const error = db ? new DatabaseError(db.code, db.message, { hint: db.hint, cause: thrown }) : thrown
  const exitCode = exitCodeFor(error)
  const scrub = (text: string) => {
    let out = redact(text)
    for (const s of o.secrets) if (s.length >= 4) out = out.split(s).join('[redacted]')
    return out
  }
  let code: string
  let message: string
  let hint: string | undefined
  if (error instanceof M365dError) {
    ;({ code, message, hint } = error)
  } else if (exitCode === ExitCode.network) {
    code = 'ERR_NETWORK'
    const cause = (error as { cause?: unknown }).cause
    message = `${(error as Error).message}${cause instanceof Error ? `: ${cause.message}` : ''}`
    hint = 'check the host name, the port and that the server is running (M365D_AUTHORITY_HOST / --authority-host)'
  } else {
    code = 'ERR_INTERNAL'
    message = error instanceof Error ? error.message : String(error)
    hint = 'this is a bug in m365d; please report it with the output of the same command run with --debug (tokens and secrets are redacted)'
  }
  const lines = [`error ${code}: ${message}`]
  if (hint) lines.push(`hint: ${hint}`)
  if (o.debug) lines.push(inspect(error, { depth: 4 }))
  o.io.stderr.write(scrub(lines.join('\n')) + '\n')
  if (o.json) {
    const body = error instanceof M365dError ? error.toJSON() : { code, message, ...(hint && { hint }) }
    o.io.stdout.write(scrub(JSON.stringify({ error: { ...body, exitCode } }, null, 2)) + '\n')
  }
  return exitCode
}

async function loadAll(): Promise<Command<any>[]> {
  return Promise.all(Object.values(commands).map(async (load) => (await load()).default))
}
