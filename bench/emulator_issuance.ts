/**
 * Token issuance throughput of the emulator over real sockets (HTTP and HTTPS on loopback, a few
 * concurrent keep-alive clients in a worker thread), against the machine's raw RS256 signing rate
 * measured in the same run (node:crypto sign of a token-sized payload with a 2048-bit key, one core).
 * Bounded to ~20 s.
 *
 *   node --import tsx bench/emulator_issuance.ts [--seconds 2] [--clients 4]
 */
import { generateKeyPairSync, sign } from 'node:crypto'
import { performance } from 'node:perf_hooks'
import { Worker } from 'node:worker_threads'
import { createEmulator, serve, WELL_KNOWN } from '../src/emulator/index.js'
import { generateCertificate } from '../src/emulator/x509.js'

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`)
  return i > 0 ? Number(process.argv[i + 1]) : fallback
}
const SECONDS = arg('seconds', 2)
const CLIENTS = arg('clients', 4)

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })

function rawSigningRate(seconds: number): number {
  // A realistic v1 app-only header + payload (~1 KB once encoded).
  const header = Buffer.from(JSON.stringify({ typ: 'JWT', alg: 'RS256', x5t: 'q2Rd0XjJvyCUWzJK7u2BH6ieqpk', kid: 'q2Rd0XjJvyCUWzJK7u2BH6ieqpk' })).toString('base64url')
  const claims = {
    aud: 'https://api.security.microsoft.com',
    iss: `https://sts.windows.net/${WELL_KNOWN.contosoTenantId}/`,
    iat: 1795273588,
    nbf: 1795273588,
    exp: 1795277512,
    aio: 'WX8wKvl4Qn0e3PyU6hAY06jpL7n7RCE=',
    appid: WELL_KNOWN.clientId,
    appidacr: '1',
    idp: `https://sts.windows.net/${WELL_KNOWN.contosoTenantId}/`,
    idtyp: 'app',
    oid: 'a0865184-242f-4738-aaff-45a1086fa163',
    rh: '0.Aa4AAADewAAAAECAAAAAAAAAAq396I408kNCjzsVwpSEN0CtAAA.',
    roles: ['Incident.Read.All', 'Incident.ReadWrite.All', 'AdvancedHunting.Read.All'],
    sub: 'a0865184-242f-4738-aaff-45a1086fa163',
    tid: WELL_KNOWN.contosoTenantId,
    uti: '2fKtlH56kFqiQhgHxzpLjQ',
    ver: '1.0',
  }
  const input = Buffer.from(`${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`)
  for (let i = 0; i < 50; i++) sign('sha256', input, privateKey)
  let n = 0
  const start = performance.now()
  const end = start + seconds * 1000
  while (performance.now() < end) {
    sign('sha256', input, privateKey)
    n++
  }
  return n / ((performance.now() - start) / 1000)
}

/**
 * The load generator runs in a worker thread (plain CommonJS, no TypeScript loader needed) so the
 * emulator's event loop is measured, not the clients' request building and parsing.
 */
const CLIENT_WORKER = `
const { parentPort, workerData: w } = require('node:worker_threads')
const http = require('node:http'), https = require('node:https')
const { performance } = require('node:perf_hooks')
const url = new URL(w.base)
const agent = w.ca ? new https.Agent({ keepAlive: true, maxSockets: w.clients, ca: w.ca }) : new http.Agent({ keepAlive: true, maxSockets: w.clients })
const request = w.ca ? https.request : http.request
const send = () => new Promise((resolve, reject) => {
  const r = request({ host: url.hostname, port: url.port, path: w.path, method: 'POST', agent,
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(w.body) } },
    (res) => { res.resume(); res.on('end', () => resolve(res.statusCode)) })
  r.on('error', reject)
  r.end(w.body)
})
;(async () => {
  for (let i = 0; i < 50; i++) if ((await send()) !== 200) throw new Error('warm-up request failed')
  const latencies = []
  parentPort.postMessage('start')
  const start = performance.now(), end = start + w.seconds * 1000
  await Promise.all(Array.from({ length: w.clients }, async () => {
    while (performance.now() < end) {
      const t = performance.now()
      const status = await send()
      if (status !== 200) throw new Error('token request answered ' + status)
      latencies.push(performance.now() - t)
    }
  }))
  latencies.sort((a, b) => a - b)
  agent.destroy()
  parentPort.postMessage({ rate: latencies.length / ((performance.now() - start) / 1000),
    p50: latencies[Math.floor(latencies.length / 2)], p99: latencies[Math.floor(latencies.length * 0.99)] })
})().catch((e) => { throw e })
`

interface Result {
  rate: number
  p50: number
  p99: number
  /** Event-loop utilisation of the emulator's thread during the run: < 1 means it was not the bottleneck. */
  elu: number
}

