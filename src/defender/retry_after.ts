/**
 * How long the server asked us to wait, in ms: the `Retry-After` header (delta-seconds or an
 * HTTP-date, RFC 9110 §10.2.3), else the "You can send requests again in N seconds" sentence the
 * Defender 429 body carries instead (defender-api.md §6: the header is documented only for MDE).
 */
export function retryAfterMs(headers: Headers, bodyText: string | undefined, now: number): number | undefined {
  const header = headers.get('retry-after')?.trim()
  if (header) {
    if (/^\d+(\.\d+)?$/.test(header)) return Math.round(Number(header) * 1000)
    const date = Date.parse(header)
    if (Number.isFinite(date)) return Math.max(0, date - now)
  }
  if (bodyText) {
    const m = /again in (\d+(?:\.\d+)?) ?(seconds?|secs?|s|minutes?|mins?)\b/i.exec(bodyText)
    if (m) return Math.round(Number(m[1]) * (m[2]!.toLowerCase().startsWith('m') ? 60_000 : 1000))
  }
  return undefined
}

/** Capped exponential backoff with full jitter: uniform in [0, min(cap, base·2^(attempt-1))]. */
export function backoffMs(attempt: number, baseMs: number, capMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1))
  return Math.floor(random() * ceiling)
}
