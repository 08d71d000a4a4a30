import { readFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import type { CliIo } from './command.js'
import { readAll } from './config.js'
import { CliError } from './errors.js'

/**
 * Where `token inspect` / `token validate` read the token: the TOKEN argument, `-` (stdin),
 * `--file FILE`, or stdin when it is piped. Returns undefined when none applies, so the caller can
 * decide (validate then acquires a token from the configured credentials).
 */
export async function readTokenInput(
  o: { positional?: string; file?: string; io: CliIo; commandPath: string; stdinIfPiped: boolean },
): Promise<string | undefined> {
  if (o.positional !== undefined && o.file !== undefined) {
    throw new CliError('ERR_CLI_CONFLICTING_OPTIONS', 'give the token either as an argument or with --file, not both', { hint: `see ${o.commandPath} --help` })
  }
  if (o.file !== undefined) {
    try {
      return await readFile(resolve(o.io.cwd, o.file), 'utf8')
    } catch (cause) {
      throw new CliError('ERR_CLI_FILE_UNREADABLE', `cannot read ${o.file}: ${(cause as NodeJS.ErrnoException).code ?? 'error'}`, { hint: 'check the path and permissions', cause })
    }
  }
  if (o.positional === '-' || (o.positional === undefined && o.stdinIfPiped && !o.io.stdin.isTTY)) {
    const text = await readAll(o.io.stdin)
    if (text.trim() === '' && o.positional !== '-') return undefined
    return text
  }
  return o.positional
}
