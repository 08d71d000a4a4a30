import { AsyncLocalStorage } from 'node:async_hooks'

/**
 * Which daemon and tenant the code running now works for. The library's diagnostics events
 * (src/lib/diagnostics.ts) carry no tenant for HTTP calls; they are published synchronously in the
 * caller's async context, so a subscriber reads this store to attribute each call, retry and
 * throttle to the tenant whose pass made it — and to the right daemon when several share a process.
 */
export interface PassContext {
  daemon: object
  tenantId: string
}

export const passContext = new AsyncLocalStorage<PassContext>()
