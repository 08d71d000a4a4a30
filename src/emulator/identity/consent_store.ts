import { randomBytes } from 'node:crypto'

/**
 * One-time form tokens for the consent page (the real page calls its hidden field `flowToken`).
 * A POST is honoured only with a token this emulator issued for a page it served, at most once and
 * within 15 minutes, so another site cannot forge an Accept (CSRF) and a page cannot be replayed.
 * One instance per emulator (its context).
 */
const TTL_MS = 15 * 60_000
const MAX_PENDING = 1000

export class ConsentFlows<R> {
  readonly #pending = new Map<string, { request: R; expiresAt: number }>()

  issue(request: R, now: number): string {
    const s = this.#pending
    for (const [k, p] of s) if (p.expiresAt <= now) s.delete(k)
    // Oldest first (Map keeps insertion order): an abandoned-page flood cannot grow memory unbounded.
    while (s.size >= MAX_PENDING) s.delete(s.keys().next().value!)
    const token = randomBytes(32).toString('base64url')
    s.set(token, { request, expiresAt: now + TTL_MS })
    return token
  }

  /** Returns the pending request and forgets the token, or undefined if unknown, used or expired. */
  redeem(token: string, now: number): R | undefined {
    const pending = this.#pending.get(token)
    if (!pending) return undefined
    this.#pending.delete(token)
    return pending.expiresAt > now ? pending.request : undefined
  }
}
