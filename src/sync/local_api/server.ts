import { createHash, timingSafeEqual } from 'node:crypto'
import type { Queryable } from '../db/database.js'
import type { ExtraRoute } from '../daemon/ops_server.js'
import { M365dError } from '../../lib/errors.js'
import { REGISTRY_OPERATIONS, runRegistryOperation, type RegistryOperationName } from '../registry_operations.js'

/** Every local API path starts here; `POST {prefix}/registry/{operation}`, `POST {prefix}/daemon/{operation}`. */
export const LOCAL_API_PREFIX = '/local/v1'
const MAX_BODY = 1 << 20

/** An operation of the daemon itself (not of the store), e.g. a fresh console login URL. */
export type DaemonOperation = (input: Record<string, unknown>) => Promise<unknown> | unknown

/**
 * The daemon's local API (issue 9 §1): a thin transport over the registry operations
 * (src/sync/registry_operations.ts), run on the daemon's own store connection, plus a few daemon
 * operations. Served on the ops port, but only to this machine (the ops server refuses other peers
 * for `localOnly` routes) and only with the per-run credential from the discovery file (a bearer:
 * a web page cannot read it, so DNS rebinding or a cross-site form gets 401).
 */
export function localApiRoutes(o: { db: Queryable; credential: string; daemonOperations?: Record<string, DaemonOperation> }): ExtraRoute[] {
  const expected = sha256(o.credential)
  const authorized = (request: Request) => {
    const h = request.headers.get('authorization')
    return h !== null && h.startsWith('Bearer ') && timingSafeEqual(sha256(h.slice(7)), expected)
  }
  const route = (path: string, run: (input: Record<string, unknown>) => Promise<unknown>): ExtraRoute => ({
    method: 'POST',
    path,
    localOnly: true,
    async handle(request) {
      if (!authorized(request)) {
        return reply(401, { error: { code: 'ERR_LOCAL_API_UNAUTHORIZED', message: 'the local API needs the credential from the discovery file', hint: `the m365d CLI reads it from m365d-api.json in the daemon's data directory` } }, { 'www-authenticate': 'Bearer realm="m365d-local"' })
      }
      if (!(request.headers.get('content-type') ?? '').startsWith('application/json')) return reply(415, { error: { code: 'ERR_LOCAL_API_BODY', message: 'send a JSON body (content-type: application/json)' } })
      const text = await request.text()
      if (text.length > MAX_BODY) return reply(413, { error: { code: 'ERR_LOCAL_API_BODY', message: 'request body too large' } })
      let input: unknown
      try {
        input = text === '' ? {} : JSON.parse(text)
      } catch {
        return reply(400, { error: { code: 'ERR_LOCAL_API_BODY', message: 'the body is not JSON' } })
      }
      if (typeof input !== 'object' || input === null || Array.isArray(input)) return reply(400, { error: { code: 'ERR_LOCAL_API_BODY', message: 'the body must be a JSON object' } })
      try {
        return reply(200, { result: (await run(input as Record<string, unknown>)) ?? null })
      } catch (e) {
        // The error as the direct path would have thrown it: its stable code, message and hint.
        if (e instanceof M365dError) return reply(409, { error: e.toJSON() })
        return reply(500, { error: { code: 'ERR_LOCAL_API_INTERNAL', message: e instanceof Error ? e.message : String(e) } })
      }
    },
  })
  const routes = (Object.keys(REGISTRY_OPERATIONS) as RegistryOperationName[]).map((name) => route(`${LOCAL_API_PREFIX}/registry/${name}`, (input) => runRegistryOperation(o.db, name, input as never)))
  for (const [name, op] of Object.entries(o.daemonOperations ?? {})) routes.push(route(`${LOCAL_API_PREFIX}/daemon/${name}`, async (input) => op(input)))
  return routes
}

function reply(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers } })
}

function sha256(s: string): Buffer {
  return createHash('sha256').update(s).digest()
}
