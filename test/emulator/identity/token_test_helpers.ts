import { createHash, randomUUID, sign, constants, X509Certificate } from 'node:crypto'
import assert from 'node:assert/strict'
import { WELL_KNOWN, wellKnownConfig, type EmulatorConfig } from '../../../src/emulator/index.js'

/** Extra directory entries for the token tests, on top of the well-known set. */
export const NORTHWIND_TENANT_ID = '9047e000-0000-4000-8000-000000000006'
export const DISABLED_APP_ID = 'd15ab1ed-0000-4000-8000-00000000a002'
export const SINGLE_TENANT_APP_ID = '5181e000-0000-4000-8000-00000000a003'
export const EXPIRED_SECRET_APP_ID = 'e4b12ed0-0000-4000-8000-00000000a004'
export const PLUS_SECRET_APP_ID = 'b1a50000-0000-4000-8000-00000000a005'
export const OTHER_SECRET = 'other~Secret.Value_0123456789abcdefghijkl'
/** The v1 doc's sample secret: contains a raw `+` and `=` (entra-app-only.md §1.2). */
export const PLUS_SECRET = 'qkDwDJlDfig2IpeuUZYKH1Wb8q1V0ju6sILxQQqhJ+s='

export function tokenTestConfig(extra: Partial<EmulatorConfig> = {}): EmulatorConfig {
  const base = wellKnownConfig()
  const home = WELL_KNOWN.homeTenantId
  return {
    ...base,
    tenants: [...base.tenants!, { id: NORTHWIND_TENANT_ID, displayName: 'Northwind', domains: ['northwind.example.com'] }],
    apps: [
      ...base.apps!,
      { appId: DISABLED_APP_ID, displayName: 'disabled app', homeTenant: home, enabled: false, secrets: [{ value: OTHER_SECRET }] },
      { appId: SINGLE_TENANT_APP_ID, displayName: 'single tenant app', homeTenant: home, signInAudience: 'AzureADMyOrg', secrets: [{ value: OTHER_SECRET }] },
      {
        appId: EXPIRED_SECRET_APP_ID,
        displayName: 'expired secret app',
        homeTenant: home,
        secrets: [{ value: OTHER_SECRET, startsAt: '2020-01-01T00:00:00Z', expiresAt: '2021-01-01T00:00:00Z' }],
      },
      { appId: PLUS_SECRET_APP_ID, displayName: 'plus secret app', homeTenant: home, secrets: [{ value: PLUS_SECRET, expiresAt: '2099-01-01T00:00:00Z' }] },
    ],
    // Northwind: the app's service principal exists (consented) but no application permission was granted.
    grants: [...base.grants!, { tenant: NORTHWIND_TENANT_ID, app: WELL_KNOWN.clientId, consent: [] }],
    ...extra,
  }
}

export const FORM = 'application/x-www-form-urlencoded'

export async function postForm(url: string, body: string | Record<string, string>, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': FORM, ...headers },
    body: typeof body === 'string' ? body : new URLSearchParams(body).toString(),
  })
}

export function secretForm(scopeOrResource: { scope: string } | { resource: string }, extra: Record<string, string> = {}): Record<string, string> {
  return { client_id: WELL_KNOWN.clientId, ...scopeOrResource, client_secret: WELL_KNOWN.clientSecret, grant_type: 'client_credentials', ...extra }
}

export interface OAuthErrorBody {
  error: string
  error_description: string
  error_codes: number[]
  timestamp: string
  trace_id: string
  correlation_id: string
  error_uri: string
}

/** Asserts the documented error shape (entra-app-only.md §3.1) and returns the body. */
export async function expectOAuthError(res: Response, status: number, error: string, code: number): Promise<OAuthErrorBody> {
  const text = await res.text()
  assert.equal(res.status, status, text)
  assert.match(res.headers.get('content-type') ?? '', /^application\/json/)
  const body = JSON.parse(text) as OAuthErrorBody
  assert.deepEqual(Object.keys(body), ['error', 'error_description', 'error_codes', 'timestamp', 'trace_id', 'correlation_id', 'error_uri'])
  assert.equal(body.error, error)
  assert.deepEqual(body.error_codes, [code])
  assert.ok(body.error_description.startsWith(`AADSTS${code}: `), body.error_description)
  assert.ok(
    body.error_description.endsWith(`\r\nTrace ID: ${body.trace_id}\r\nCorrelation ID: ${body.correlation_id}\r\nTimestamp: ${body.timestamp}`),
    body.error_description,
  )
  assert.match(body.timestamp, /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}Z$/)
  assert.ok(body.error_uri.endsWith(`/error?code=${code}`))
  return body
}

export function decodeJwt(token: string): { header: Record<string, unknown>; claims: Record<string, unknown> } {
  const [h, p] = token.split('.')
  return { header: JSON.parse(Buffer.from(h!, 'base64url').toString()), claims: JSON.parse(Buffer.from(p!, 'base64url').toString()) }
}

export function thumbprints(certificatePem: string): { sha1: Buffer; sha256: Buffer } {
  const der = new X509Certificate(certificatePem).raw
  return { sha1: createHash('sha1').update(der).digest(), sha256: createHash('sha256').update(der).digest() }
}

/** A client assertion as MSAL Node builds it (entra-app-only.md §2.2), with overridable parts. */
export function buildAssertion(options: {
  aud: unknown
  alg?: 'RS256' | 'PS256'
  header?: Record<string, unknown>
  claims?: Record<string, unknown>
  privateKeyPem?: string
  certificatePem?: string
  nowSeconds?: number
}): string {
  const alg = options.alg ?? 'RS256'
  const tp = thumbprints(options.certificatePem ?? WELL_KNOWN.certificatePem)
  const now = options.nowSeconds ?? Math.floor(Date.now() / 1000)
  const header = { alg, typ: 'JWT', ...(alg === 'RS256' ? { x5t: tp.sha1.toString('base64url') } : { 'x5t#S256': tp.sha256.toString('base64url') }), ...options.header }
  const claims = { aud: options.aud, exp: now + 600, iss: WELL_KNOWN.clientId, jti: randomUUID(), nbf: now, sub: WELL_KNOWN.clientId, iat: now, ...options.claims }
  const input = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`
  const key = options.privateKeyPem ?? WELL_KNOWN.privateKeyPem
  const signature =
    alg === 'RS256'
      ? sign('sha256', Buffer.from(input), key)
      : sign('sha256', Buffer.from(input), { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 })
  return `${input}.${signature.toString('base64url')}`
}

export const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'
