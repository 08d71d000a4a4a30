import { randomBytes } from 'node:crypto'
import type { EmulatorContext } from '../app.js'
import type { ConsentRequest } from './consent_request.js'

/**
 * One-time form tokens for the consent page (the real page calls its hidden field `flowToken`).
 * A POST is honoured only with a token this emulator issued for a page it served, at most once and
 * within 15 minutes, so another site cannot forge an Accept (CSRF) and a page cannot be replayed.
 * Pending requests live per emulator instance, beside (not inside) the shared context.
 */
const TTL_MS = 15 * 60_000
const MAX_PENDING = 1000

interface Pending {
  request: ConsentRequest
  expiresAt: number
}

const stores = new WeakMap<EmulatorContext, Map<string, Pending>>()

function store(ctx: EmulatorContext): Map<string, Pending> {
  let s = stores.get(ctx)
  if (!s) stores.set(ctx, (s = new Map()))
  return s
}

export function issueFlowToken(ctx: EmulatorContext, request: ConsentRequest): string {
  const s = store(ctx)
  const now = ctx.clock.now()
  for (const [k, p] of s) if (p.expiresAt <= now) s.delete(k)
  // Oldest first (Map keeps insertion order): an abandoned-page flood cannot grow memory unbounded.
  while (s.size >= MAX_PENDING) s.delete(s.keys().next().value!)
  const token = randomBytes(32).toString('base64url')
  s.set(token, { request, expiresAt: now + TTL_MS })
  return token
}

/** Returns the pending request and forgets the token, or undefined if unknown, used or expired. */
export function redeemFlowToken(ctx: EmulatorContext, token: string): ConsentRequest | undefined {
  const s = store(ctx)
  const pending = s.get(token)
  if (!pending) return undefined
  s.delete(token)
  return pending.expiresAt > ctx.clock.now() ? pending.request : undefined
}
