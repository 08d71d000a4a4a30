// A real HTTP peer for pipeline tests: a node:http server answering from a script, so the client
// sees real sockets (resets, truncated bodies) without mocking fetch.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { ManualClock } from '../../src/lib/clock.js'

export type Reply =
  | { status?: number; headers?: Record<string, string>; body?: unknown }
  | 'reset'
  | 'truncate'
  | 'hang'

export interface Seen {
  method: string
  url: string
  authorization: string | undefined
  body: string
  headers: Record<string, string | string[] | undefined>
}

export interface Peer {
  url: string
  seen: Seen[]
  /** Replies used in order; the last one repeats. */
  script(...replies: Array<Reply | ((seen: Seen) => Reply)>): void
  close(): Promise<void>
}

export async function startPeer(): Promise<Peer> {
  let replies: Array<Reply | ((seen: Seen) => Reply)> = [{ body: { value: [] } }]
  const seen: Seen[] = []
  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    let body = ''
    for await (const chunk of req) body += chunk
    const s: Seen = { method: req.method ?? '', url: req.url ?? '', authorization: req.headers.authorization, body, headers: req.headers }
    seen.push(s)
    const r = replies.length > 1 ? replies.shift()! : replies[0]!
    const reply = typeof r === 'function' ? r(s) : r
    if (reply === 'reset') return req.socket.destroy()
    if (reply === 'hang') return
    if (reply === 'truncate') {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' })
      res.write('{"value":[{"incidentId":1')
      setTimeout(() => req.socket.destroy(), 5)
      return
    }
    const text = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body ?? {})
    res.writeHead(reply.status ?? 200, { 'content-type': 'application/json', ...reply.headers })
    res.end(text)
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    url,
    seen,
    script: (...r) => {
      replies = r
      seen.length = 0
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}

/** Unsigned JWT-shaped token with the given claims (the client only reads `roles` from it). */
export function fakeToken(claims: Record<string, unknown>): string {
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url')
  return `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.sig`
}

/** A token source like src/auth TokenProvider: counts calls, mints a new token on forceRefresh. */
export function tokenSource(roles: string[] = ['Incident.Read.All']) {
  let n = 0
  const calls: Array<{ forceRefresh?: boolean }> = []
  let current = fakeToken({ roles, n })
  return {
    calls,
    roles,
    async getToken(req: { tenant: string; resource: string; forceRefresh?: boolean }) {
      calls.push({ ...(req.forceRefresh !== undefined && { forceRefresh: req.forceRefresh }) })
      if (req.forceRefresh) current = fakeToken({ roles: this.roles, n: ++n })
      return { token: current, expiresAt: Date.now() + 3_600_000 }
    },
  }
}

/** Waits (in real time, briefly) until the code under test sleeps on the manual clock. */
export async function untilSleeping(clock: ManualClock, count = 1): Promise<void> {
  for (let i = 0; i < 2000 && clock.pendingSleepers < count; i++) await new Promise((r) => setTimeout(r, 1))
  if (clock.pendingSleepers < count) throw new Error('code under test never slept')
}
