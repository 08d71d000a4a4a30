/**
 * Log lines for people and for machines from one record: JSON lines (what log shippers read) when
 * stderr is not a terminal or with `--log-format json`, one readable line per record on a terminal
 * or with `--log-format human` (the pino / pino-pretty split, https://github.com/pinojs/pino-pretty).
 * The record is already sanitized by the logger (src/sync/daemon/logger.ts): this only lays it out.
 */
import { CliError } from '../errors.js'

export type LogFormat = 'human' | 'json'
export type LogRecord = { time: string; level: string; msg: string } & Record<string, unknown>

export const logFormatOption = {
  'log-format': { type: 'string', valueName: 'human|json', description: 'Log lines on stderr: human (default on a terminal) or json (default when piped)' },
} as const

/** `--log-format`, else M365D_LOG_FORMAT, else human on a terminal and json otherwise. */
export function resolveLogFormat(value: string | undefined, env: Record<string, string | undefined>, stderrIsTTY: boolean): LogFormat {
  const asked = value ?? (env.M365D_LOG_FORMAT || undefined)
  if (asked === undefined) return stderrIsTTY ? 'human' : 'json'
  if (asked === 'human' || asked === 'json') return asked
  throw new CliError('ERR_CLI_INVALID_OPTION', `unknown --log-format '${asked.slice(0, 20)}'`, { hint: 'use --log-format human or --log-format json' })
}

const LEVEL_COLOR: Record<string, string> = { debug: '\u001b[90m', info: '\u001b[36m', warn: '\u001b[33m', error: '\u001b[31m' }
/** Fields shown in the line's fixed part, not as key=value. */
const FIXED = new Set(['time', 'level', 'msg', 'worker', 'event'])

/** One record as a line (with its newline). */
export function formatLogRecord(record: LogRecord, format: LogFormat, options: { color?: boolean } = {}): string {
  if (format === 'json') return `${JSON.stringify(record)}\n`
  // 2026-12-03T04:05:06.789Z → 04:05:06 (UTC, as the JSON keeps the full time).
  const time = /T(\d{2}:\d{2}:\d{2})/.exec(record.time)?.[1] ?? record.time
  const level = record.level.toUpperCase().padEnd(5)
  const fields = Object.entries(record)
    .filter(([k, v]) => !FIXED.has(k) && v !== undefined && v !== null && v !== '')
    .map(([k, v]) => `${k}=${fieldText(v)}`)
    .join(' ')
  const shownLevel = options.color ? `${LEVEL_COLOR[record.level] ?? ''}${level}\u001b[0m` : level
  return `${time} ${shownLevel} ${record.msg}${fields ? `  ${fields}` : ''}\n`
}

function fieldText(v: unknown): string {
  if (typeof v === 'string') return /[\s"=]/.test(v) || v === '' ? JSON.stringify(v) : v
  if (typeof v === 'object') {
    const code = (v as { code?: unknown }).code
    return typeof code === 'string' ? code : JSON.stringify(v)
  }
  return String(v)
}
