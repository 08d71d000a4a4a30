import { SinkError } from './sink.js'

/**
 * The extra headers of the webhook sink (`x-api-key`, `Authorization` …), as one place parses,
 * checks and shows them: the `--sink-webhook-header 'Name: value'` flag (curl's `-H` form), the
 * `webhookHeaders` config key and M365D_WEBHOOK_HEADERS all end up as the same `Name: value` lines.
 * Kept free of network and database code: the CLI's configuration loads it on every command.
 *
 * Values are never part of an error message: a header line is often an API key.
 */

/** Set by the sink itself: a header of the same name would break the signature or the body. */
const RESERVED_HEADERS = new Set(['content-type', 'content-length', 'transfer-encoding', 'host', 'connection', 'idempotency-key', 'webhook-id', 'webhook-timestamp', 'webhook-signature'])
/** RFC 9110 §5.6.2 token: what a header field name may hold. */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/

/** `"x-api-key: v"` → `['x-api-key', 'v']`. */
export function parseHeaderLine(line: string): [string, string] {
  const colon = line.indexOf(':')
  const name = colon < 0 ? '' : line.slice(0, colon).trim()
  // Without a colon the whole line may be the secret: it is not echoed.
  if (name === '') throw new SinkError('ERR_SINK_CONFIG', "a webhook header is not in the 'Name: value' form", { hint: "e.g. --sink-webhook-header 'x-api-key: <key>'" })
  return [name, line.slice(colon + 1).trim()]
}

/**
 * A header set as text: `Name: value` lines, or a JSON object `{"Name": "value"}` (the form the
 * config file stores, also accepted in M365D_WEBHOOK_HEADERS where a newline is awkward).
 * Returns the checked headers, names lower-cased (HTTP names are case-insensitive).
 */
export function parseHeaderText(text: string): Record<string, string> {
  const trimmed = text.trim()
  if (trimmed.startsWith('{')) {
    let obj: unknown
    try {
      obj = JSON.parse(trimmed)
    } catch {
      throw new SinkError('ERR_SINK_CONFIG', 'the webhook headers start with { but are not a JSON object', { hint: '{"x-api-key": "…"}, or one Name: value per line' })
    }
    if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) throw new SinkError('ERR_SINK_CONFIG', 'the webhook headers must be a JSON object of name → value')
    return checkWebhookHeaders(obj as Record<string, string>)
  }
  return checkWebhookHeaders(Object.fromEntries(trimmed.split(/\r?\n/).filter((l) => l.trim() !== '').map(parseHeaderLine)))
}

/** The `Name: value` lines of a header set (the configuration's one in-memory form). */
export function headerLines(headers: Record<string, string>): string {
  return Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}`)
    .join('\n')
}

/** Header names must be HTTP tokens and values single-line strings; names the sink sets itself are refused. */
export function checkWebhookHeaders(headers: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [rawName, value] of Object.entries(headers)) {
    const name = rawName.trim().toLowerCase()
    if (!TOKEN.test(name)) throw new SinkError('ERR_SINK_CONFIG', `webhook header name ${JSON.stringify(rawName.slice(0, 40))} is not a valid HTTP header name`, { hint: 'letters, digits and - (e.g. x-api-key)' })
    if (RESERVED_HEADERS.has(name)) throw new SinkError('ERR_SINK_CONFIG', `webhook header ${name} is set by the sink itself`, { hint: 'content type, idempotency key and the webhook-* signature headers cannot be overridden' })
    if (typeof value !== 'string') throw new SinkError('ERR_SINK_CONFIG', `webhook header ${name} must have a string value`)
    if (/[\r\n\0]/.test(value)) throw new SinkError('ERR_SINK_CONFIG', `webhook header ${name} has a value with a line break or NUL`)
    out[name] = value.trim()
  }
  return out
}

/**
 * Whether a header's value is to be treated as a secret: credential-bearing names (Authorization,
 * Proxy-Authorization, Cookie, anything with key, token, secret, auth, password, signature,
 * credential or session in it — x-api-key, api_key, x-auth-token, ocp-apim-subscription-key …) or
 * a value that looks like a token (20+ characters without a space). Others (x-source: mssp) may be shown.
 */
export function isSecretHeader(name: string, value: string): boolean {
  if (/auth|key|token|secret|passw|cookie|signature|credential|session/i.test(name)) return true
  return /^\S{20,}$/.test(value.trim())
}

/** A header set for display: secret values as `(hidden)`, e.g. `x-api-key: (hidden), x-source: mssp`. */
export function shownHeaders(headers: Record<string, string>): string {
  return Object.entries(headers)
    .map(([name, value]) => `${name}: ${isSecretHeader(name, value) ? '(hidden)' : value}`)
    .join(', ')
}
