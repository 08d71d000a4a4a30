import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'

/** A real HTTP webhook receiver that answers `failFirst` requests with 503, then 200, and keeps what it got. */
export interface Receiver {
  url: string
  /** Every request received, accepted or not. */
  attempts: number
  requests: { headers: Record<string, string | string[] | undefined>; body: { records: { idempotencyKey: string; id: string; version: number; kind: string; tenantId: string }[] } }[]
  /** Status for the next requests (default: 503 for the first `failFirst`, then 200). */
  failNext(n: number, status?: number): void
  close(): Promise<void>
}

export async function receiver(options: { failFirst?: number } = {}): Promise<Receiver> {
  let failing = options.failFirst ?? 0
  let failStatus = 503
  const requests: Receiver['requests'] = []
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = []
    for await (const c of req) chunks.push(c as Buffer)
    api.attempts++
    if (failing > 0) {
      failing--
      res.writeHead(failStatus, { 'retry-after': '0' }).end('not now')
      return
    }
    requests.push({ headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) })
    res.writeHead(200).end()
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const api: Receiver = {
    attempts: 0,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/m365d?sig=s3cr3t-query`,
    requests,
    failNext(n, status = 503) {
      failing = n
      failStatus = status
    },
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r())
        server.closeAllConnections()
      }),
  }
  return api
}
