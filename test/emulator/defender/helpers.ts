import { WELL_KNOWN } from '../../../src/emulator/well_known.js'

export const LEGACY_SCOPE = 'https://api.security.microsoft.com/.default'
export const GRAPH_SCOPE = 'https://graph.microsoft.com/.default'

/** A token from the emulator's own v2 token endpoint (plain form POST, as the curl samples do). */
export async function getToken(baseUrl: string, tenant: string, scope: string): Promise<string> {
  const res = await fetch(`${baseUrl}/${tenant}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: WELL_KNOWN.clientId, client_secret: WELL_KNOWN.clientSecret, scope }),
  })
  const body = (await res.json()) as { access_token?: string; error?: string }
  if (!body.access_token) throw new Error(`token request failed: ${res.status} ${body.error}`)
  return body.access_token
}

export interface ApiError {
  error: { code: string; message: string; target?: string; innerError?: Record<string, string> }
}

export async function call<T = Record<string, unknown>>(url: string, token: string | undefined, init: RequestInit = {}): Promise<{ status: number; headers: Headers; body: T }> {
  const headers = new Headers(init.headers)
  if (token) headers.set('authorization', `Bearer ${token}`)
  // Control and API routes take JSON; the control API wants the type on a bodyless POST too.
  if (init.body || ['POST', 'PUT', 'PATCH'].includes(init.method ?? 'GET')) headers.set('content-type', 'application/json')
  const res = await fetch(url, { ...init, headers })
  const text = await res.text()
  return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : undefined) as T }
}
