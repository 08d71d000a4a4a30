/**
 * Cache-hit latency of TokenProvider.getToken vs @azure/msal-node ConfidentialClientApplication
 * acquireTokenByClientCredential, side by side in one run, with 1, 1,000 and 100,000 cached tenants.
 *
 *   node --import tsx bench/token_cache.ts            (M365D_BENCH_MSAL_MAX=10000 by default)
 *
 * Population:
 * - 1 and 1,000 tenants: both caches are filled through the emulator over the network (ours over
 *   HTTP, MSAL over HTTPS with the emulator's CA — MSAL refuses http authorities).
 * - 100,000 tenants: minting 100k RS256 tokens would take minutes, so ours is filled through a
 *   TokenCredential peer returning unsigned tokens, and MSAL's cache is filled with its own persistence
 *   API (serialize one real entry, clone it per tenant, deserialize). MSAL's lookup is O(n) (msal-js
 *   #5457), so it is filled with at most M365D_BENCH_MSAL_MAX tenants and the table says so.
 *
 * Latency: calls are awaited one after the other; each sample is the mean of a batch of calls timed
 * with process.hrtime.bigint(); median and p99 are over the batches.
 */
import { ConfidentialClientApplication } from '@azure/msal-node'
import { TokenProvider } from '../src/auth/index.js'
import { createEmulator, serve } from '../src/emulator/index.js'
import { WELL_KNOWN, wellKnownConfig } from '../src/emulator/well_known.js'
import { generateCertificate } from '../src/emulator/x509.js'
import { msalHttpsClient } from '../test/_msal_https.js'

const DEFENDER = 'https://api.security.microsoft.com'
const SCOPES = [`${DEFENDER}/.default`]
const REAL_TENANTS = 1_000
const BIG = 100_000
const MSAL_MAX = Number(process.env.M365D_BENCH_MSAL_MAX ?? 10_000)
const started = Date.now()

function guid(i: number): string {
  const h = i.toString(16).padStart(12, '0')
  return `be0c0000-0000-4000-8000-${h}`
}


async function pool<T>(items: T[], concurrency: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < items.length) await fn(items[next++]!)
  }))
}

interface Stats { medianUs: number; p99Us: number; calls: number }

/** Runs `call(i)` in batches for about `budgetMs`; returns per-call median / p99 over batch means. */
async function measure(call: (i: number) => Promise<unknown>, batch: number, budgetMs: number, maxBatches = 2000): Promise<Stats> {
  let i = 0
  for (let w = 0; w < batch * 3; w++) await call(i++) // warm-up
  const samples: number[] = []
  const until = Date.now() + budgetMs
  while (Date.now() < until && samples.length < maxBatches) {
    const t0 = process.hrtime.bigint()
    for (let k = 0; k < batch; k++) await call(i++)
    samples.push(Number(process.hrtime.bigint() - t0) / 1000 / batch)
  }
  samples.sort((a, b) => a - b)
  const at = (q: number) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))]!
  return { medianUs: at(0.5), p99Us: at(0.99), calls: samples.length * batch }
}

const fmt = (n: number) => (n < 10 ? n.toFixed(2) : n < 1000 ? n.toFixed(1) : n.toFixed(0))

