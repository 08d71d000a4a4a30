/**
 * A tiny method + path router for the emulator's `fetch(Request) → Response` app.
 * Patterns use `:name` for one path segment (`/:tenant/oauth2/v2.0/token`); matching is
 * case-sensitive on literals except where a route opts in, and trailing slashes are ignored.
 */
export interface RouteMatch {
  params: Record<string, string>
}

export type Handler<C> = (req: Request, url: URL, params: Record<string, string>, ctx: C) => Response | Promise<Response>

/**
 * A route group's error mapping: the response for an error its handlers throw, in the group's
 * wire format (OAuth error body, Defender/Graph error, control JSON), or undefined when the error
 * is not one of the group's (the app then answers 500).
 */
export type ErrorMapper<C> = (error: unknown, req: Request, url: URL, ctx: C) => Response | undefined

interface Route<C> {
  method: string
  segments: string[]
  handler: Handler<C>
  caseInsensitive: boolean
  group: string
}

export class Router<C> {
  #routes: Route<C>[] = []
  readonly #onError = new Map<string, ErrorMapper<C>>()

  /** Sets the group's error mapping (one per group). */
  onError(group: string, mapper: ErrorMapper<C>): this {
    this.#onError.set(group, mapper)
    return this
  }

  errorMapper(group: string): ErrorMapper<C> | undefined {
    return this.#onError.get(group)
  }

  /** Every route as `{method, pattern, group}`, in registration order (for the root index). */
  list(): { method: string; pattern: string; group: string }[] {
    return this.#routes.map((r) => ({ method: r.method, pattern: `/${r.segments.join('/')}`, group: r.group }))
  }

  add(method: string | string[], pattern: string, handler: Handler<C>, options: { caseInsensitive?: boolean; group: string }): this {
    for (const m of Array.isArray(method) ? method : [method]) {
      this.#routes.push({
        method: m.toUpperCase(),
        segments: split(pattern),
        handler,
        caseInsensitive: options.caseInsensitive ?? false,
        group: options.group,
      })
    }
    return this
  }

  /**
   * Returns the handler and params; `{ allowed }` when the path exists but not for this method
   * (the caller answers 405 with an `Allow` header); undefined when no route has this path.
   */
  match(method: string, pathname: string): { handler: Handler<C>; params: Record<string, string>; group: string } | { allowed: string[]; group: string } | undefined {
    const parts = split(pathname)
    const wanted = method.toUpperCase()
    let mismatch: { allowed: string[]; group: string } | undefined
    for (const route of this.#routes) {
      const params = matchSegments(route, parts)
      if (!params) continue
      if (route.method !== wanted && !(route.method === 'GET' && wanted === 'HEAD')) {
        mismatch ??= { allowed: [], group: route.group }
        if (!mismatch.allowed.includes(route.method)) mismatch.allowed.push(route.method)
        continue
      }
      return { handler: route.handler, params, group: route.group }
    }
    return mismatch
  }
}

function split(path: string): string[] {
  return path.split('/').filter((s) => s.length > 0)
}

function matchSegments<C>(route: Route<C>, parts: string[]): Record<string, string> | undefined {
  if (route.segments.length !== parts.length) return undefined
  const params: Record<string, string> = {}
  for (let i = 0; i < parts.length; i++) {
    const seg = route.segments[i]!
    let part: string
    try {
      part = decodeURIComponent(parts[i]!)
    } catch {
      return undefined
    }
    if (seg.startsWith(':')) params[seg.slice(1)] = part
    else if (route.caseInsensitive ? seg.toLowerCase() !== part.toLowerCase() : seg !== part) return undefined
  }
  return params
}
