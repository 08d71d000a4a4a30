/**
 * List throughput (incidents/s) through the full DefenderClient pipeline (retry/timeout →
 * authorization → rate limiter [off] → transport → JSON processing → async iterator) against the
 * emulator on a real port with its quotas off, side by side in the SAME run with a bare `fetch`
 * loop fetching the same pages (same token, same URLs, JSON.parse). Rounds alternate A/B to share
 * warm-up and noise; the medians are compared. Target: pipeline overhead ≤ 10 %. Bounded (< 60 s).
 *
 *   node --import tsx bench/incidents_pipeline.ts [--incidents 2000] [--rounds 7] [--surface legacy|graph]
 */
import { performance } from 'node:perf_hooks'
import { TokenProvider } from '../src/auth/index.js'
import { DefenderClient } from '../src/defender/index.js'
import { createEmulator, serve, WELL_KNOWN } from '../src/emulator/index.js'

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`)
  return i > 0 ? process.argv[i + 1]! : fallback
}
const INCIDENTS = Number(arg('incidents', '2000'))
const ROUNDS = Number(arg('rounds', '7'))
const SURFACE = arg('surface', 'legacy') as 'legacy' | 'graph'
const DEADLINE = performance.now() + 55_000

const emu = await createEmulator()
const srv = await serve(emu)
const W = WELL_KNOWN
try {
  emu.defender.limits = { ...emu.defender.limits, enabled: false }
  const gen = await fetch(`${srv.url}/_emulator/defender/tenants/${W.contosoTenantId}/generate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ count: INCIDENTS, seed: 1 }) })
  if (!gen.ok) throw new Error(`generate failed: ${gen.status}`)
  const provider = new TokenProvider({ clientId: W.clientId, credential: { kind: 'secret', secret: W.clientSecret }, authorityHost: srv.url })
  const resource = SURFACE === 'graph' ? 'https://graph.microsoft.com' : 'https://api.security.microsoft.com'
  const client = new DefenderClient({ tokenProvider: provider, tenant: W.contosoTenantId, surface: SURFACE, baseUrl: srv.url, limits: false })
  const pageSize = SURFACE === 'graph' ? 50 : 100
  const path = SURFACE === 'graph' ? '/v1.0/security/incidents' : '/api/incidents'

  async function viaClient(): Promise<number> {
    let n = 0
    for await (const page of client.listIncidents().pages()) n += page.items.length
    return n
  }

  // The bare loop does what a careful script would: Bearer token, $top/$skip or nextLink, JSON.parse.
  async function bare(): Promise<number> {
    const { token } = await provider.getToken({ tenant: W.contosoTenantId, resource })
    const headers = { authorization: `Bearer ${token}`, accept: 'application/json' }
    let n = 0
    let url: string | undefined = `${srv.url}${path}?$top=${pageSize}`
    for (let skip = 0; url; ) {
      const res = await fetch(url, { headers })
      if (!res.ok) throw new Error(`bare fetch: ${res.status}`)
      const body = JSON.parse(await res.text()) as { value: unknown[]; '@odata.nextLink'?: string }
      n += body.value.length
      if (SURFACE === 'graph') url = body['@odata.nextLink']
      else {
        skip += body.value.length
        url = body.value.length < pageSize ? undefined : `${srv.url}${path}?$top=${pageSize}&$skip=${skip}`
      }
    }
    return n
  }

  const timed = async (f: () => Promise<number>) => {
    const t = performance.now()
    const n = await f()
    return { n, ms: performance.now() - t }
  }
  await timed(viaClient) // warm-up: token, JIT, connection pool
  await timed(bare)
  const a: number[] = []
  const b: number[] = []
  let count = 0
  for (let r = 0; r < ROUNDS && performance.now() < DEADLINE; r++) {
    const first = r % 2 === 0
    const x = await timed(first ? viaClient : bare)
    const y = await timed(first ? bare : viaClient)
    const [c, f] = first ? [x, y] : [y, x]
    if (c.n !== f.n) throw new Error(`different item counts: client ${c.n}, bare ${f.n}`)
    count = c.n
    a.push(c.ms)
    b.push(f.ms)
  }
  const median = (xs: number[]) => [...xs].sort((p, q) => p - q)[Math.floor(xs.length / 2)]!
  const clientRate = count / (median(a) / 1000)
  const bareRate = count / (median(b) / 1000)
  const overhead = ((median(a) - median(b)) / median(b)) * 100
  console.log(`surface ${SURFACE}, ${count} incidents (page ${pageSize}), ${a.length} rounds, node ${process.version}`)
  console.log(`  DefenderClient pipeline: ${clientRate.toFixed(0).padStart(7)} incidents/s  (median ${median(a).toFixed(1)} ms per full list)`)
  console.log(`  bare fetch loop:         ${bareRate.toFixed(0).padStart(7)} incidents/s  (median ${median(b).toFixed(1)} ms per full list)`)
  console.log(`  pipeline overhead:       ${overhead.toFixed(1)} %  (target ≤ 10 %)`)
  provider.close()
} finally {
  await srv.close()
}
