import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import type { AddressInfo } from 'node:net'
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
  // Longer than clients keep idle sockets (undici: 4 s by default), so the server never closes a
  // connection a client is about to reuse — that race surfaced as ECONNRESET on token requests.
  server.keepAliveTimeout = 65_000
  server.headersTimeout = 66_000
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
    const method = req.method ?? 'GET'
    // Bodies here are small (forms, JSON): buffering them is far cheaper than a web stream.
    const body = method === 'GET' || method === 'HEAD' ? undefined : await readBody(req)
    const headers: [string, string][] = []
    for (let i = 0; i < req.rawHeaders.length; i += 2) headers.push([req.rawHeaders[i]!, req.rawHeaders[i + 1]!])
    const request = new Request(url, { method, headers, ...(body && body.length > 0 && { body: new Uint8Array(body.buffer, body.byteOffset, body.length) as unknown as BodyInit }) })
    const response = await emulator.handle(request, body === undefined ? undefined : { bodyText: body.toString('utf8') })
    const outHeaders: Record<string, string | string[]> = {}
    let truncated = false
    response.headers.forEach((value, key) => {
      if (key === 'x-m365d-fault') return void (truncated = value === 'truncate')
      outHeaders[key] = key === 'set-cookie' ? response.headers.getSetCookie() : value
    })
    if (truncated) return void (await writeTruncated(res, response, outHeaders))
    const payload = method === 'HEAD' || !response.body ? undefined : Buffer.from(await response.arrayBuffer())
    if (payload && outHeaders['content-length'] === undefined) outHeaders['content-length'] = String(payload.length)
    res.writeHead(response.status, outHeaders)
    res.end(payload)
  } catch (e) {
    if (e instanceof ConnectionReset) return void req.socket.destroy()
    if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' })
    res.end(`emulator internal error: ${e instanceof Error ? e.message : String(e)}`)
  }
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)))
    req.on('error', reject)
  })
}

/** The truncate fault: the real status and Content-Length, the first part of the body, then a cut connection. */
async function writeTruncated(res: ServerResponse, response: Response, headers: Record<string, string | string[]>): Promise<void> {
  res.writeHead(response.status, headers)
  const reader = response.body!.getReader()
  for (;;) {
    let chunk: ReadableStreamReadResult<Uint8Array>
    try {
      chunk = await reader.read()
    } catch {
      return void res.destroy()
    }
    if (chunk.done) return void res.end()
    res.write(chunk.value)
  }
}