function issuanceRate(base: string, path: string, body: string, ca?: string): Promise<Result> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(CLIENT_WORKER, { eval: true, execArgv: [], workerData: { base, path, body, ca, clients: CLIENTS, seconds: SECONDS } })
    let elu = performance.eventLoopUtilization()
    worker.on('message', (m: 'start' | Omit<Result, 'elu'>) => {
      if (m === 'start') elu = performance.eventLoopUtilization()
      else resolve({ ...m, elu: performance.eventLoopUtilization(elu).utilization })
    })
    worker.once('error', reject)
  })
}

async function inProcessRate(url: string, body: string): Promise<Result> {
  const headers = { 'content-type': 'application/x-www-form-urlencoded' }
  const once = async () => {
    const response = await emulator.handle(new Request(url, { method: 'POST', headers, body }), { bodyText: body })
    if (response.status !== 200) throw new Error(`token request answered ${response.status}`)
    await response.arrayBuffer()
  }
  for (let i = 0; i < 50; i++) await once()
  const latencies: number[] = []
  const start = performance.now()
  const end = start + SECONDS * 1000
  while (performance.now() < end) {
    const t = performance.now()
    await once()
    latencies.push(performance.now() - t)
  }
  latencies.sort((a, b) => a - b)
  return { rate: latencies.length / ((performance.now() - start) / 1000), p50: latencies[Math.floor(latencies.length / 2)]!, p99: latencies[Math.floor(latencies.length * 0.99)]!, elu: 1 }
}

interface Row extends Result {
  raw: number
}

/**
 * Two runs, each right after a 1 s raw-signing measurement (the machine is shared, so the ratio is
 * taken against the raw rate of the same moment); the faster run is kept.
 */
async function measure(run: () => Promise<Result>): Promise<Row> {
  let best: Row | undefined
  for (let i = 0; i < 2; i++) {
    const raw = rawSigningRate(1)
    const r = { ...(await run()), raw }
    if (!best || r.rate > best.rate) best = r
  }
  return best!
}

const emulator = await createEmulator()
const ca = await generateCertificate({ commonName: 'm365d bench CA', days: 1, isCa: true })
const leaf = await generateCertificate({ commonName: '127.0.0.1', days: 1, altNames: ['127.0.0.1', 'localhost'], issuer: ca })
const http = await serve(emulator)
const https = await serve(emulator, { tls: { certificatePem: leaf.certificatePem, privateKeyPem: leaf.privateKeyPem } })

const secretBody = new URLSearchParams({
  client_id: WELL_KNOWN.clientId,
  scope: 'https://api.security.microsoft.com/.default',
  client_secret: WELL_KNOWN.clientSecret,
  grant_type: 'client_credentials',
}).toString()
const v2 = `/${WELL_KNOWN.contosoTenantId}/oauth2/v2.0/token`
const v1Body = new URLSearchParams({ client_id: WELL_KNOWN.clientId, resource: 'https://graph.microsoft.com', client_secret: WELL_KNOWN.clientSecret, grant_type: 'client_credentials' }).toString()
const v1 = `/contoso.onmicrosoft.com/oauth2/token`

// Unmeasured warm-up: lets the JIT optimise the server path before the first row.
await issuanceRate(http.url, v2, secretBody)
const rows: [string, Row][] = []
rows.push(['HTTP  v2 client_secret', await measure(() => issuanceRate(http.url, v2, secretBody))])
rows.push(['HTTP  v1 client_secret', await measure(() => issuanceRate(http.url, v1, v1Body))])
rows.push(['HTTPS v2 client_secret', await measure(() => issuanceRate(https.url, v2, secretBody, ca.certificatePem))])
// No sockets: the fetch app alone (emulator.handle), sequentially — where the non-signing cost lives.
rows.push(['in-process v2 (no sockets)', await measure(() => inProcessRate(`http://127.0.0.1${v2}`, secretBody))])
await http.close()
await https.close()

const pad = (s: string, n: number) => s.padEnd(n)
console.log(`node ${process.version}, ${CLIENTS} keep-alive clients, ${SECONDS} s per row, load generator in a worker thread, best of 2 runs per row, each next to a 1 s raw-signing run`)
console.log(`${pad('measurement', 28)}${pad('tokens/s', 11)}${pad('p50 ms', 9)}${pad('p99 ms', 9)}${pad('raw RS256/s', 13)}${pad('% of raw', 10)}emulator loop busy`)
for (const [name, r] of rows) console.log(`${pad(name, 28)}${pad(r.rate.toFixed(0), 11)}${pad(r.p50.toFixed(2), 9)}${pad(r.p99.toFixed(2), 9)}${pad(r.raw.toFixed(0), 13)}${pad(`${((r.rate / r.raw) * 100).toFixed(0)} %`, 10)}${(r.elu * 100).toFixed(0)} %`)
