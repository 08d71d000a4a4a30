import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { SyncDaemon } from './daemon.js'

/** An extra route on the ops port (the CLI mounts the admin-consent redirect here). */
export interface ExtraRoute {
  method: 'GET' | 'POST'
  /** Exact path, e.g. `/consent/callback`. */
  path: string
  handle(request: Request): Promise<Response> | Response
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
export async function startOpsServer(o: { daemon: SyncDaemon; port?: number; host?: string; routes?: ExtraRoute[] }): Promise<OpsServer> {
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

async function handle(o: { daemon: SyncDaemon; routes?: ExtraRoute[] }, req: IncomingMessage, res: ServerResponse): Promise<void> {
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
  if (get && url.pathname === '/metrics') return send(200, 'text/plain; version=0.0.4; charset=utf-8', await o.daemon.metricsText())
  if (get && url.pathname === '/status') return send(200, 'application/json', JSON.stringify(await o.daemon.refreshStatus()))
  const route = o.routes?.find((r) => r.path === url.pathname && (r.method === method || (r.method === 'GET' && method === 'HEAD')))
  if (route) {
    const chunks: Buffer[] = []
    for await (const c of req) chunks.push(c as Buffer)
    const headers = new Headers()
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers.set(k, v)
    const request = new Request(new URL(req.url ?? '/', `http://${req.headers.host ?? 'ops'}`), {
      method,
      headers,
      ...(method === 'POST' && { body: Buffer.concat(chunks) }),
    })
    const response = await route.handle(request)
    const out: Record<string, string> = {}
    response.headers.forEach((v, k) => (out[k] = v))
    res.writeHead(response.status, out)
    res.end(method === 'HEAD' ? undefined : Buffer.from(await response.arrayBuffer()))
    return
  }
  const known = ['/healthz', '/metrics', '/status', ...(o.routes ?? []).map((r) => r.path)]
  if (known.includes(url.pathname)) return send(405, 'application/json', JSON.stringify({ error: 'method not allowed' }))
  send(404, 'application/json', JSON.stringify({ error: 'not found', routes: known }))
}
