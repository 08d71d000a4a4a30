import { CliError } from '../errors.js'

export { appOptions, storageFlags, storageOptions } from '../app_settings.js'

/** `60s`, `5m`, `2h`, `30d` or plain milliseconds → ms. */
export function parseDuration(value: string, option: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(value.trim())
  if (!m) {
    throw new CliError('ERR_CLI_INVALID_DURATION', `--${option} '${value.slice(0, 20)}' is not a duration`, { hint: 'e.g. 500ms, 60s, 5m, 2h, 30d' })
  }
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[(m[2] ?? 'ms') as 'ms']
  return Math.round(Number(m[1]) * unit)
}

export function parseCount(value: string, option: string, min = 1): number {
  const n = Number(value)
  if (!/^\d+$/.test(value) || n < min) throw new CliError('ERR_CLI_INVALID_OPTION', `--${option} '${value.slice(0, 20)}' is not a whole number ≥ ${min}`, { hint: `e.g. --${option} 8` })
  return n
}