async function main() {
  // --- emulator with 1,000 consented tenants, on HTTP (ours) and HTTPS (MSAL) ---
  const emulator = await createEmulator({ config: { ...wellKnownConfig(), tokenLifetimeSeconds: 86_400 } })
  const tenants = Array.from({ length: REAL_TENANTS }, (_, i) => guid(i))
  for (const id of tenants) {
    emulator.directory.addTenant({ id })
    emulator.directory.consent(id, WELL_KNOWN.clientId)
  }
  const caCert = await generateCertificate({ commonName: 'm365d bench CA', days: 1, isCa: true })
  const serverCert = await generateCertificate({ commonName: 'localhost', days: 1, altNames: ['127.0.0.1'], issuer: caCert })
  const http = await serve(emulator)
  const https = await serve(emulator, { tls: { certificatePem: serverCert.certificatePem, privateKeyPem: serverCert.privateKeyPem } })

  // --- ours: 1,000 real tokens over HTTP ---
  const ours = new TokenProvider({ clientId: WELL_KNOWN.clientId, credential: { kind: 'secret', secret: WELL_KNOWN.clientSecret }, authorityHost: http.url })
  let t0 = Date.now()
  await pool(tenants, 32, (tenant) => ours.getToken({ tenant, resource: DEFENDER }))
  const oursFillMs = Date.now() - t0

  // --- MSAL: 1,000 real tokens over HTTPS, one app, authority per request (its multi-tenant pattern) ---
  const host = new URL(https.url).host
  const cca = new ConfidentialClientApplication({
    auth: { clientId: WELL_KNOWN.clientId, clientSecret: WELL_KNOWN.clientSecret, authority: `${https.url}/${tenants[0]}`, knownAuthorities: [host] },
    system: { networkClient: msalHttpsClient(caCert.certificatePem) },
  })
  const msalReq = tenants.map((tenant) => ({ scopes: SCOPES, authority: `${https.url}/${tenant}` }))
  t0 = Date.now()
  await pool(msalReq, 16, (r) => cca.acquireTokenByClientCredential(r))
  const msalFillMs = Date.now() - t0
  let tokenRequests = emulator.requests.list({ group: 'token' }).length

  const rows: { tenants: string; ours: Stats; msal: Stats | undefined; note?: string }[] = []
  const oursReq = tenants.map((tenant) => ({ tenant, resource: DEFENDER }))
  const checkHit = async () => {
    const n = emulator.requests.list({ group: 'token' }).length
    if (n !== tokenRequests) throw new Error(`cache misses during measurement: ${n - tokenRequests} token requests`)
  }

  // 1 tenant: a fresh provider and a fresh MSAL app holding only that tenant's token.
  {
    const one = new TokenProvider({ clientId: WELL_KNOWN.clientId, credential: { kind: 'secret', secret: WELL_KNOWN.clientSecret }, authorityHost: http.url })
    const ccaOne = new ConfidentialClientApplication({
      auth: { clientId: WELL_KNOWN.clientId, clientSecret: WELL_KNOWN.clientSecret, authority: `${https.url}/${tenants[0]}`, knownAuthorities: [host] },
      system: { networkClient: msalHttpsClient(caCert.certificatePem) },
    })
    await one.getToken(oursReq[0]!)
    await ccaOne.acquireTokenByClientCredential(msalReq[0]!)
    tokenRequests += 2
    const o = await measure(() => one.getToken(oursReq[0]!), 1000, 2000)
    const m = await measure(() => ccaOne.acquireTokenByClientCredential(msalReq[0]!), 100, 3000, 500)
    rows.push({ tenants: '1', ours: o, msal: m })
    one.close()
  }
  // 1,000 tenants
  {
    const o = await measure((i) => ours.getToken(oursReq[i % REAL_TENANTS]!), 1000, 2000)
    const m = await measure((i) => cca.acquireTokenByClientCredential(msalReq[i % REAL_TENANTS]!), 20, 4000, 300)
    rows.push({ tenants: '1,000', ours: o, msal: m })
  }
  await checkHit()

  // 100,000 tenants: ours through a TokenCredential peer (no signing), MSAL through its cache persistence.
  const big = Array.from({ length: BIG }, (_, i) => ({ tenant: guid(i), resource: DEFENDER }))
  // Unsigned JWT-shaped tokens carrying the tenant's tid: the tenant guard reads tid and fails closed without it.
  const unsigned = {
    async getToken(_scopes: string | string[], o?: { tenantId?: string }) {
      return { token: `eyJhbGciOiJub25lIn0.${Buffer.from(JSON.stringify({ tid: o?.tenantId })).toString('base64url')}.`, expiresOnTimestamp: Date.now() + 86_400_000 }
    },
  }
  const oursBig = new TokenProvider({ clientId: WELL_KNOWN.clientId, credential: { kind: 'token-credential', credential: unsigned }, authorityHost: http.url })
  t0 = Date.now()
  for (const r of big) await oursBig.getToken(r)
  const oursBigFillMs = Date.now() - t0
  const oBig = await measure((i) => oursBig.getToken(big[(i * 7919) % BIG]!), 1000, 2000)

  const msalBigCount = Math.min(MSAL_MAX, BIG)
  const ccaBig = new ConfidentialClientApplication({
    auth: { clientId: WELL_KNOWN.clientId, clientSecret: WELL_KNOWN.clientSecret, authority: `${https.url}/${tenants[0]}`, knownAuthorities: [host] },
    system: { networkClient: msalHttpsClient(caCert.certificatePem) },
  })
  const serialized = JSON.parse(cca.getTokenCache().serialize()) as { AccessToken: Record<string, unknown> }
  const [seedKey, seedEntry] = Object.entries(serialized.AccessToken).find(([k]) => k.includes(tenants[0]!))!
  const access: Record<string, unknown> = {}
  for (let i = 0; i < msalBigCount; i++) {
    const id = guid(i)
    access[seedKey.replace(tenants[0]!, id)] = JSON.parse(JSON.stringify(seedEntry).replaceAll(tenants[0]!, id))
  }
  t0 = Date.now()
  ccaBig.getTokenCache().deserialize(JSON.stringify({ ...serialized, AccessToken: access }))
  // Measure on 50 tenants the emulator knows (MSAL resolves each authority's metadata once, a
  // discovery GET, not a token request); the lookup cost depends on the cache size, not on which entry.
  const sample = Array.from({ length: 50 }, (_, k) => ({ scopes: SCOPES, authority: `${https.url}/${guid((k * 7919) % REAL_TENANTS)}` }))
  await pool(sample, 8, (r) => ccaBig.acquireTokenByClientCredential(r))
  const msalBigFillMs = Date.now() - t0
  const before = emulator.requests.list({ group: 'token' }).length
  const mBig = await measure((i) => ccaBig.acquireTokenByClientCredential(sample[i % sample.length]!), 2, 6000, 40)
  const msalMissed = emulator.requests.list({ group: 'token' }).length - before
  rows.push({
    tenants: '100,000',
    ours: oBig,
    msal: mBig,
    note: msalBigCount < BIG ? `MSAL filled with ${msalBigCount.toLocaleString('en-US')} tenants (O(n) lookup)` : undefined,
  })

  // --- report ---
  console.log(`\nToken cache hit latency (µs per awaited call; node ${process.version}, ${process.platform}/${process.arch})`)
  console.log('| cached tenants | m365d median | m365d p99 | MSAL median | MSAL p99 | MSAL / m365d (median) | note |')
  console.log('| ---: | ---: | ---: | ---: | ---: | ---: | --- |')
  for (const r of rows)
    console.log(`| ${r.tenants} | ${fmt(r.ours.medianUs)} | ${fmt(r.ours.p99Us)} | ${r.msal ? fmt(r.msal.medianUs) : '–'} | ${r.msal ? fmt(r.msal.p99Us) : '–'} | ${r.msal ? `${fmt(r.msal.medianUs / r.ours.medianUs)}×` : '–'} | ${r.note ?? ''} |`)
  const at1k = rows[1]!
  console.log(`\nRatio MSAL/m365d at 1,000 tenants: ${fmt(at1k.msal!.medianUs / at1k.ours.medianUs)}× (target ≥ 50×)`)
  console.log(
    `Fill: m365d 1,000 tokens over HTTP ${oursFillMs} ms; MSAL 1,000 tokens over HTTPS ${msalFillMs} ms; m365d 100,000 entries ${oursBigFillMs} ms; MSAL ${msalBigCount} entries (deserialize + 50 warm-up) ${msalBigFillMs} ms; MSAL token requests during 100k measurement: ${msalMissed}`,
  )
  console.log(`Total ${((Date.now() - started) / 1000).toFixed(1)} s`)
  ours.close()
  oursBig.close()
  await http.close()
  await https.close()
}

await main()
