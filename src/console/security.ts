import { randomBytes, timingSafeEqual, createHash } from 'node:crypto'

/**
 * The console shows customers' security data, so every request is checked here (issue 9 §3):
 * - a login token printed at start (`?token=`, as Jupyter does) is exchanged ONCE for a session
 *   cookie (HttpOnly, SameSite=Strict), then refused: a link left in a terminal scrollback, a log
 *   or a browser history logs nobody in again. `m365d console url` asks the daemon for a new one;
 * - a separate API token (M365D_CONSOLE_TOKEN, else random) is the bearer for scripts on `/status`;
 *   it never logs a browser in;
 * - requests without a session get 401 and no tenant data;
 * - the Host header must name this server (DNS-rebinding defence: a rebound name is not on the list);
 * - every change carries the session's CSRF token in `x-csrf-token` and, when the browser sends
 *   one, an Origin equal to the server's own.
 */
export const SESSION_COOKIE = 'm365d_console'
const SESSION_IDLE_MS = 12 * 3_600_000
const MAX_SESSIONS = 1000
/** Unused login links kept at once (each `m365d console url` issues one); the oldest is dropped. */
const MAX_LOGIN_TOKENS = 100
/** Used links remembered to say "already used" rather than "not valid". */
const MAX_USED_TOKENS = 1000

export type LoginTokenCheck = 'ok' | 'used' | 'invalid' | 'throttled'

export interface Session {
  id: string
  csrf: string
  createdAt: number
  lastSeen: number
  /** Shown in the write-back audit: the session's short id (no user accounts on a loopback console). */
  actor: string
}

export class ConsoleAuth {
  /** The API token: `Authorization: Bearer …` on `/status`; never a login. */
  readonly token: string
  readonly #tokenHash: Buffer
  /** Unused one-time login tokens by their SHA-256 (hex), in issue order. */
  readonly #loginTokens = new Set<string>()
  readonly #usedTokens = new Set<string>()
  readonly #sessions = new Map<string, Session>()
  readonly #allowedHosts: Set<string>
  #failures: number[] = []

  constructor(o: { token?: string; allowedHosts: string[] }) {
    this.token = o.token && o.token.length >= 16 ? o.token : randomBytes(24).toString('base64url')
    this.#tokenHash = sha256(this.token)
    this.#allowedHosts = new Set(o.allowedHosts.map((h) => h.toLowerCase()))
  }

  /** Adds names (e.g. the bind address once known, or `--console-allow-host`). */
  allowHost(host: string): void {
    this.#allowedHosts.add(host.toLowerCase())
  }

  /** `Host: 127.0.0.1:9464` → allowed when its host part is on the list (the port is the server's own). */
  hostAllowed(hostHeader: string | null): boolean {
    if (!hostHeader) return false
    const name = hostHeader.startsWith('[') ? hostHeader.slice(0, hostHeader.indexOf(']') + 1) : hostHeader.replace(/:\d+$/, '')
    return this.#allowedHosts.has(name.toLowerCase())
  }

  /** The API token (bearer). Constant-time; after 20 wrong tries in a minute every attempt fails for that minute. */
  checkToken(candidate: string | null, now = Date.now()): boolean {
    if (this.#throttled(now) || !candidate) return false
    const ok = timingSafeEqual(sha256(candidate), this.#tokenHash)
    if (!ok) this.#failures.push(now)
    return ok
  }

  /** A new one-time login token (for a login URL). */
  issueLoginToken(): string {
    const token = randomBytes(24).toString('base64url')
    if (this.#loginTokens.size >= MAX_LOGIN_TOKENS) this.#loginTokens.delete(this.#loginTokens.values().next().value!)
    this.#loginTokens.add(sha256(token).toString('hex'))
    return token
  }

  /**
   * Consumes a login token: `ok` once, `used` afterwards. Looked up by its SHA-256, so the lookup
   * time says nothing about the token (the same reason the bearer is compared as hashes).
   */
  redeemLoginToken(candidate: string, now = Date.now()): LoginTokenCheck {
    if (this.#throttled(now)) return 'throttled'
    const h = sha256(candidate).toString('hex')
    if (this.#loginTokens.delete(h)) {
      this.#usedTokens.add(h)
      if (this.#usedTokens.size > MAX_USED_TOKENS) this.#usedTokens.delete(this.#usedTokens.values().next().value!)
      return 'ok'
    }
    this.#failures.push(now)
    return this.#usedTokens.has(h) ? 'used' : 'invalid'
  }

  #throttled(now: number): boolean {
    this.#failures = this.#failures.filter((t) => now - t < 60_000)
    return this.#failures.length >= 20
  }

  createSession(now = Date.now()): Session {
    if (this.#sessions.size >= MAX_SESSIONS) {
      const oldest = [...this.#sessions.values()].sort((a, b) => a.lastSeen - b.lastSeen)[0]!
      this.#sessions.delete(oldest.id)
    }
    const id = randomBytes(32).toString('base64url')
    const s: Session = { id, csrf: randomBytes(24).toString('base64url'), createdAt: now, lastSeen: now, actor: `console:${id.slice(0, 6)}` }
    this.#sessions.set(id, s)
    return s
  }

  session(request: Request, now = Date.now()): Session | undefined {
    const id = cookie(request.headers.get('cookie'), SESSION_COOKIE)
    if (!id) return undefined
    const s = this.#sessions.get(id)
    if (!s) return undefined
    if (now - s.lastSeen > SESSION_IDLE_MS) {
      this.#sessions.delete(id)
      return undefined
    }
    s.lastSeen = now
    return s
  }

  endSession(s: Session): void {
    this.#sessions.delete(s.id)
  }

  /** For state-changing requests: the session's CSRF token, and a same-origin Origin when present. */
  csrfOk(request: Request, s: Session): boolean {
    const given = request.headers.get('x-csrf-token')
    if (!given || !timingSafeEqual(sha256(given), sha256(s.csrf))) return false
    const origin = request.headers.get('origin')
    if (origin && origin !== 'null') {
      try {
        return new URL(origin).host === request.headers.get('host')
      } catch {
        return false
      }
    }
    return true
  }

  sessionCookie(s: Session, secure: boolean): string {
    return `${SESSION_COOKIE}=${s.id}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${SESSION_IDLE_MS / 1000}${secure ? '; Secure' : ''}`
  }

  static clearCookie(): string {
    return `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0`
  }
}

/** Loopback names: what a browser on this machine sends as Host. */
export const LOOPBACK_HOSTS = ['127.0.0.1', 'localhost', '[::1]']

export function isLoopback(host: string): boolean {
  return host === '127.0.0.1' || host === '::1' || host === 'localhost' || host.startsWith('127.')
}

/** Strict policy: scripts and styles from this origin only (the bundle has no inline code), nothing framed. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ')

export function securityHeaders(): Record<string, string> {
  return {
    'content-security-policy': CONTENT_SECURITY_POLICY,
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
    'cache-control': 'no-store',
  }
}

function cookie(header: string | null, name: string): string | undefined {
  if (!header) return undefined
  for (const part of header.split(';')) {
    const eq = part.indexOf('=')
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim()
  }
  return undefined
}

function sha256(s: string): Buffer {
  return createHash('sha256').update(s).digest()
}
