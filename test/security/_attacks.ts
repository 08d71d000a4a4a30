// The JWT attack matrix (issue 10 §8): forged, confused, tampered, foreign, expired and malformed
// tokens, built against a running emulator. Each attack comes in two audiences so it can be sent to
// the Defender (legacy) and the Graph routes alike.
import { createHmac, sign } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { exportJWK, generateKeyPair, SignJWT } from 'jose'
import type { Emulator } from '../../src/emulator/index.js'
import { generateCertificate } from '../../src/emulator/x509.js'
import { WELL_KNOWN } from '../../src/emulator/well_known.js'
import type { ValidationCheckId } from '../../src/jwt/index.js'

export const DEFENDER = 'https://api.security.microsoft.com'
export const GRAPH = 'https://graph.microsoft.com'
export type Audience = 'defender' | 'graph'

export interface Attack {
  name: string
  /** The attack token for each audience. */
  token: Record<Audience, string>
  /** Checks validateToken (with signature checking) must fail for the Defender variant; at least these. */
  failing: ValidationCheckId[]
  /** Status every emulator API route must answer (401, or 431 when the header is over node's limit). */
  status: 401 | 431
}

const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url')
const parts = (token: string) => token.split('.') as [string, string, string]
const decode = (segment: string) => JSON.parse(Buffer.from(segment, 'base64url').toString('utf8')) as Record<string, unknown>

/** An attacker's server that would hand out keys if anyone followed `jku`/`x5u`: it counts every hit. */
export async function attackerKeyServer(jwks: unknown): Promise<{ url: string; hits: number; close(): Promise<void> }> {
  const state = { hits: 0 }
  const server: Server = createServer((_req, res) => {
    state.hits++
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(jwks))
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get hits() {
      return state.hits
    },
    close: () => new Promise<void>((r) => (server.close(() => r()), server.closeAllConnections())),
  }
}

/**
 * Builds the matrix. `genuine` are real emulator tokens (contoso for both audiences, another tenant's,
 * another emulator instance's); the emulator's own signing key stands for "signed by the issuer"
 * where a claim check (not the signature) must catch the token.
 */
