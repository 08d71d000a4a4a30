import diagnostics_channel from 'node:diagnostics_channel'
import { channels, type ChannelName } from '../lib/diagnostics.js'
import { redact } from '../lib/errors.js'

/** Fields never printed even if a publisher put them in a message by mistake. */
const SECRET_FIELDS = /token|secret|assertion|password|authorization|key$/i

/**
 * `--verbose`: subscribes to every library diagnostics channel (src/lib/diagnostics.ts) and prints
 * one line per event on stderr, e.g. `verbose token:request tenant=… resource=… endpointVersion=2`.
 * Only primitive fields are printed, secret-looking fields are dropped and values pass through
 * `redact`. Returns the unsubscribe function.
 */
export function subscribeVerbose(write: (line: string) => void): () => void {
  const handlers: [ChannelName, (message: unknown) => void][] = []
  for (const name of Object.keys(channels) as ChannelName[]) {
    const label = channels[name].name.toString().replace(/^m365d:/, '')
    const handler = (message: unknown) => write(`verbose ${label} ${formatFields(message)}\n`)
    diagnostics_channel.subscribe(channels[name].name, handler)
    handlers.push([name, handler])
  }
  return () => {
    for (const [name, handler] of handlers) diagnostics_channel.unsubscribe(channels[name].name, handler)
  }
}

function formatFields(message: unknown): string {
  if (typeof message !== 'object' || message === null) return ''
  const parts: string[] = []
  for (const [key, value] of Object.entries(message)) {
    if (SECRET_FIELDS.test(key) && key !== 'key') continue
    const shown = formatValue(key, value)
    if (shown !== undefined) parts.push(`${key}=${shown}`)
  }
  return parts.join(' ')
}

function formatValue(key: string, value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined
  if (value instanceof Error) return JSON.stringify(redact(`${(value as { code?: string }).code ?? value.name}: ${value.message}`))
  if (typeof value === 'number') return /At$/.test(key) && value > 1e12 ? new Date(value).toISOString() : String(value)
  if (typeof value === 'string') {
    const clean = redact(value)
    return /\s/.test(clean) ? JSON.stringify(clean) : clean
  }
  if (typeof value === 'boolean') return String(value)
  // Serialized errors (`error: err.toJSON()`): the stable code is what a reader needs.
  const code = (value as { code?: unknown }).code
  return typeof code === 'string' ? code : undefined
}
