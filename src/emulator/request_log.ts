import { redact } from '../lib/errors.js'

export interface LoggedRequest {
  seq: number
  time: string
  method: string
  /** Path and query (query values of secret-bearing parameters redacted). */
  url: string
  host: string
  /** Route group that served it (`token`, `discovery`, `control`, `defender`, …). */
  group: string
  status: number
  /** Header names lower-cased; `authorization` value reduced to its scheme. */
  headers: Record<string, string>
  /** Form / JSON body with secrets, assertions and tokens redacted (first 8 KiB). */
  body?: string
  durationMs: number
}

/** A bounded ring of the requests the emulator received, for tests and the control API. */
export class RequestLog {
  #entries: LoggedRequest[] = []
  #seq = 0

  constructor(private readonly capacity = 10_000) {}

  record(entry: Omit<LoggedRequest, 'seq'>): void {
    this.#entries.push({ seq: ++this.#seq, ...entry })
    if (this.#entries.length > this.capacity) this.#entries.splice(0, this.#entries.length - this.capacity)
  }

  list(filter: { group?: string; since?: number } = {}): LoggedRequest[] {
    return this.#entries.filter((e) => (!filter.group || e.group === filter.group) && (!filter.since || e.seq > filter.since))
  }

  clear(): void {
    this.#entries = []
  }
}

/** Headers whose values cannot carry a credential: logged as they came, without the regex pass. */
const PLAIN_HEADERS = new Set(['host', 'content-type', 'content-length', 'accept', 'accept-encoding', 'accept-language', 'connection', 'user-agent', 'client-request-id', 'return-client-request-id', 'x-client-sku', 'x-client-ver', 'x-client-os', 'x-client-cpu', 'sec-fetch-mode'])

export function sanitizeHeaders(headers: Headers): Record<string, string> {
  const out: Record<string, string> = {}
  headers.forEach((value, key) => {
    out[key] = key === 'authorization' ? `${value.split(' ')[0]} [redacted]` : PLAIN_HEADERS.has(key) ? value : redact(value)
  })
  return out
}

/** Parameters whose values are credentials, by their decoded, lower-cased name. */
const SECRET_NAMES = new Set(['client_secret', 'client_assertion', 'access_token', 'refresh_token', 'id_token', 'password', 'flowtoken', 'code', 'assertion'])

/**
 * A form body (or query) with every credential value replaced. Names are compared after form
 * decoding, so `client%5Fsecret=…` — which the token endpoint decodes to `client_secret` — is
 * caught too; `redact` then removes anything token-shaped left anywhere.
 */
export function sanitizeBody(text: string): string {
  const head = text.length > 8192 ? text.slice(0, 8192) : text
  return redact(head.split('&').map(redactPair).join('&')).replace(JSON_SECRET, '$1"[redacted]"')
}

/** Path and query: the query's credential parameters redacted like a form body. */
export function sanitizeUrl(pathAndQuery: string): string {
  const q = pathAndQuery.indexOf('?')
  return q < 0 ? redact(pathAndQuery) : `${redact(pathAndQuery.slice(0, q))}?${sanitizeBody(pathAndQuery.slice(q + 1))}`
}

const JSON_SECRET = /("(?:client_secret|client_assertion|access_token|refresh_token|id_token|password|secret)"\s*:\s*)"(?:[^"\\]|\\.)*"/gi

function redactPair(pair: string): string {
  const eq = pair.indexOf('=')
  if (eq < 0) return pair
  const name = formDecode(pair.slice(0, eq)).trim().toLowerCase()
  return SECRET_NAMES.has(name) ? `${pair.slice(0, eq)}=[redacted]` : pair
}

function formDecode(s: string): string {
  const plus = s.replace(/\+/g, ' ')
  try {
    return decodeURIComponent(plus)
  } catch {
    return plus.replace(/%([0-9a-f]{2})/gi, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)))
  }
}
