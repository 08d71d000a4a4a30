/**
 * List throughput (incidents/s) through the full DefenderClient pipeline (retry/timeout →
 * authorization → rate limiter [off] → transport → JSON processing → async iterator) against the
 * emulator on a real port with its quotas off, side by side in the SAME run with a bare `fetch`
 * loop fetching the same pages (same token, same URLs, JSON.parse). Rounds alternate A/B to share
 * warm-up and noise; the medians are compared. Target: pipeline overhead ≤ 10 %. Bounded (< 60 s).
 *
 *   node --import tsx bench/incidents_pipeline.ts [--incidents 2000] [--rounds 7] [--surface legacy|graph]
 */
import { availableParallelism, loadavg } from 'node:os'
import { performance } from 'node:perf_hooks'
import { TokenProvider } from '../src/auth/index.js'
import { DefenderClient } from '../src/defender/index.js'
import { createEmulator, serve, WELL_KNOWN } from '../src/emulator/index.js'

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`)
  return i > 0 ? process.argv[i + 1]! : fallback
}
const INCIDENTS = Number(arg('incidents', '2000'))
const ROUNDS = Number(arg('rounds', '9'))
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
  const best = (xs: number[]) => Math.min(...xs)
  const pct = (x: number, y: number) => `${(((x - y) / y) * 100).toFixed(1)} %`
  console.log(`surface ${SURFACE}, ${count} incidents (page ${pageSize}), ${a.length} rounds, node ${process.version}, load average ${loadavg()[0]!.toFixed(1)} on ${availableParallelism()} cores`)
  console.log(`  DefenderClient pipeline: ${(count / (median(a) / 1000)).toFixed(0).padStart(7)} incidents/s median, ${(count / (best(a) / 1000)).toFixed(0).padStart(7)} best`)
  console.log(`  bare fetch loop:         ${(count / (median(b) / 1000)).toFixed(0).padStart(7)} incidents/s median, ${(count / (best(b) / 1000)).toFixed(0).padStart(7)} best`)
  console.log(`  pipeline overhead:       ${pct(median(a), median(b))} median, ${pct(best(a), best(b))} best  (target ≤ 10 %)`)

  // The same comparison without the network and the server: one real page body (fetched from the
  // emulator) served from memory by an injected fetch, so only client-side CPU per page is compared.
  const { token } = await provider.getToken({ tenant: W.contosoTenantId, resource })
  const pageText = await (await fetch(`${srv.url}${path}?$top=${pageSize}`, { headers: { authorization: `Bearer ${token}` } })).text()
  const PAGES = 300
  // Every canned page carries its own ids: the client drops incidents it already yielded in a
  // listing (offset-shift repeats), so 300 copies of one page would be one page of news and then
  // an endless run of repeats.
  const template = JSON.parse(pageText) as { value: Record<string, unknown>[] }
  const texts = Array.from({ length: PAGES }, (_, p) =>
    JSON.stringify({ ...template, value: template.value.map((item, i) => (SURFACE === 'graph' ? { ...item, id: String(p * 1000 + i) } : { ...item, incidentId: p * 1000 + i })) }),
  )
  let served = 0
  const canned: typeof fetch = async () => new Response(texts[served++ % PAGES], { status: 200, headers: { 'content-type': 'application/json' } })
  const memClient = new DefenderClient({ tokenProvider: provider, tenant: W.contosoTenantId, surface: SURFACE, baseUrl: srv.url, limits: false, fetch: canned })
  const memPipeline = async () => {
    let n = 0
    for await (const page of memClient.listIncidents({ limit: PAGES * JSON.parse(pageText).value.length }).pages()) n += page.items.length
    return n
  }
  const memBare = async () => {
    let n = 0
    for (let i = 0; i < PAGES; i++) {
      const res = await canned(`${srv.url}${path}?$top=${pageSize}&$skip=${i * pageSize}`, { headers: { authorization: `Bearer ${token}`, accept: 'application/json' } })
      n += (JSON.parse(await res.text()) as { value: unknown[] }).value.length
    }
    return n
  }
  await memPipeline()
  await memBare()
  const ma: number[] = []
  const mb: number[] = []
  for (let r = 0; r < 15; r++) {
    if (r % 2 === 0) {
      ma.push((await timed(memPipeline)).ms)
      mb.push((await timed(memBare)).ms)
    } else {
      mb.push((await timed(memBare)).ms)
      ma.push((await timed(memPipeline)).ms)
    }
  }
  const perPage = (ms: number) => ((ms / PAGES) * 1000).toFixed(0)
  console.log(`  in-memory (no network), ${PAGES} pages of ${pageSize}: pipeline ${perPage(median(ma))} µs/page median (${perPage(best(ma))} best), bare ${perPage(median(mb))} µs/page median (${perPage(best(mb))} best), overhead ${pct(median(ma), median(mb))} median, ${pct(best(ma), best(mb))} best`)
  provider.close()
} finally {
  await srv.close()
}
