import { M365dError } from '../lib/errors.js'
import { checkAccess, enabledTenantIds } from './access.js'
import { checkCredentialExpiry } from './credentials.js'
import type { ConsoleDeps, ConsoleOptions } from './deps.js'
import { apiError, ConsoleRequestError, html, json } from './http.js'
import type { SessionInfo } from './api_types.js'
import { LiveHub } from './live.js'
import { loginPage } from './login_page.js'
import { routeApi } from './routes/index.js'
import { ConsoleAuth, LOOPBACK_HOSTS, securityHeaders, type Session } from './security.js'
import { surfacesInUse } from './sql/tenants.js'
import { defaultWebRoot, StaticFiles } from './static_files.js'

export const CONSOLE_PREFIX = '/console'

const NEW_LINK = "Get a new link on the machine running m365d: m365d console url (with the --data-dir it runs with; npm start prints the command)."
const LOGIN_REFUSED = {
  used: `That login link was already used: each link logs in once. ${NEW_LINK}`,
  invalid: `That login link is not valid (it may be from an earlier run of m365d). ${NEW_LINK}`,
  throttled: `Too many wrong login links in the last minute: wait a minute. ${NEW_LINK}`,
} as const

/** The console mounted on the daemon's ops server (see src/sync/daemon/ops_server.ts `mount`). */
export interface ConsoleServer {
  readonly prefix: string
  /** Requests under {@link prefix}. */
  handle(request: Request): Promise<Response>
  /** For the ops server's own tenant-data routes (`/status`): a console session or `Authorization: Bearer <token>`. */
  authorized(request: Request): boolean
  /** `http://127.0.0.1:9464/console/?token=…` for a server at `baseUrl`, with a NEW one-time token each call. */
  loginUrl(baseUrl: string): string
  /** Accepts the bind address (and its port-less name) as a Host once the server listens. */
  allowHost(host: string): void
  /** Starts the live poll, rollup refresh and token-role checks. */
  start(): void
  close(): Promise<void>
  /** Extra Prometheus lines for /metrics (health events by kind). */
  metricsText(): Promise<string>
  readonly live: LiveHub
}

