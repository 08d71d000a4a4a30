import type { Sink } from './sink.js'
import { SinkError } from './sink.js'
import { SECRET_HINT } from './webhook_signature.js'
import { parseHeaderLine, parseHeaderText } from './webhook_headers.js'
import { webhookSink, type WebhookSinkOptions } from './webhook_sink.js'

export { parseHeaderLine }

/**
 * The webhook sink as a command line or config file describes it: a URL, `Name: value` header
 * lines (`--sink-webhook-header 'x-api-key: …'`, like curl's `-H`), and the signing secret in its
 * `whsec_…` form (today `M365D_WEBHOOK_SECRET`; a config-file value goes in `secret` the same way). Every header value
 * and the secret are handed to `registerSecret` first, so the caller scrubs them from all output.
 */
export function webhookSinkFromSettings(o: {
  url: string
  /** `Name: value` lines (an array: one per element; a string: newline-separated, or a JSON object). */
  headerLines?: readonly string[] | string
  secret?: string
  /** Where the secret came from, for messages (default `M365D_WEBHOOK_SECRET`). */
  secretFrom?: string
  registerSecret?: (value: string) => void
  name?: string
  /** Anything else of {@link WebhookSinkOptions} (tests: retry, fetch). */
  options?: Partial<WebhookSinkOptions>
}): Sink {
  // One string is a header set (lines, or the config file's JSON object); an array is one line each.
  const headers = parseHeaderText(typeof o.headerLines === 'string' ? o.headerLines : (o.headerLines ?? []).join('\n'))
  for (const value of Object.values(headers)) if (value !== '') o.registerSecret?.(value)
  const secret = o.secret?.trim()
  if (!secret) throw new SinkError('ERR_SINK_CONFIG', 'the webhook sink needs a signing secret: every delivery is signed (Standard Webhooks)', { hint: SECRET_HINT })
  o.registerSecret?.(secret)
  for (const part of secret.split(/[\s,]+/)) if (part) o.registerSecret?.(part)
  return webhookSink({ ...o.options, url: o.url, secret, headers, ...(o.name !== undefined && { name: o.name }) })
}