export async function buildAttacks(o: {
  emulator: Emulator
  genuine: Record<Audience, string>
  otherTenant: string
  otherInstance: Record<Audience, string>
  attackerServerUrl: string
}): Promise<{ attacks: Attack[]; attackerJwks: unknown }> {
  const attacker = await generateKeyPair('RS256', { extractable: true })
  const attackerJwk = { ...(await exportJWK(attacker.publicKey)), kid: 'attacker-key', alg: 'RS256', use: 'sig' }
  const attackerCert = await generateCertificate({ commonName: 'accounts.accesscontrol.windows.net', days: 30 })
  const issuerKey = o.emulator.keys.active
  const realKid = issuerKey.kid
  const now = Math.floor(Date.now() / 1000)

  const claims = (aud: Audience) => decode(parts(o.genuine[aud])[1])
  const header = (aud: Audience) => decode(parts(o.genuine[aud])[0])
  const foreign = (payload: object, h: Record<string, unknown> = {}) =>
    new SignJWT(payload as Record<string, unknown>).setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: 'attacker-key', ...h } as { alg: string }).sign(attacker.privateKey)
  const rawSign = (headerSegment: string, payloadSegment: string, key = issuerKey.privateKey) =>
    `${headerSegment}.${payloadSegment}.${sign('sha256', Buffer.from(`${headerSegment}.${payloadSegment}`), key).toString('base64url')}`
  /** Signed with the emulator's own key: only a claim check can refuse it. */
  const issuerSigned = (aud: Audience, change: (p: Record<string, unknown>) => void) => {
    const p = claims(aud)
    change(p)
    return rawSign(b64(header(aud)), b64(p))
  }
  /** The genuine token with its payload changed and its signature kept: what a tamperer has. */
  const tampered = (aud: Audience, change: (p: Record<string, unknown>) => void) => {
    const [h, p, s] = parts(o.genuine[aud])
    const payload = decode(p)
    change(payload)
    return `${h}.${b64(payload)}.${s}`
  }
  const withSignature = (aud: Audience, f: (s: string) => string) => {
    const [h, p, s] = parts(o.genuine[aud])
    return `${h}.${p}.${f(s)}`
  }
  const rawPayload = (aud: Audience, json: (p: Record<string, unknown>) => string) => {
    const [h, p, s] = parts(o.genuine[aud])
    return `${h}.${b64(json(decode(p)))}.${s}`
  }
  const both = async (f: (aud: Audience) => string | Promise<string>): Promise<Record<Audience, string>> => ({ defender: await f('defender'), graph: await f('graph') })
  const publicPem = issuerKey.publicKey.export({ type: 'spki', format: 'pem' }).toString()
  const hs256 = (aud: Audience, secret: string | Buffer) => {
    const h = b64({ alg: 'HS256', typ: 'JWT', kid: realKid })
    const p = b64(claims(aud))
    return `${h}.${p}.${createHmac('sha256', secret).update(`${h}.${p}`).digest('base64url')}`
  }
  const big = 'x'.repeat(10_000)
  const huge = 'x'.repeat(100_000)

  const attacks: Attack[] = [
    { name: 'alg none, no signature', token: await both((a) => `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims(a))}.`), failing: ['format', 'signature'], status: 401 },
    { name: 'alg "None" (case variant) with the genuine signature', token: await both((a) => `${b64({ ...header(a), alg: 'None' })}.${parts(o.genuine[a])[1]}.${parts(o.genuine[a])[2]}`), failing: ['format', 'signature'], status: 401 },
    { name: 'alg confusion: HS256 keyed with the published RSA public key (PEM)', token: await both((a) => hs256(a, publicPem)), failing: ['format', 'signature'], status: 401 },
    { name: 'alg confusion: HS256 keyed with the published RSA public key (DER)', token: await both((a) => hs256(a, issuerKey.publicKey.export({ type: 'spki', format: 'der' }))), failing: ['format', 'signature'], status: 401 },
    { name: 'kid path traversal', token: await both((a) => foreign(claims(a), { kid: '../../../../../../etc/passwd' })), failing: ['signature'], status: 401 },
    { name: 'kid SQL injection', token: await both((a) => foreign(claims(a), { kid: "x' OR '1'='1" })), failing: ['signature'], status: 401 },
    { name: 'kid with control characters (terminal/log injection)', token: await both((a) => foreign(claims(a), { kid: 'k\u001b[32m\n[ok] signature' })), failing: ['signature'], status: 401 },
    { name: 'kid not a string', token: await both((a) => foreign(claims(a), { kid: { $ne: null } })), failing: ['format', 'signature'], status: 401 },
    { name: 'unknown kid', token: await both((a) => foreign(claims(a), { kid: 'no-such-key' })), failing: ['signature'], status: 401 },
    { name: 'a published kid on a token signed with another key', token: await both((a) => foreign(claims(a), { kid: realKid })), failing: ['signature'], status: 401 },
    { name: 'jku header pointing at the attacker\'s key set', token: await both((a) => foreign(claims(a), { jku: `${o.attackerServerUrl}/jwks.json` })), failing: ['format', 'signature'], status: 401 },
    { name: 'x5u header pointing at the attacker\'s certificate', token: await both((a) => foreign(claims(a), { x5u: `${o.attackerServerUrl}/cert.pem` })), failing: ['format', 'signature'], status: 401 },
    { name: 'jwk header embedding the attacker\'s public key', token: await both((a) => foreign(claims(a), { kid: realKid, jwk: attackerJwk })), failing: ['format', 'signature'], status: 401 },
    {
      name: 'x5c header with the attacker\'s self-signed certificate',
      token: await both((a) => rawSign(b64({ alg: 'RS256', typ: 'JWT', kid: realKid, x5c: [attackerCert.certificate.raw.toString('base64')] }), b64(claims(a)), attackerCert.privateKey)),
      failing: ['format', 'signature'],
      status: 401,
    },
    {
      name: 'crit header with an unknown extension',
      token: await both((a) => rawSign(b64({ alg: 'RS256', typ: 'JWT', kid: realKid, crit: ['m365d-ext'], 'm365d-ext': true }), b64(claims(a)), attackerCert.privateKey)),
      failing: ['format', 'signature'],
      status: 401,
    },
    { name: 'nonce header (Graph-style) on a forged token', token: await both((a) => foreign(claims(a), { nonce: 'abc' })), failing: ['signature'], status: 401 },
    { name: 'expired (signed by the issuer)', token: await both((a) => issuerSigned(a, (p) => Object.assign(p, { iat: now - 3 * 3600, nbf: now - 3 * 3600, exp: now - 2 * 3600 }))), failing: ['lifetime'], status: 401 },
    { name: 'nbf in the future (signed by the issuer)', token: await both((a) => issuerSigned(a, (p) => Object.assign(p, { iat: now + 3600, nbf: now + 3600, exp: now + 7200 }))), failing: ['lifetime'], status: 401 },
    { name: 'expired, exp pushed forward by a tamperer', token: await both((a) => tampered(a, (p) => Object.assign(p, { exp: now + 86_400 * 365 }))), failing: ['signature'], status: 401 },
    { name: 'iat and nbf in the future, tampered', token: await both((a) => tampered(a, (p) => Object.assign(p, { iat: now + 86_400, nbf: now + 86_400 }))), failing: ['signature', 'lifetime'], status: 401 },
    { name: 'wrong iss (signed by the issuer)', token: await both((a) => issuerSigned(a, (p) => (p.iss = 'https://sts.windows.net/0badbad0-0000-4000-8000-000000000009/'))), failing: ['issuer'], status: 401 },
    { name: 'wrong iss, tampered', token: await both((a) => tampered(a, (p) => (p.iss = 'https://evil.example/'))), failing: ['signature', 'issuer'], status: 401 },
    { name: 'wrong aud: a genuine token for the other API', token: { defender: o.genuine.graph, graph: o.genuine.defender }, failing: ['audience'], status: 401 },
    { name: 'wrong aud, tampered', token: await both((a) => tampered(a, (p) => (p.aud = a === 'defender' ? GRAPH : DEFENDER))), failing: ['signature', 'audience'], status: 401 },
    { name: 'tid of another tenant, tampered (iss kept)', token: await both((a) => tampered(a, (p) => (p.tid = o.otherTenant))), failing: ['signature', 'issuer', 'tenant'], status: 401 },
    { name: 'tid and iss of another tenant, tampered', token: await both((a) => tampered(a, (p) => Object.assign(p, { tid: o.otherTenant, iss: `https://sts.windows.net/${o.otherTenant}/` }))), failing: ['signature', 'tenant'], status: 401 },
    { name: 'tid of an unknown tenant (signed by the issuer)', token: await both((a) => issuerSigned(a, (p) => Object.assign(p, { tid: '0badbad0-0000-4000-8000-000000000009', iss: 'https://sts.windows.net/0badbad0-0000-4000-8000-000000000009/' }))), failing: ['tenant'], status: 401 },
    { name: 'missing tid (signed by the issuer)', token: await both((a) => issuerSigned(a, (p) => delete p.tid)), failing: ['format', 'tenant'], status: 401 },
    { name: 'missing tid, tampered', token: await both((a) => tampered(a, (p) => delete p.tid)), failing: ['format', 'signature', 'tenant'], status: 401 },
    { name: 'tid a number, tampered', token: await both((a) => tampered(a, (p) => (p.tid = 42))), failing: ['signature', 'tenant'], status: 401 },
    { name: 'wrong appid, tampered', token: await both((a) => tampered(a, (p) => Object.assign(p, { appid: '0badbad0-0000-4000-8000-00000000a0a0', azp: '0badbad0-0000-4000-8000-00000000a0a0' }))), failing: ['signature', 'client'], status: 401 },
    { name: 'roles added, tampered', token: await both((a) => tampered(a, (p) => (p.roles = ['Incident.ReadWrite.All', 'AdvancedHunting.Read.All', 'ThreatHunting.Read.All', 'SecurityIncident.ReadWrite.All']))), failing: ['signature'], status: 401 },
    { name: 'signed by another emulator instance', token: o.otherInstance, failing: ['signature'], status: 401 },
    { name: 'signature stripped', token: await both((a) => withSignature(a, () => '')), failing: ['signature'], status: 401 },
    { name: 'signature truncated', token: await both((a) => withSignature(a, (s) => s.slice(0, -10))), failing: ['signature'], status: 401 },
    {
      name: 'signature bit-flipped',
      token: await both((a) =>
        withSignature(a, (s) => {
          const bytes = Buffer.from(s, 'base64url')
          bytes[bytes.length >> 1]! ^= 0x01
          return bytes.toString('base64url')
        }),
      ),
      failing: ['signature'],
      status: 401,
    },
    { name: 'signature of another token spliced on', token: await both((a) => withSignature(a, () => parts(o.otherInstance[a])[2])), failing: ['signature'], status: 401 },
    // A duplicate member makes the token undecodable (RFC 7515 §5.2): format fails and nothing else is judged.
    { name: 'duplicate tid claim (first another tenant, last the genuine one)', token: await both((a) => rawPayload(a, (p) => JSON.stringify(p).replace(/^\{/, `{"tid":"${o.otherTenant}",`))), failing: ['format'], status: 401 },
    { name: 'duplicate tid claim hidden by a unicode escape', token: await both((a) => rawPayload(a, (p) => JSON.stringify(p).replace(/}$/, `,"t\\u0069d":"${o.otherTenant}"}`))), failing: ['format'], status: 401 },
    {
      name: 'duplicate alg header (none, then RS256)',
      token: await both((a) => {
        const [, p, s] = parts(o.genuine[a])
        return `${b64(`{"alg":"none",${JSON.stringify(header(a)).slice(1)}`)}.${p}.${s}`
      }),
      failing: ['format'],
      status: 401,
    },
    { name: '__proto__ claim carrying tid', token: await both((a) => rawPayload(a, (p) => (delete p.tid, JSON.stringify(p).replace(/}$/, `,"__proto__":{"tid":"${WELL_KNOWN.contosoTenantId}"}}`)))), failing: ['format', 'signature', 'tenant'], status: 401 },
    { name: 'payload a JSON array', token: await both((a) => `${parts(o.genuine[a])[0]}.${b64([claims(a)])}.${parts(o.genuine[a])[2]}`), failing: ['format'], status: 401 },
    { name: 'five parts (JWE shape)', token: await both((a) => `${o.genuine[a]}.AAAA.BBBB`), failing: ['format'], status: 401 },
    { name: 'empty payload and header', token: { defender: '..', graph: '..' }, failing: ['format'], status: 401 },
    { name: 'big token (10 KB claim, forged)', token: await both((a) => foreign({ ...claims(a), pad: big })), failing: ['signature'], status: 401 },
    { name: 'huge token (100 KB, over every limit)', token: await both((a) => foreign({ ...claims(a), pad: huge })), failing: ['format'], status: 431 },
  ]
  return { attacks, attackerJwks: { keys: [attackerJwk] } }
}
