import { M365dError } from '../../lib/errors.js'
import type { RegistryInput, RegistryOperationName, RegistryResult } from '../registry_operations.js'
import type { LocalApiDiscovery } from './discovery.js'
import { LOCAL_API_PREFIX } from './server.js'

/**
 * An error the daemon's local API answered with — the same code, message and hint the direct path
 * would have thrown, so the CLI prints it (and picks the exit code) the same way — or a transport
 * failure (`ERR_LOCAL_API_UNREACHABLE`, `ERR_LOCAL_API_UNAUTHORIZED`).
 */
export class LocalApiError extends M365dError {
  readonly status: number | undefined
  constructor(code: string, message: string, options: { hint?: string; cause?: unknown; status?: number } = {}) {
    super(code, message, options)
    this.status = options.status
  }
}

/** Calls the daemon that published `d`; `path` is `registry/{op}` or `daemon/{op}`. */
export async function callLocalApi(d: LocalApiDiscovery, path: string, input: unknown, o: { timeoutMs?: number } = {}): Promise<unknown> {
  let response: Response
  try {
    response = await fetch(`${d.url.replace(/\/+$/, '')}${LOCAL_API_PREFIX}/${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${d.credential}`, 'content-type': 'application/json' },
      body: JSON.stringify(input ?? {}),
      signal: AbortSignal.timeout(o.timeoutMs ?? 60_000),
      redirect: 'error',
    })
  } catch (cause) {
    throw new LocalApiError('ERR_LOCAL_API_UNREACHABLE', `the m365d daemon (pid ${d.pid}) that owns the store does not answer on its local API ${d.url}`, {
      hint: 'if it is still starting, retry in a few seconds; if it hangs, stop it (kill ' + d.pid + ') and run the command again',
      cause,
    })
  }
  const body = (await response.json().catch(() => undefined)) as { result?: unknown; error?: { code?: string; message?: string; hint?: string } } | undefined
  if (response.ok && body && 'result' in body) return body.result
  const e = body?.error
  if (response.status === 401) throw new LocalApiError('ERR_LOCAL_API_UNAUTHORIZED', `the m365d daemon (pid ${d.pid}) refused the local API credential`, { hint: 'its discovery file was replaced meanwhile: run the command again', status: 401 })
  throw new LocalApiError(e?.code ?? 'ERR_LOCAL_API_INTERNAL', e?.message ?? `the daemon's local API answered ${response.status}`, { ...(e?.hint && { hint: e.hint }), status: response.status })
}

/** A registry operation through the daemon: typed like {@link runRegistryOperation}. */
export async function callRegistry<N extends RegistryOperationName>(d: LocalApiDiscovery, name: N, input: RegistryInput<N>): Promise<RegistryResult<N>> {
  return (await callLocalApi(d, `registry/${name}`, input)) as RegistryResult<N>
}
