import { performance } from 'node:perf_hooks'
import { bodyLimitFor, checkControlRequest, isControlPath, normalizePath, tooLarge, type AccessPolicy } from './access.js'
import { createContext, type EmulatorContext, type EmulatorOptions } from './context.js'
import { registerControlRoutes } from './control/routes.js'
import { registerDefenderRoutes } from './defender/routes.js'
import { ConnectionReset, type Fault } from './faults.js'
import { registerHuntingRoutes } from './hunting/routes.js'
import { HttpError, json } from './http_error.js'
import { registerIdentityRoutes } from './identity/routes.js'
import { registerIndexRoute } from './index_route.js'
import { sanitizeBody, sanitizeHeaders, sanitizeUrl } from './request_log.js'
import { Router } from './router.js'

export type { EmulatorContext, EmulatorOptions } from './context.js'

export interface Emulator extends EmulatorContext {
  /**
   * The emulator as a `fetch`: same signature as the global one, so it can be injected into any
   * client. A `reset` fault rejects with `TypeError('fetch failed')` like a dropped connection.
   */
  fetch(input: string | URL | Request, init?: RequestInit): Promise<Response>
  /**
   * Like {@link Emulator.fetch} but throws {@link ConnectionReset} for the node server adapter,
   * which passes the body it already buffered (within {@link Emulator.bodyLimit}) and its access
   * policy (control token).
   */
  handle(request: Request, received?: Received): Promise<Response>
  /** The body size limit of the route a request to this path would reach (src/emulator/access.ts). */
  bodyLimit(method: string, pathname: string): number
  /** Stops what the emulator runs besides requests: the hunting query workers. Idempotent. */
  close(): Promise<void>
}

/** What the server adapter already did with a request. */
export interface Received {
  /** The body, read within the route's limit (undefined for none). */
  bodyText?: string | undefined
  policy?: AccessPolicy
}

export async function createEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const context = await createContext(options)
  const { clock } = context

  // Specific prefixes first: control and API routes before the `/{tenant}/…` identity routes.
  const router = new Router<EmulatorContext>()
  registerControlRoutes(router)
  registerDefenderRoutes(router)
  registerHuntingRoutes(router)
  registerIdentityRoutes(router)
  registerIndexRoute(router)

  const groupOf = (method: string, pathname: string) => {
    const match = router.match(method, pathname)
    return { match, group: match ? match.group : isControlPath(pathname) ? 'control' : 'unmatched' }
  }

  async function handle(original: Request, received?: Received): Promise<Response> {
    const started = performance.now()
    const url = new URL(original.url)
    // Route on the normalised path, so an encoded or doubled `/_emulator` gets the control checks.
    url.pathname = normalizePath(url.pathname)
    const { match, group } = groupOf(original.method, url.pathname)
    if (group === 'control') {
      const refused = checkControlRequest(original, url, received?.policy ?? {})
      if (refused) return refused
    }
    let request = original
    let bodyText = received?.bodyText
    if (received === undefined && original.body) {
      const limit = bodyLimitFor(group)
      const bytes = await readLimited(original, limit)
      if (bytes === undefined) return tooLarge(limit)
      bodyText = new TextDecoder().decode(bytes)
      request = new Request(url, { method: original.method, headers: original.headers, body: bytes as unknown as BodyInit })
    }
    const loggedBody = group === 'control' ? undefined : bodyText || undefined
    let response: Response
    const fault = context.faults.take(group, url.pathname)
    try {
      if (fault?.latencyMs) await new Promise((r) => setTimeout(r, fault.latencyMs))
      if (fault?.reset) throw new ConnectionReset()
      if (fault?.status) response = faultResponse(fault)
      else if (match === undefined) response = notFound(url)
      else if ('allowed' in match) response = methodNotAllowed(url, request.method, match.allowed)
      else response = await match.handler(request, url, match.params, context)
    } catch (e) {
      if (e instanceof ConnectionReset) throw e
      const mapped = e instanceof HttpError ? e.response : router.errorMapper(group)?.(e, request, url, context)
      response = mapped ?? json({ error: 'emulator_internal_error', error_description: e instanceof Error ? e.message : String(e) }, 500)
    }
    if (fault?.truncate) response = truncate(await response.arrayBuffer(), response)
    if (fault?.invalidJson) response = new Response('{"value":[{"id":', { status: response.status, headers: response.headers })
    if (group !== 'control') {
      const body = loggedBody ? sanitizeBody(loggedBody) : undefined
      context.requests.record({
        time: new Date(clock.now()).toISOString(),
        method: request.method,
        url: sanitizeUrl(url.pathname + url.search),
        host: url.host,
        group,
        status: response.status,
        headers: sanitizeHeaders(request.headers),
        ...(body !== undefined && { body }),
        durationMs: Math.round((performance.now() - started) * 1000) / 1000,
      })
    }
    return response
  }

  return {
    ...context,
    handle,
    bodyLimit: (method, pathname) => bodyLimitFor(groupOf(method, normalizePath(pathname)).group),
    close: () => context.hunting.close(),
    async fetch(input, init) {
      const request = input instanceof Request && init === undefined ? input : new Request(input, init)
      try {
        return await handle(request)
      } catch (e) {
        if (e instanceof ConnectionReset) throw new TypeError('fetch failed', { cause: Object.assign(new Error('other side closed'), { code: 'ECONNRESET' }) })
        throw e
      }
    },
  }
}

