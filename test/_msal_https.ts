import { request } from 'node:https'
import type { INetworkModule, NetworkRequestOptions, NetworkResponse } from '@azure/msal-node'

/**
 * An MSAL network client that trusts the emulator's CA (the in-process equivalent of
 * NODE_EXTRA_CA_CERTS, which Node reads only at start). Shared by the MSAL interop test and the
 * token-cache benchmark.
 */
export function msalHttpsClient(ca: string): INetworkModule {
  const once = <T>(method: string, url: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> =>
    new Promise((resolve, reject) => {
      const req = request(url, { method, ca, headers: options?.headers ?? {} }, (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => {
          const headers: Record<string, string> = {}
          for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') headers[k] = v
          resolve({ headers, body: JSON.parse(Buffer.concat(chunks).toString() || '{}') as T, status: res.statusCode ?? 0 })
        })
      })
      req.on('error', reject)
      if (options?.body) req.write(options.body)
      req.end()
    })
  // A kept-alive socket closed by the server while idle resets on reuse: retry such a request once.
  const send = <T>(method: string, url: string, options?: NetworkRequestOptions) =>
    once<T>(method, url, options).catch((e: NodeJS.ErrnoException) => (e.code === 'ECONNRESET' ? once<T>(method, url, options) : Promise.reject(e)))
  return { sendGetRequestAsync: (url, o) => send('GET', url, o), sendPostRequestAsync: (url, o) => send('POST', url, o) }
}
