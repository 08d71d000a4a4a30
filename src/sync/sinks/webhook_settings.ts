import type { Sink } from './sink.js'
import { SinkError } from './sink.js'
import { SECRET_HINT } from './webhook_signature.js'
import { webhookSink, type WebhookSinkOptions } from './webhook_sink.js'

/**
 * The webhook sink as a command line or config file describes it: a URL, `Name: value` header
 * lines (`--sink-webhook-header 'x-api-key: …'`, like curl's `-H`), and the signing secret in its
 * `whsec_…` form (today `M365D_WEBHOOK_SECRET`; a config-file value goes in `secret` the same way). Every header value
 * and the secret are handed to `registerSecret` first, so the caller scrubs them from all output.
 */
export function webhookSinkFromSettings(o: {
  url: string
  headerLines?: readonly string[] | string
  secret?: string
  /** Where the secret came from, for messages (default `M365D_WEBHOOK_SECRET`). */
  secretFrom?: string
  registerSecret?: (value: string) => void
  name?: string
  /** Anything else of {@link WebhookSinkOptions} (tests: retry, fetch). */
  options?: Partial<WebhookSinkOptions>
}): Sink {
  const headers: Record<string, string> = {}
  for (const line of typeof o.headerLines === 'string' ? [o.headerLines] : (o.headerLines ?? [])) {
    const [name, value] = parseHeaderLine(line)
    if (value !== '') o.registerSecret?.(value)
    headers[name] = value
  }
  const secret = o.secret?.trim()
  if (!secret) throw new SinkError('ERR_SINK_CONFIG', 'the webhook sink needs a signing secret: every delivery is signed (Standard Webhooks)', { hint: SECRET_HINT })
  o.registerSecret?.(secret)
  for (const part of secret.split(/[\s,]+/)) if (part) o.registerSecret?.(part)
  return webhookSink({ ...o.options, url: o.url, secret, headers, ...(o.name !== undefined && { name: o.name }) })
}

/** `"x-api-key: v"` → `['x-api-key', 'v']`. The value is never part of an error message. */
export function parseHeaderLine(line: string): [string, string] {
  const colon = line.indexOf(':')
  const name = colon < 0 ? '' : line.slice(0, colon).trim()
  // Without a colon the whole line may be the secret: it is not echoed.
  if (name === '') throw new SinkError('ERR_SINK_CONFIG', "a webhook header is not in the 'Name: value' form", { hint: "e.g. --sink-webhook-header 'x-api-key: <key>'" })
  return [name, line.slice(colon + 1).trim()]
}
