import { signal } from '@preact/signals'
import type { SessionInfo } from '../../src/console/api_types.ts'

/** The session (CSRF token for changes), loaded once at start. */
export const session = signal<SessionInfo | null>(null)

export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly hint?: string) {
    super(message)
  }
}

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' }
  if (method !== 'GET') {
    headers['content-type'] = 'application/json'
    if (session.value) headers['x-csrf-token'] = session.value.csrfToken
  }
  const res = await fetch(`/console/api${path}`, { method, headers, credentials: 'same-origin', ...(body !== undefined && { body: JSON.stringify(body) }) })
  if (res.status === 401) {
    location.assign('/console/')
    throw new ApiError(401, 'ERR_CONSOLE_LOGIN', 'session ended: log in again')
  }
  const data = (await res.json().catch(() => ({}))) as { error?: { code: string; message: string; hint?: string } }
  if (!res.ok) throw new ApiError(res.status, data.error?.code ?? 'ERR_HTTP', data.error?.message ?? `HTTP ${res.status}`, data.error?.hint)
  return data as T
}

export const api = {
  get: <T>(path: string) => call<T>('GET', path),
  post: <T>(path: string, body: unknown) => call<T>('POST', path, body),
  patch: <T>(path: string, body: unknown) => call<T>('PATCH', path, body),
  del: <T>(path: string) => call<T>('DELETE', path),
}

/** Live updates: one EventSource for the whole app; pages subscribe to event names. */
type Listener = () => void
const listeners = new Map<string, Set<Listener>>()
export const liveConnected = signal(false)
let source: EventSource | undefined

export function connectLive(): void {
  source = new EventSource('/console/api/events')
  source.addEventListener('open', () => (liveConnected.value = true))
  source.addEventListener('error', () => (liveConnected.value = false))
  for (const name of ['incidents', 'tenants', 'health']) source.addEventListener(name, () => listeners.get(name)?.forEach((l) => l()))
}

export function onLive(name: 'incidents' | 'tenants' | 'health', l: Listener): () => void {
  let set = listeners.get(name)
  if (!set) listeners.set(name, (set = new Set()))
  set.add(l)
  return () => set!.delete(l)
}

export function fmtAge(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return '–'
  if (seconds < 60) return `${Math.round(seconds)}s`
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m`
  if (seconds < 86400) return `${Math.floor(seconds / 3600)}h ${Math.floor((seconds % 3600) / 60)}m`
  return `${Math.floor(seconds / 86400)}d ${Math.floor((seconds % 86400) / 3600)}h`
}

export function fmtTime(iso: string | null | undefined): string {
  if (!iso) return '–'
  const d = new Date(iso)
  return d.toISOString().replace('T', ' ').slice(0, 19) + 'Z'
}

export function ago(iso: string | null | undefined): string {
  if (!iso) return 'never'
  return `${fmtAge((Date.now() - Date.parse(iso)) / 1000)} ago`
}
