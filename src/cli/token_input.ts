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
  o: {
    positional?: string
    file?: string
    io: CliIo
    commandPath: string
    stdinIfPiped: boolean
    /** Without '-': give up on a piped stdin that sends nothing (and has not ended) within this time. */
    idleStdinMs?: number
    onIdleStdin?: () => void
  },
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
  if (o.positional === '-') return readAll(o.io.stdin)
  if (o.positional === undefined && o.stdinIfPiped && !o.io.stdin.isTTY) {
    const text = o.idleStdinMs === undefined ? await readAll(o.io.stdin) : await readUnlessIdle(o.io.stdin, o.idleStdinMs)
    if (text === undefined) {
      o.onIdleStdin?.()
      return undefined
    }
    return text.trim() === '' ? undefined : text
  }
  return o.positional
}

/** Reads the stream to its end, unless neither data nor the end arrives within `idleMs` (then undefined). */
async function readUnlessIdle(stream: AsyncIterable<string | Uint8Array>, idleMs: number): Promise<string | undefined> {
  const iterator = stream[Symbol.asyncIterator]()
  let timer: NodeJS.Timeout | undefined
  const idle = new Promise<'idle'>((resolve) => {
    timer = setTimeout(() => resolve('idle'), idleMs)
    timer.unref?.()
  })
  const first = await Promise.race([iterator.next(), idle])
  clearTimeout(timer)
  if (first === 'idle') return undefined
  const chunks: Buffer[] = []
  for (let r = first; !r.done; r = await iterator.next()) chunks.push(Buffer.from(r.value))
  return Buffer.concat(chunks).toString('utf8')
}
