import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import { randomBytes } from 'node:crypto'
import type { AddressInfo } from 'node:net'
import { allowedHosts, hostAllowed, isLoopback, misdirected, tooLarge, type AccessPolicy } from './access.js'
import type { Emulator } from './app.js'
import { ConnectionReset } from './faults.js'

export interface ServeOptions {
  /** Port to listen on; 0 (default) picks a free one. */
  port?: number
  /** Interface to bind (default 127.0.0.1). A non-loopback interface needs {@link ServeOptions.allowRemote}. */
  host?: string
  /** Serve HTTPS with this certificate chain and key (PEM). */
  tls?: { certificatePem: string; privateKeyPem: string }
  /**
   * Consent to a non-loopback bind. The control API then requires a control token (this one, or a
   * random one returned as {@link RunningEmulator.controlToken}).
   */
  allowRemote?: boolean
  /** Require `Authorization: Bearer <controlToken>` on `/_emulator/…` (always set for a remote bind). */
  controlToken?: string
  /** Host names to answer besides loopback names and the bound address (421 for any other). */
  allowedHosts?: string[]
}

/** Thrown by {@link serve} for a non-loopback bind without `allowRemote`. */
export class RemoteBindError extends Error {
  readonly code = 'ERR_EMULATOR_REMOTE_BIND'
  constructor(host: string) {
    super(`refusing to bind the emulator to '${host}', which is reachable from other machines, without allowRemote (CLI: --allow-remote)`)
  }
}

export interface RunningEmulator {
  /** Base URL, e.g. `http://127.0.0.1:43210` (no trailing slash). */
  url: string
  /** The token the control API requires (set for a remote bind or when given). */
  controlToken?: string
  port: number
  server: Server
  close(): Promise<void>
}

/** Binds the emulator's `fetch` app to a real port with node:http / node:https. */
export async function serve(emulator: Emulator, options: ServeOptions = {}): Promise<RunningEmulator> {
  const host = options.host ?? '127.0.0.1'
  if (!isLoopback(host) && !options.allowRemote) throw new RemoteBindError(host)
  const controlToken = options.controlToken ?? (isLoopback(host) ? undefined : randomBytes(32).toString('base64url'))
  const policy: AccessPolicy = { hosts: allowedHosts(host, options.allowedHosts), ...(controlToken !== undefined && { controlToken }) }
  const listener = (req: IncomingMessage, res: ServerResponse) => void dispatch(emulator, req, res, options.tls ? 'https' : 'http', policy)
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
    ...(controlToken !== undefined && { controlToken }),
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}

async function dispatch(emulator: Emulator, req: IncomingMessage, res: ServerResponse, protocol: string, policy: AccessPolicy): Promise<void> {
  try {
    // DNS rebinding: a page on an attacker's name that resolves to 127.0.0.1 still sends its own Host.
    if (!hostAllowed(req.headers.host ?? null, policy)) return void (await send(res, misdirected(req.headers.host ?? null), req.method ?? 'GET'))
    const url = `${protocol}://${req.headers.host}${req.url ?? '/'}`
    const method = req.method ?? 'GET'
    const limit = emulator.bodyLimit(method, (req.url ?? '/').split('?')[0]!)
    // Bodies are bounded (forms, JSON, queries): buffering them is far cheaper than a web stream.
    const body = method === 'GET' || method === 'HEAD' ? undefined : await readBody(req, limit)
    if (body === null) {
      // The rest of an oversized body is discarded unread (never buffered), and the connection
      // closes after the 413 (`Connection: close`), so a client still sending sees the answer.
      req.resume()
      return void (await send(res, tooLarge(limit), method))
    }
    const headers: [string, string][] = []
    for (let i = 0; i < req.rawHeaders.length; i += 2) headers.push([req.rawHeaders[i]!, req.rawHeaders[i + 1]!])
    const request = new Request(url, { method, headers, ...(body && body.length > 0 && { body: new Uint8Array(body.buffer, body.byteOffset, body.length) as unknown as BodyInit }) })
    const response = await emulator.handle(request, { bodyText: body?.toString('utf8'), policy })
    await send(res, response, method)
  } catch (e) {
    if (e instanceof ConnectionReset) return void req.socket.destroy()
    if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' })
    res.end(`emulator internal error: ${e instanceof Error ? e.message : String(e)}`)
  }
}

async function send(res: ServerResponse, response: Response, method: string): Promise<void> {
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
  await new Promise<void>((resolve) => res.end(payload, () => resolve()))
}

/** The body, or null as soon as it exceeds `limit` bytes (declared or received). */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | null> {
  if (Number(req.headers['content-length'] ?? 0) > limit) return Promise.resolve(null)
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    const onData = (c: Buffer) => {
      size += c.length
      if (size > limit) {
        req.off('data', onData)
        req.pause()
        return resolve(null)
      }
      chunks.push(c)
    }
    req.on('data', onData)
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
