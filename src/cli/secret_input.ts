import { readFile, stat } from 'node:fs/promises'
import { platform } from 'node:os'
import { ConfigError } from './errors.js'

/**
 * Where secrets come in (issue 10 §6, issue 11): a file (`--client-secret-file`,
 * `clientSecretFile`, `webhookSecretFile`) or a piped stdin (`--client-secret-stdin`,
 * `m365d config set … --plaintext-secret`), never a command-line argument.
 */

/** The secret in a file: its first line (a trailing newline is what `echo` leaves). */
export async function readSecretFile(path: string, what: string, warn?: (text: string) => void): Promise<string> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (cause) {
    throw new ConfigError('ERR_CONFIG_SECRET_FILE_UNREADABLE', `cannot read the ${what} file ${path}: ${(cause as NodeJS.ErrnoException).code ?? 'error'}`, {
      hint: 'check the path and that the file is readable by you (chmod 600)',
      cause,
    })
  }
  if (warn && platform() !== 'win32') {
    const mode = (await stat(path)).mode
    if ((mode & 0o077) !== 0) warn(`the ${what} file ${path} is readable by group/others (mode ${(mode & 0o777).toString(8)}); run: chmod 600 ${path}`)
  }
  return text.split(/\r?\n/)[0]!
}

/** Reads stdin to the end; the secret is its first line (like `--password-stdin` of docker login). */
export async function readSecretStdin(stdin: AsyncIterable<string | Uint8Array> & { isTTY?: boolean }, option = '--client-secret-stdin'): Promise<string> {
  if (stdin.isTTY) {
    throw new ConfigError('ERR_CONFIG_SECRET_STDIN_TTY', `${option} needs the secret piped in, but stdin is a terminal`, {
      hint: 'e.g. pass < secret.txt, or: read -rs S && printf %s "$S" | m365d …',
    })
  }
  return (await readAll(stdin)).split(/\r?\n/)[0]!
}

/** Reads a whole stream as UTF-8. */
export async function readAll(stream: AsyncIterable<string | Uint8Array>): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk))
  return Buffer.concat(chunks).toString('utf8')
}