/** The body, or undefined as soon as it exceeds `limit` bytes (the rest is not read). */
async function readLimited(request: Request, limit: number): Promise<Uint8Array | undefined> {
  const declared = Number(request.headers.get('content-length') ?? NaN)
  if (declared > limit) {
    await request.body!.cancel()
    return undefined
  }
  const reader = request.body!.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > limit) {
      await reader.cancel()
      return undefined
    }
    chunks.push(value)
  }
  const out = new Uint8Array(size)
  let at = 0
  for (const c of chunks) {
    out.set(c, at)
    at += c.byteLength
  }
  return out
}

function faultResponse(fault: Fault): Response {
  const headers: Record<string, string> = { ...fault.headers }
  if (fault.retryAfter !== undefined) headers['retry-after'] = String(fault.retryAfter)
  if (typeof fault.body === 'object') return json(fault.body, fault.status, headers)
  return new Response(fault.body ?? '', { status: fault.status!, headers })
}

/** Real status and headers, Content-Length of the whole body, but only half of it, then an error. */
function truncate(body: ArrayBuffer, original: Response): Response {
  const half = new Uint8Array(body.slice(0, Math.floor(body.byteLength / 2)))
  const headers = new Headers(original.headers)
  headers.set('content-length', String(body.byteLength))
  headers.set('x-m365d-fault', 'truncate')
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(half)
      controller.error(new TypeError('terminated', { cause: Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }) }))
    },
  })
  return new Response(stream, { status: original.status, headers })
}

function isApiPath(url: URL): boolean {
  return url.pathname.startsWith('/api/') || url.pathname.startsWith('/v1.0/') || url.pathname.startsWith('/beta/')
}

/** 405 with `Allow`; API paths answer in the Defender/Graph error shape like their other errors. */
function methodNotAllowed(url: URL, method: string, allowed: string[]): Response {
  const headers = { allow: allowed.join(', ') }
  const message = `The requested resource does not support http method '${method}'.`
  if (isApiPath(url)) return json({ error: { code: 'MethodNotAllowed', message, target: crypto.randomUUID() } }, 405, headers)
  return new Response(message, { status: 405, headers: { ...headers, 'content-type': 'text/plain' } })
}

function notFound(url: URL): Response {
  if (isApiPath(url))
    return json({ error: { code: 'NotFound', message: `No HTTP resource was found that matches the request URI '${url.href}'.`, target: crypto.randomUUID() } }, 404)
  // Elsewhere (a typo'd token or control path) say where the list of routes is.
  return new Response(`Not Found: no emulator route matches ${url.pathname.slice(0, 200)}; GET / lists every route and the control API.\n`, {
    status: 404,
    headers: { 'content-type': 'text/plain; charset=utf-8' },
  })
}
