import { TokenError } from '../../auth/index.js'
import { DefenderForbiddenError, RetriesExhaustedError } from '../../defender/index.js'
import { M365dError } from '../../lib/errors.js'

/**
 * What a failed pass means for the tenant, and when to try again. A tenant whose consent was
 * revoked or whose roles are missing is marked with the fix and retried with backoff while the
 * other tenants continue (issue 4 §3).
 */
export type TenantHealth = 'ok' | 'not_consented' | 'missing_roles' | 'throttled' | 'auth_error' | 'error'

export interface ClassifiedError {
  health: TenantHealth
  code: string
  message: string
  hint?: string
  /** Server-requested wait, when there was one. */
  retryAfterMs?: number
}

export function classifyError(e: unknown): ClassifiedError {
  const base = {
    code: e instanceof M365dError ? e.code : 'ERR_UNEXPECTED',
    message: e instanceof Error ? e.message : String(e),
    ...(e instanceof M365dError && e.hint !== undefined && { hint: e.hint }),
  }
  if (e instanceof TokenError) {
    // AADSTS700016: the app has no service principal in the tenant — never consented or revoked.
    if (e.errorCodes.includes(700016)) return { ...base, health: 'not_consented' }
    if (e.status === 429 || e.retryAfterMs !== undefined) return { ...base, health: 'throttled', ...(e.retryAfterMs !== undefined && { retryAfterMs: e.retryAfterMs }) }
    return { ...base, health: 'auth_error' }
  }
  if (e instanceof DefenderForbiddenError) return { ...base, health: 'missing_roles' }
  if (e instanceof RetriesExhaustedError && e.lastStatus === 429)
    return { ...base, health: 'throttled', ...(e.retryAfterMs !== undefined && { retryAfterMs: e.retryAfterMs }) }
  return { ...base, health: 'error' }
}

/**
 * Delay before the next attempt after `failures` consecutive failures: the server's wait when it
 * gave one, else capped exponential backoff with jitter (1 min → 1 h; configuration problems like
 * missing consent start slower, since a human has to act).
 */
export function backoffMs(classified: ClassifiedError, failures: number, random: () => number = Math.random): number {
  if (classified.retryAfterMs !== undefined) return classified.retryAfterMs
  const first = classified.health === 'not_consented' || classified.health === 'missing_roles' ? 5 * 60_000 : 60_000
  const cap = 3_600_000
  const exp = Math.min(cap, first * 2 ** Math.max(0, failures - 1))
  return Math.round(exp / 2 + random() * (exp / 2))
}
