import { M365dError } from '../lib/errors.js'

/**
 * Exit codes of `m365d`, documented in docs/cli.md. Scripts switch on these, so they never change
 * meaning: add new ones at the end.
 */
export const ExitCode = {
  /** Success. */
  ok: 0,
  /** The command ran but the thing it checked is not OK (e.g. `token validate` on an invalid token). */
  checkFailed: 1,
  /** Bad command line, bad configuration, unreadable credential or malformed input. */
  usage: 2,
  /** The identity platform or the API answered with an error (AADSTS…, 401/403/404…). */
  server: 3,
  /** Network failure or timeout: nothing usable came back. */
  network: 4,
  /** A bug in m365d. */
  internal: 5,
} as const
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode]

/** A usage or configuration problem detected by the CLI itself (exit 2 unless told otherwise). */
export class CliError extends M365dError {
  readonly exitCode: ExitCode
  constructor(code: string, message: string, options: { hint?: string; cause?: unknown; exitCode?: ExitCode } = {}) {
    super(code, message, options)
    this.exitCode = options.exitCode ?? ExitCode.usage
  }

  override toJSON(): Record<string, unknown> {
    const { exitCode: _exitCode, ...rest } = super.toJSON()
    return rest
  }
}

/** Configuration errors: bad ids, unknown cloud, unreadable or invalid config file (exit 2). */
export class ConfigError extends CliError {}

/** Error codes whose exit code is not implied by their prefix (see {@link exitCodeFor}). */
const SERVER_CODES = new Set(['ERR_TOKEN_SERVER', 'ERR_TOKEN_THROTTLED', 'ERR_TOKEN_TENANT_MISMATCH', 'ERR_TOKEN_RESPONSE_INVALID', 'ERR_TOKEN_CREDENTIAL'])
const NETWORK_CODES = new Set(['ERR_TOKEN_NETWORK', 'ERR_HTTP_NETWORK', 'ERR_HTTP_TIMEOUT', 'ERR_TOKEN_TIMEOUT'])
const NODE_NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'ETIMEDOUT', 'EAI_AGAIN', 'EHOSTUNREACH', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_SOCKET'])

/**
 * Maps any thrown value to the documented exit code. Library errors are classified by their stable
 * `code`: identity/API answers → 3, transport failures → 4, caller mistakes → 2. Anything that is
 * not an {@link M365dError} is a bug (5), except the network errors `fetch` throws as `TypeError`.
 */
export function exitCodeFor(error: unknown): ExitCode {
  if (error instanceof CliError) return error.exitCode
  if (error instanceof M365dError) {
    const code = error.code
    if (NETWORK_CODES.has(code)) return ExitCode.network
    // Retries that never got an answer (refused, reset, timed out) are a network failure, not a server one.
    if (code === 'ERR_HTTP_RETRIES_EXHAUSTED' && (error as { lastStatus?: number }).lastStatus === undefined) return ExitCode.network
    if (SERVER_CODES.has(code) || code.startsWith('ERR_DEFENDER_') || code.startsWith('ERR_HTTP_')) return ExitCode.server
    if (code.startsWith('ERR_CHECK_')) return ExitCode.checkFailed
    return ExitCode.usage
  }
  if (isNetworkError(error)) return ExitCode.network
  return ExitCode.internal
}

/** `fetch` rejects with `TypeError('fetch failed')` whose cause carries the socket error code. */
export function isNetworkError(error: unknown): boolean {
  if (!(error instanceof Error)) return false
  if (error.name === 'TimeoutError' || error.name === 'AbortError') return true
  const cause = (error as { cause?: { code?: unknown } }).cause
  const code = (error as { code?: unknown }).code ?? cause?.code
  return (typeof code === 'string' && NODE_NETWORK_CODES.has(code)) || (error instanceof TypeError && error.message === 'fetch failed')
}
