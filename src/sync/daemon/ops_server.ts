import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Readable } from 'node:stream'
import type { ReadableStream as WebReadableStream } from 'node:stream/web'
import type { SyncDaemon } from './daemon.js'

/** An extra route on the ops port (the CLI mounts the admin-consent redirect here). */
export interface ExtraRoute {
  method: 'GET' | 'POST'
  /** Exact path, e.g. `/consent/callback`. */
  path: string
  /** Only for peers on this machine (the daemon's local API): others get 403 whatever the bind. */
  localOnly?: boolean
  handle(request: Request): Promise<Response> | Response
}

/**
 * A web app mounted under a path prefix (the console, src/console): it gets every request under
 * `prefix`, may stream its responses (server-sent events), guards `/status`, and adds metrics.
 */
export interface MountedApp {
  prefix: string
  handle(request: Request): Promise<Response>
  /** Whether a request may read tenant data on the ops server's own routes (`/status`). */
  authorized(request: Request): boolean
  metricsText?(): Promise<string>
}

export interface OpsServer {
  url: string
  close(): Promise<void>
}

/**
 * The daemon's operations port:
 * - `GET /healthz` → 200 `{"status":"ok",…}` or 503 `{"status":"unhealthy",…}` when the scheduler
 *   loop is stuck or the database does not answer (for liveness probes and load balancers);
 * - `GET /metrics` → Prometheus text format 0.0.4;
 * - `GET /status` → the daemon's status as JSON (per tenant health, lag, last error with its fix);
 * - extra routes.
 * Binds 127.0.0.1 by default: metrics name tenants, so exposing them is a deliberate choice.
 */
export async function startOpsServer(o: { daemon: SyncDaemon; port?: number; host?: string; routes?: ExtraRoute[]; mount?: MountedApp }): Promise<OpsServer> {
  const host = o.host ?? '127.0.0.1'
  const server = createServer((req, res) => {
    handle(o, req, res).catch((e) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ error: 'internal', message: e instanceof Error ? e.message : String(e) }))
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(o.port ?? 0, host, () => resolve())
  })
  const { port } = server.address() as AddressInfo
  const shown = host.includes(':') ? `[${host}]` : host
  return {
    url: `http://${shown}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}

async function handle(o: { daemon: SyncDaemon; routes?: ExtraRoute[]; mount?: MountedApp }, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://ops')
  const method = req.method ?? 'GET'
  const send = (status: number, type: string, body: string) => {
    res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' })
    res.end(method === 'HEAD' ? undefined : body)
  }
  const get = method === 'GET' || method === 'HEAD'
  if (get && url.pathname === '/healthz') {
    const h = await o.daemon.health()
    const s = o.daemon.status()
    const body = { status: h.ok ? 'ok' : 'unhealthy', worker: s.worker.workerId, state: s.worker.state, checks: h.checks, leasesHeld: s.worker.leasesHeld.length, running: s.worker.running.length }
    return send(h.ok ? 200 : 503, 'application/json', JSON.stringify(body))
  }
  if (get && url.pathname === '/metrics') {
    const extra = o.mount?.metricsText ? await o.mount.metricsText().catch(() => '') : ''
    return send(200, 'text/plain; version=0.0.4; charset=utf-8', (await o.daemon.metricsText()) + extra)
  }
  if (get && url.pathname === '/status') {
    // Per-tenant health and errors are customers' data: with the console on, only its sessions
    // (or its token as a bearer) may read them.
    if (o.mount && !o.mount.authorized(await toRequest(req, method))) {
      res.writeHead(401, { 'content-type': 'application/json', 'cache-control': 'no-store', 'www-authenticate': 'Bearer realm="m365d"' })
      res.end(JSON.stringify({ error: 'unauthorized', hint: 'log in to the console (the URL printed at start, or a new one from m365d console url) or send Authorization: Bearer $M365D_CONSOLE_TOKEN' }))
      return
    }
    return send(200, 'application/json', JSON.stringify(await o.daemon.refreshStatus()))
  }
  if (o.mount && get && url.pathname === '/') {
    res.writeHead(302, { location: `${o.mount.prefix}/`, 'cache-control': 'no-store' })
    res.end()
    return
  }
  if (o.mount && (url.pathname === o.mount.prefix || url.pathname.startsWith(`${o.mount.prefix}/`))) {
    const controller = new AbortController()
    res.once('close', () => controller.abort())
    return write(res, method, await o.mount.handle(await toRequest(req, method, controller.signal)))
  }
  const route = o.routes?.find((r) => r.path === url.pathname && (r.method === method || (r.method === 'GET' && method === 'HEAD')))
  if (route?.localOnly && !fromThisMachine(req)) return send(403, 'application/json', JSON.stringify({ error: 'forbidden', hint: 'the local API answers only on this machine' }))
  if (route) return write(res, method, await route.handle(await toRequest(req, method)))
  const known = ['/healthz', '/metrics', '/status', ...(o.routes ?? []).map((r) => r.path), ...(o.mount ? [`${o.mount.prefix}/`] : [])]
  if (known.includes(url.pathname)) return send(405, 'application/json', JSON.stringify({ error: 'method not allowed' }))
  send(404, 'application/json', JSON.stringify({ error: 'not found', routes: known }))
}

/**
 * A loopback peer, or one connected to this host's own address (a bind to one interface is reached
 * from the machine itself through that address): what "local" means for the local API.
 */
function fromThisMachine(req: IncomingMessage): boolean {
  const peer = (req.socket.remoteAddress ?? '').replace(/^::ffff:/, '')
  const self = (req.socket.localAddress ?? '').replace(/^::ffff:/, '')
  return peer === '::1' || peer.startsWith('127.') || (peer !== '' && peer === self)
}

async function toRequest(req: IncomingMessage, method: string, signal?: AbortSignal): Promise<Request> {
  const hasBody = method !== 'GET' && method !== 'HEAD'
  const chunks: Buffer[] = []
  if (hasBody) for await (const c of req) chunks.push(c as Buffer)
  const headers = new Headers()
  for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers.set(k, v)
  return new Request(new URL(req.url ?? '/', `http://${req.headers.host ?? 'ops'}`), {
    method,
    headers,
    ...(hasBody && { body: Buffer.concat(chunks) }),
    ...(signal && { signal }),
  })
}

/** Writes a fetch Response, streaming its body (server-sent events stay open). */
async function write(res: ServerResponse, method: string, response: Response): Promise<void> {
  const out: Record<string, string | string[]> = {}
  response.headers.forEach((v, k) => (out[k] = v))
  const cookies = response.headers.getSetCookie()
  if (cookies.length) out['set-cookie'] = cookies
  res.writeHead(response.status, out)
  if (method === 'HEAD' || !response.body) {
    await response.body?.cancel().catch(() => undefined)
    res.end()
    return
  }
  if (response.headers.get('content-type')?.startsWith('text/event-stream')) {
    res.flushHeaders()
    const stream = Readable.fromWeb(response.body as unknown as WebReadableStream<Uint8Array>)
    res.once('close', () => stream.destroy())
    stream.pipe(res)
    return
  }
  res.end(Buffer.from(await response.arrayBuffer()))
}
