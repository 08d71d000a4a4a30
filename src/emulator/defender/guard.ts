/**
 * The Defender/Graph incidents and alerts front of every call: authenticate, authorize, count
 * against the per app+tenant quota (429 with the real body and Retry-After, defender-api.md §6).
 */
import { authenticate, requireRole, type Principal } from '../api/auth.js'
import { fail, graphThrottled, type RequestInfo } from '../api/responses.js'
import type { EmulatorContext } from '../context.js'
import { formatWindow, type DefenderOperation } from './limits.js'

export async function guard(req: Request, ctx: EmulatorContext, info: RequestInfo, operation: DefenderOperation, anyOfRoles: string[]): Promise<Principal> {
  const principal = await authenticate(req, ctx, info)
  requireRole(info, principal, anyOfRoles)
  const s = ctx.defender
  const throttled = s.limiter.take(s.limits, { tenantId: principal.tenantId, appId: principal.appId, operation }, ctx.clock.now())
  if (throttled) {
    const seconds = throttled.retryAfterSeconds
    const headers = { 'retry-after': String(seconds) }
    if (info.surface === 'legacy')
      fail(info, 429, '429', `API calls quota exceeded! maximum allowed ${throttled.quota.limit} per ${formatWindow(throttled.quota.windowMs)}. You can send requests again in ${seconds} seconds.`, headers)
    graphThrottled(info, seconds, `Too many requests: maximum allowed ${throttled.quota.limit} per ${formatWindow(throttled.quota.windowMs)}. Please retry again later (after ${seconds} seconds).`)
  }
  return principal
}
