// Shared helpers for the src/jwt tests: real tokens from the emulator over HTTP, and hand-made
// ones (signed with a throwaway RSA key) for shapes the emulator never issues.
import { createPrivateKey, randomUUID, sign } from 'node:crypto'
import { generateKeyPair, SignJWT } from 'jose'
import { WELL_KNOWN } from '../../src/emulator/well_known.js'

export const DEFENDER = 'https://api.security.microsoft.com'
export const GRAPH = 'https://graph.microsoft.com'
export const MDE = 'https://api.securitycenter.microsoft.com'

/** client_credentials against the emulator's v1 or v2 token endpoint; returns the access token. */
export async function emulatorToken(
  baseUrl: string,
  tenant: string,
  resource: string,
  options: { v2?: boolean; certificate?: boolean } = {},
): Promise<string> {
  const endpoint = `${baseUrl}/${tenant}/oauth2/${options.v2 ? 'v2.0/' : ''}token`
  const body = new URLSearchParams({ grant_type: 'client_credentials', client_id: WELL_KNOWN.clientId })
  if (options.v2) body.set('scope', `${resource}/.default`)
  else body.set('resource', resource)
  if (options.certificate) {
    body.set('client_assertion_type', 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer')
    body.set('client_assertion', clientAssertion(endpoint))
  } else {
    body.set('client_secret', WELL_KNOWN.clientSecret)
  }
  const res = await fetch(endpoint, { method: 'POST', body })
  const json = (await res.json()) as { access_token?: string; error?: string }
  if (res.status !== 200 || !json.access_token) throw new Error(`token request failed: HTTP ${res.status} ${json.error}`)
  return json.access_token
}

/** The certificate credential: an RS256 assertion with the well-known certificate's x5t (entra-app-only.md §2.2). */
function clientAssertion(audience: string): string {
  const now = Math.floor(Date.now() / 1000)
  const x5t = Buffer.from(WELL_KNOWN.certificateThumbprint, 'hex').toString('base64url')
  const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url')
  const input = `${enc({ alg: 'RS256', typ: 'JWT', x5t })}.${enc({ aud: audience, iss: WELL_KNOWN.clientId, sub: WELL_KNOWN.clientId, jti: randomUUID(), nbf: now, exp: now + 600 })}`
  return `${input}.${sign('sha256', Buffer.from(input), createPrivateKey(WELL_KNOWN.privateKeyPem)).toString('base64url')}`
}

let keyPair: Awaited<ReturnType<typeof generateKeyPair>> | undefined

/** An RS256 token signed by a key no authority publishes. */
export async function foreignToken(payload: Record<string, unknown>, header: Record<string, unknown> = {}): Promise<string> {
  keyPair ??= await generateKeyPair('RS256')
  return new SignJWT(payload).setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: 'foreign-key', ...header }).sign(keyPair.privateKey)
}

/** Claims of a v1 app-only token for the Defender API in contoso, valid for an hour from `now` (seconds). */
export function appOnlyClaims(now: number, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const tid = WELL_KNOWN.contosoTenantId
  return {
    aud: DEFENDER,
    iss: `https://sts.windows.net/${tid}/`,
    iat: now - 300,
    nbf: now - 300,
    exp: now + 3600,
    appid: WELL_KNOWN.clientId,
    appidacr: '1',
    idtyp: 'app',
    oid: '11111111-2222-4333-8444-555555555555',
    roles: ['Incident.Read.All', 'AdvancedHunting.Read.All'],
    sub: '11111111-2222-4333-8444-555555555555',
    tid,
    ver: '1.0',
    ...overrides,
  }
}

/** Replaces the payload and keeps the original signature: what a tampered token looks like. */
export function tamper(token: string, change: (payload: Record<string, unknown>) => void): string {
  const [h, p, s] = token.split('.') as [string, string, string]
  const payload = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as Record<string, unknown>
  change(payload)
  return `${h}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${s}`
}

export function payloadOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>
}
