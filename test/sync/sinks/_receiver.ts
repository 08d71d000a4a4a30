import { createHmac, timingSafeEqual } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

/** A real HTTP webhook receiver that answers `failFirst` requests with 503, then 200, and keeps what it got. */
export interface Receiver {
  url: string
  /** Every request received, accepted or not. */
  attempts: number
  /** Every request as received, whatever the answer: method, headers and the raw body (what a verifier needs). */
  received: { method: string; headers: Record<string, string | string[] | undefined>; rawBody: string }[]
  /** Accepted requests (2xx), body parsed. */
  requests: { headers: Record<string, string | string[] | undefined>; rawBody: string; body: { records: { idempotencyKey: string; id: string; version: number; kind: string; tenantId: string }[] } }[]
  /** Status for the next requests (default: 503 for the first `failFirst`, then 200). */
  failNext(n: number, status?: number, headers?: Record<string, string>): void
  /** From now on every request is left unanswered (a hanging receiver) until `close()`. */
  hang(): void
  close(): Promise<void>
}

export async function receiver(options: { failFirst?: number } = {}): Promise<Receiver> {
  let failing = options.failFirst ?? 0
  let failStatus = 503
  let failHeaders: Record<string, string> = { 'retry-after': '0' }
  let hanging = false
  const parked: ServerResponse[] = []
  const requests: Receiver['requests'] = []
  const received: Receiver['received'] = []
  const server = createServer(async (req: IncomingMessage, res) => {
    const chunks: Buffer[] = []
    for await (const c of req) chunks.push(c as Buffer)
    const rawBody = Buffer.concat(chunks).toString('utf8')
    api.attempts++
    received.push({ method: req.method ?? '', headers: req.headers, rawBody })
    if (hanging) return void parked.push(res)
    if (failing > 0) {
      failing--
      res.writeHead(failStatus, failHeaders).end('not now')
      return
    }
    requests.push({ headers: req.headers, rawBody, body: JSON.parse(rawBody) })
    res.writeHead(200).end()
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const api: Receiver = {
    attempts: 0,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/m365d?sig=s3cr3t-query`,
    requests,
    received,
    failNext(n, status = 503, headers = { 'retry-after': '0' }) {
      failing = n
      failStatus = status
      failHeaders = headers
    },
    hang() {
      hanging = true
    },
    close: () =>
      new Promise<void>((r) => {
        for (const res of parked) res.destroy()
        server.close(() => r())
        server.closeAllConnections()
      }),
  }
  return api
}

/**
 * Standard Webhooks verification, written from the specification (spec/standard-webhooks.md
 * "Verifying signatures") and independent of the sink's signing code: the key is the base64 part of
 * the `whsec_` secret, the signed content `{webhook-id}.{webhook-timestamp}.{raw body}`, the header a
 * space-separated list of `v1,<base64>`; compared in constant time; the timestamp within 5 minutes.
 */
export function verifyStandardWebhook(secret: string, headers: Record<string, string | string[] | undefined>, rawBody: string, nowSeconds = Math.floor(Date.now() / 1000)): boolean {
  const id = headers['webhook-id']
  const timestamp = headers['webhook-timestamp']
  const signatures = headers['webhook-signature']
  if (typeof id !== 'string' || typeof timestamp !== 'string' || typeof signatures !== 'string') return false
  if (!/^\d+$/.test(timestamp) || Math.abs(nowSeconds - Number(timestamp)) > 300) return false
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64')
  const expected = createHmac('sha256', key).update(`${id}.${timestamp}.${rawBody}`).digest()
  return signatures.split(' ').some((entry) => {
    const [version, value] = entry.split(',', 2)
    if (version !== 'v1' || value === undefined) return false
    const given = Buffer.from(value, 'base64')
    return given.length === expected.length && timingSafeEqual(given, expected)
  })
}
