/**
 * Token-endpoint rate limit per client id (`config.tokenRateLimit`, off by default): a sliding
 * window of `requests` per `perSeconds` on the emulator clock. Over the limit the real service
 * answers `429` with `Retry-After: 60` and the plain-text body `Too Many Requests`
 * (entra-app-only.md §8.1); here Retry-After is the time until the window has room again (at most
 * 60 s, at least 1 s), so a configured short window does not stall clients for a minute.
 * One instance per emulator (its context).
 */
export class TokenThrottle {
  readonly #byClient = new Map<string, number[]>()

  /** Records one issuance for the client; returns the Retry-After seconds when over the limit. */
  take(limit: { requests: number; perSeconds: number } | undefined, clientId: string, now: number): number | undefined {
    if (!limit || !(limit.requests > 0) || !(limit.perSeconds > 0)) return undefined
    const windowMs = limit.perSeconds * 1000
    const stamps = (this.#byClient.get(clientId) ?? []).filter((t) => now - t < windowMs)
    this.#byClient.set(clientId, stamps)
    if (stamps.length >= limit.requests) {
      const freeAt = stamps[stamps.length - limit.requests]! + windowMs
      return Math.min(60, Math.max(1, Math.ceil((freeAt - now) / 1000)))
    }
    stamps.push(now)
    return undefined
  }
}

export function throttledResponse(retryAfter: number): Response {
  return new Response('Too Many Requests', {
    status: 429,
    headers: { 'content-type': 'text/plain', 'retry-after': String(retryAfter), 'x-ms-request-id': crypto.randomUUID() },
  })
}
