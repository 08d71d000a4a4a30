import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import { Readable } from 'node:stream'
import type { Emulator } from './app.js'
import { ConnectionReset } from './faults.js'

export interface ServeOptions {
  /** Port to listen on; 0 (default) picks a free one. */
  port?: number
  /** Interface to bind (default 127.0.0.1). */
  host?: string
  /** Serve HTTPS with this certificate chain and key (PEM). */
  tls?: { certificatePem: string; privateKeyPem: string }
}

export interface RunningEmulator {
  /** Base URL, e.g. `http://127.0.0.1:43210` (no trailing slash). */
  url: string
  port: number
  server: Server
  close(): Promise<void>
}

/** Binds the emulator's `fetch` app to a real port with node:http / node:https. */
export async function serve(emulator: Emulator, options: ServeOptions = {}): Promise<RunningEmulator> {
  const host = options.host ?? '127.0.0.1'
  const listener = (req: IncomingMessage, res: ServerResponse) => void dispatch(emulator, req, res, options.tls ? 'https' : 'http')
  const server: Server = options.tls
    ? createHttpsServer({ cert: options.tls.certificatePem, key: options.tls.privateKeyPem }, listener)
    : createHttpServer(listener)
  server.keepAliveTimeout = 5_000
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, host, () => resolve())
  })
  const port = (server.address() as AddressInfo).port
  const urlHost = host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host
  return {
    url: `${options.tls ? 'https' : 'http'}://${urlHost}:${port}`,
    port,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}

async function dispatch(emulator: Emulator, req: IncomingMessage, res: ServerResponse, protocol: string): Promise<void> {
  try {
    const url = `${protocol}://${req.headers.host ?? 'localhost'}${req.url ?? '/'}`
    const hasBody = req.method !== 'GET' && req.method !== 'HEAD'
    const headers = new Headers()
    for (let i = 0; i < req.rawHeaders.length; i += 2) headers.append(req.rawHeaders[i]!, req.rawHeaders[i + 1]!)
    const request = new Request(url, {
      method: req.method ?? 'GET',
      headers,
      ...(hasBody && { body: Readable.toWeb(req) as ReadableStream, duplex: 'half' }),
    } as RequestInit)
    const response = await emulator.handle(request)
    const outHeaders: Record<string, string | string[]> = {}
    response.headers.forEach((value, key) => {
      if (key === 'x-m365d-fault') return
      outHeaders[key] = key === 'set-cookie' ? response.headers.getSetCookie() : value
    })
    res.writeHead(response.status, outHeaders)
    if (req.method === 'HEAD' || !response.body) return void res.end()
    const reader = response.body.getReader()
    for (;;) {
      let chunk: ReadableStreamReadResult<Uint8Array>
      try {
        chunk = await reader.read()
      } catch {
        // A truncate fault: the body stream errors after the first part; cut the connection.
        return void res.destroy()
      }
      if (chunk.done) break
      res.write(chunk.value)
    }
    res.end()
  } catch (e) {
    if (e instanceof ConnectionReset) return void req.socket.destroy()
    if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' })
    res.end(`emulator internal error: ${e instanceof Error ? e.message : String(e)}`)
  }
}