export function createConsole(deps: ConsoleDeps, options: ConsoleOptions = {}): ConsoleServer {
  const auth = new ConsoleAuth({ ...(options.token && { token: options.token }), allowedHosts: [...LOOPBACK_HOSTS, ...(options.allowedHosts ?? [])] })
  const files = new StaticFiles(options.webRoot ?? defaultWebRoot())
  const live = new LiveHub(deps.db, { pollMs: options.livePollMs ?? 1000, fullRefreshMs: options.rollupIntervalMs ?? 600_000 })
  const startedAt = new Date().toISOString()
  const timers: ReturnType<typeof setInterval>[] = []
  let unsubscribe: (() => void) | undefined

  let credentials: Awaited<ReturnType<typeof checkCredentialExpiry>> | null = null
  const refreshCredentials = async () => {
    credentials = await checkCredentialExpiry(deps).catch((e) => ({ source: 'none' as const, credentials: [], graphError: e instanceof Error ? e.message : String(e) }))
    void live.poll()
  }
  const refreshAccess = async () => {
    await checkAccess(deps, await enabledTenantIds(deps)).catch(() => undefined)
    live.emit({ type: 'tenants', seq: Date.now() })
  }

  async function handle(request: Request): Promise<Response> {
    const url = new URL(request.url)
    if (!auth.hostAllowed(request.headers.get('host'))) {
      return new Response('Host not allowed: open the console by the address m365d printed (DNS-rebinding protection).\n', {
        status: 421,
        headers: { ...securityHeaders(), 'content-type': 'text/plain; charset=utf-8' },
      })
    }
    const path = url.pathname.slice(CONSOLE_PREFIX.length) || '/'
    const method = request.method
    // The login exchange: ?token= on the console URL or /console/login, one time per token. GET
    // only: a HEAD (a link preview) must not spend it.
    const token = url.searchParams.get('token')
    if ((path === '/' || path === '/login') && token !== null && method === 'GET') {
      const check = auth.redeemLoginToken(token)
      if (check === 'ok') {
        const s = auth.createSession()
        return new Response(null, { status: 303, headers: { ...securityHeaders(), location: `${CONSOLE_PREFIX}/`, 'set-cookie': auth.sessionCookie(s, url.protocol === 'https:') } })
      }
      // The same browser opening its used link again is already in.
      if (auth.session(request)) return new Response(null, { status: 303, headers: { ...securityHeaders(), location: `${CONSOLE_PREFIX}/` } })
      return html(loginPage(LOGIN_REFUSED[check]), 401)
    }
    if (path.startsWith('/assets/') && (method === 'GET' || method === 'HEAD')) {
      return (await files.get(path)) ?? new Response('not found', { status: 404, headers: securityHeaders() })
    }
    const session = auth.session(request)
    if (path.startsWith('/api/')) {
      if (!session) return apiError(401, 'ERR_CONSOLE_LOGIN', 'log in first', 'open the login URL m365d printed at start (…/console/?token=…)')
      if (method !== 'GET' && method !== 'HEAD' && !auth.csrfOk(request, session)) {
        return apiError(403, 'ERR_CONSOLE_CSRF', 'missing or wrong CSRF token', 'reload the console page')
      }
      return api(request, url, path.slice(4), session)
    }
    if (!session) return html(loginPage(), 401)
    if (path === '/' || path === '/index.html') {
      return (await files.get('index.html')) ?? html(loginPage('The web app is not built: run npm run build (vite build writes dist/web).'), 500)
    }
    return (await files.get(path)) ?? html(loginPage(), 404)
  }

  async function api(request: Request, url: URL, path: string, session: Session): Promise<Response> {
    try {
      if (path === '/session' && request.method === 'GET') {
        const surfaces = await surfacesInUse(deps.db, deps.surface)
        return json({ csrfToken: session.csrf, actor: session.actor, surface: deps.surface, surfaces, workerId: deps.workerId, clientId: deps.clientId, startedAt } satisfies SessionInfo)
      }
      if (path === '/logout' && request.method === 'POST') {
        auth.endSession(session)
        return json({ ok: true }, 200, { 'set-cookie': ConsoleAuth.clearCookie() })
      }
      if (path === '/events' && request.method === 'GET') {
        const r = live.stream(request.signal)
        const headers = new Headers(securityHeaders())
        r.headers.forEach((v, k) => headers.set(k, v))
        return new Response(r.body, { headers })
      }
      if (path === '/credentials' && request.method === 'GET') {
        if (!credentials) await refreshCredentials()
        return json(credentials)
      }
      if (path === '/access/refresh' && request.method === 'POST') {
        await refreshAccess()
        return json({ ok: true })
      }
      const r = await routeApi({ deps, live, session }, request, url, path)
      return r ?? apiError(404, 'ERR_CONSOLE_NOT_FOUND', `no API route ${request.method} ${path}`)
    } catch (e) {
      if (e instanceof ConsoleRequestError) return apiError(e.status, e.code, e.message, e.hint)
      if (e instanceof M365dError) return apiError(400, e.code, e.message, e.hint)
      return apiError(500, 'ERR_CONSOLE_INTERNAL', e instanceof Error ? e.message : String(e))
    }
  }

  return {
    prefix: CONSOLE_PREFIX,
    handle,
    live,
    authorized(request: Request): boolean {
      if (auth.session(request)) return true
      const h = request.headers.get('authorization')
      return h !== null && h.startsWith('Bearer ') && auth.checkToken(h.slice(7))
    },
    loginUrl: (baseUrl: string) => `${baseUrl.replace(/\/+$/, '')}${CONSOLE_PREFIX}/?token=${encodeURIComponent(auth.issueLoginToken())}`,
    allowHost: (host: string) => auth.allowHost(host),
    start() {
      live.start()
      if (deps.onDaemonEvent) {
        unsubscribe = deps.onDaemonEvent((e) => {
          // A finished pass may have changed health or incidents: look now rather than at the next tick.
          if (e.type === 'pass.finished' || e.type === 'pass.failed') void live.poll()
        })
      }
      void refreshAccess()
      void refreshCredentials()
      const t = setInterval(() => void refreshAccess(), options.accessIntervalMs ?? 600_000)
      const c = setInterval(() => void refreshCredentials(), 6 * 3_600_000)
      for (const x of [t, c]) {
        x.unref?.()
        timers.push(x)
      }
    },
    async close() {
      for (const t of timers) clearInterval(t)
      unsubscribe?.()
      live.close()
    },
    async metricsText() {
      const { rows } = await deps.db.query<{ kind: string; n: string }>(`SELECT kind, count(*) AS n FROM m365d_health_events GROUP BY kind ORDER BY kind`)
      const lines = ['# HELP m365d_health_events_total Tenant health transitions recorded (consent lost/restored, roles missing, failing passes, credential expiry).', '# TYPE m365d_health_events_total counter']
      for (const r of rows) lines.push(`m365d_health_events_total{kind="${r.kind.replace(/["\\\n]/g, '_')}"} ${Number(r.n)}`)
      return lines.join('\n') + '\n'
    },
  }
}
