/**
 * Who may talk to the emulator, and how much (issue 10 §2). `npm start` leaves it running on a
 * developer's machine, so a web page in their browser, a DNS-rebinding host name or a neighbour on
 * the network must not drive it:
 * - a Host allow-list (loopback names, the bound host, names the operator adds): anything else is
 *   `421 Misdirected Request` (RFC 9110 §15.5.20), which defeats DNS rebinding;
 * - the path is percent-decoded (unreserved characters only, RFC 3986 §6.2.2.2), `//` collapsed
 *   and dot segments removed (RFC 3986 §5.2.4) before routing, so `/%5Femulator/…` or
 *   `//_emulator//…` is the control API with all its checks, never a way around them;
 * - control routes (`/_emulator/…`) take only `application/json` bodies (415): a cross-site
 *   `text/plain` or form POST is a "simple" request browsers send without a preflight; a foreign
 *   `Origin` or `Sec-Fetch-Site: cross-site` is 403; with a control token (required for a
 *   non-loopback bind) they need `Authorization: Bearer <token>` (401);
 * - request bodies have a size limit per endpoint kind (413).
 */
import { timingSafeEqual } from 'node:crypto'
import { hostname, networkInterfaces } from 'node:os'

export interface AccessPolicy {
  /** Host names (lower case, no port, IPv6 without brackets) the server answers; undefined = any (in-process fetch). */
  hosts?: ReadonlySet<string>
  /** When set, control routes require `Authorization: Bearer <controlToken>`. */
  controlToken?: string
}

const MiB = 1024 * 1024

/** Request body limits in bytes by route group (docs/emulator.md, "Limits"). */
export const BODY_LIMITS = {
  /** Token and consent forms, discovery, anything unmatched. */
  form: 1 * MiB,
  /** Defender/Graph JSON bodies and the control API. */
  api: 4 * MiB,
  /** Advanced hunting queries. */
  hunting: 16 * MiB,
} as const

export function bodyLimitFor(group: string): number {
  if (group === 'hunting') return BODY_LIMITS.hunting
  if (group === 'defender' || group === 'graph' || group === 'control') return BODY_LIMITS.api
  return BODY_LIMITS.form
}

/** `localhost`, `*.localhost` (RFC 6761 §6.3), 127.0.0.0/8, `::1` and the IPv4-mapped loopback. */
export function isLoopback(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '').replace(/\.$/, '')
  return h === 'localhost' || h.endsWith('.localhost') || /^127(?:\.\d{1,3}){3}$/.test(h) || h === '::1' || /^::ffff:127(?:\.\d{1,3}){3}$/.test(h)
}

/** The host name of a `Host` header: lower case, port and IPv6 brackets removed; undefined if malformed. */
export function hostName(header: string): string | undefined {
  try {
    const name = new URL(`http://${header}`).hostname.toLowerCase()
    return name.replace(/^\[|\]$/g, '').replace(/\.$/, '')
  } catch {
    return undefined
  }
}

const WILDCARD = new Set(['0.0.0.0', '::', ''])

/**
 * The Host names a server bound to `bindHost` answers: loopback names always, the bound address,
 * and `extra` (e.g. the DNS name remote clients use). A wildcard bind (0.0.0.0, ::) also answers
 * this machine's own addresses and host name.
 */
export function allowedHosts(bindHost: string, extra: readonly string[] = []): Set<string> {
  const hosts = new Set(['localhost', '127.0.0.1', '::1'])
  const add = (h: string) => {
    const name = hostName(h.includes(':') && !h.startsWith('[') ? `[${h}]` : h)
    if (name) hosts.add(name)
  }
  if (WILDCARD.has(bindHost)) {
    for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) add(a.address)
    add(hostname())
  } else add(bindHost)
  for (const h of extra) add(h)
  return hosts
}

export function hostAllowed(header: string | null, policy: AccessPolicy): boolean {
  if (!policy.hosts) return true
  const name = header ? hostName(header) : undefined
  return name !== undefined && (policy.hosts.has(name) || isLoopback(name))
}

export function misdirected(header: string | null): Response {
  return plain(421, `Misdirected Request: this emulator does not answer for host '${(header ?? '').slice(0, 100)}'. Use localhost, or start it with --allowed-host for another name.`)
}

export function tooLarge(limit: number): Response {
  return new Response(JSON.stringify({ error: { code: 'RequestEntityTooLarge', message: `The request body is larger than this endpoint's limit of ${limit / MiB} MiB.` } }), {
    status: 413,
    headers: { 'content-type': 'application/json; charset=utf-8', connection: 'close' },
  })
}

const UNRESERVED = /%(2[dDeE]|3\d|4[1-9a-fA-F]|5[0-9aA]|5[fF]|6[1-9a-fA-F]|7[0-9aA]|7[eE])/g

/**
 * The path the router sees: unreserved percent-escapes decoded (`%5F` → `_`, `%2E` → `.`), empty
 * segments dropped, `.` and `..` resolved. Other escapes (`%2F`, `%20`) stay encoded inside their
 * segment, where the router decodes them as parameter values.
 */
export function normalizePath(pathname: string): string {
  const out: string[] = []
  for (const raw of pathname.split('/')) {
    const seg = raw.replace(UNRESERVED, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)))
    if (seg === '' || seg === '.') continue
    if (seg === '..') out.pop()
    else out.push(seg)
  }
  return `/${out.join('/')}`
}

export function isControlPath(normalized: string): boolean {
  return /^\/_emulator(?:\/|$)/i.test(normalized)
}

/**
 * The control API's checks, in order: the token (401), the request's origin (403), the body type
 * (415). Undefined when the request may go on.
 */
export function checkControlRequest(req: Request, url: URL, policy: AccessPolicy): Response | undefined {
  if (policy.controlToken !== undefined && !bearerMatches(req.headers.get('authorization'), policy.controlToken))
    return controlRefusal(401, 'Unauthorized', 'The control API needs the control token printed at start: Authorization: Bearer <token>.', {
      'www-authenticate': 'Bearer realm="m365d-emulator-control"',
    })
  const origin = req.headers.get('origin')
  if ((origin !== null && origin !== url.origin) || req.headers.get('sec-fetch-site') === 'cross-site')
    return controlRefusal(403, 'Forbidden', `The control API does not accept requests from another origin (${(origin ?? 'cross-site').slice(0, 100)}).`)
  if (req.method === 'POST' || req.method === 'PUT' || req.method === 'PATCH') {
    const type = (req.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase()
    if (type !== 'application/json')
      return controlRefusal(415, 'UnsupportedMediaType', `The control API takes only Content-Type: application/json (got '${type.slice(0, 100) || 'none'}').`)
  }
  return undefined
}

function bearerMatches(header: string | null, token: string): boolean {
  const m = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null
  if (!m) return false
  const given = Buffer.from(m[1]!)
  const expected = Buffer.from(token)
  return given.length === expected.length && timingSafeEqual(given, expected)
}

function controlRefusal(status: number, code: string, message: string, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify({ error: { code, message } }), { status, headers: { 'content-type': 'application/json; charset=utf-8', ...headers } })
}

function plain(status: number, text: string): Response {
  return new Response(text, { status, headers: { 'content-type': 'text/plain; charset=utf-8' } })
}
