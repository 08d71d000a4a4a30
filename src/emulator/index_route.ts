/**
 * `GET /`: a short index of what this emulator serves, so opening its URL in a browser (or curl)
 * explains it instead of answering a bare 404 (issue 11 §3). HTML for browsers (`Accept:
 * text/html`), JSON otherwise. The list is read from the router, so it is always the real one.
 */
import type { EmulatorContext } from './context.js'
import type { Router } from './router.js'

const GROUPS: Record<string, string> = {
  token: 'Identity platform: tokens (client credentials)',
  discovery: 'Identity platform: discovery, JWKS, instance discovery',
  consent: 'Identity platform: admin consent',
  defender: 'Defender XDR API (legacy api.security.microsoft.com)',
  graph: 'Microsoft Graph security API',
  hunting: 'Advanced hunting (both surfaces)',
  control: 'Control API (JSON only, same origin; a token when bound remotely)',
}

interface Index {
  name: string
  docs: string
  environment: Record<string, string>
  groups: { group: string; title: string; routes: string[] }[]
}

function build(router: Router<EmulatorContext>, origin: string): Index {
  // One line per path with its methods; CORS preflights and the token paths' error-only methods left out.
  const byGroup = new Map<string, Map<string, string[]>>()
  for (const r of router.list()) {
    if (!(r.group in GROUPS) || r.method === 'OPTIONS' || (r.group === 'token' && r.method !== 'POST')) continue
    const paths = byGroup.get(r.group) ?? new Map<string, string[]>()
    const path = r.pattern.replace(/:(\w+)/g, '{$1}')
    const methods = paths.get(path) ?? []
    if (!methods.includes(r.method)) methods.push(r.method)
    byGroup.set(r.group, paths.set(path, methods))
  }
  return {
    name: 'm365d emulator of the Microsoft identity platform, Defender XDR and Graph security APIs',
    docs: 'docs/emulator.md (control API: "Control API"; security: "Security and limits")',
    environment: { M365D_AUTHORITY_HOST: origin, M365D_DEFENDER_API: origin, M365D_GRAPH_API: origin },
    groups: Object.entries(GROUPS)
      .filter(([g]) => byGroup.has(g))
      .map(([group, title]) => ({ group, title, routes: [...byGroup.get(group)!].map(([path, methods]) => `${methods.join('|')} ${path}`) })),
  }
}

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

function html(index: Index): string {
  const sections = index.groups
    .map((g) => `<h2>${escape(g.title)}</h2>\n<ul>${g.routes.map((r) => `<li><code>${escape(r)}</code></li>`).join('')}</ul>`)
    .join('\n')
  const env = Object.entries(index.environment)
    .map(([k, v]) => `export ${escape(k)}=${escape(v)}`)
    .join('\n')
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>m365d emulator</title>
<style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}code,pre{font-family:ui-monospace,monospace;font-size:.9em}li{margin:.1rem 0}h2{font-size:1.1rem;margin-top:1.5rem}</style>
</head><body>
<h1>m365d emulator</h1>
<p>${escape(index.name)}. Point clients at it:</p>
<pre>${env}</pre>
<p>Reference: ${escape(index.docs)}.</p>
${sections}
</body></html>
`
}

/** Prefers HTML only when the client asks for it before JSON (browsers send text/html first). */
function wantsHtml(accept: string | null): boolean {
  if (!accept) return false
  const h = accept.indexOf('text/html')
  const j = accept.indexOf('application/json')
  return h >= 0 && (j < 0 || h < j)
}

export function registerIndexRoute(router: Router<EmulatorContext>): void {
  router.add(
    'GET',
    '/',
    (req, url) => {
      const index = build(router, url.origin)
      if (wantsHtml(req.headers.get('accept')))
        return new Response(html(index), { headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' } })
      return new Response(JSON.stringify(index, null, 2), { headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' } })
    },
    { group: 'index' },
  )
}
