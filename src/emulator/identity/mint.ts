import { randomBytes, randomInt, sign } from 'node:crypto'
import type { EmulatorContext } from '../context.js'
import type { SigningKey } from '../state/keys.js'
import type { ResourceApp } from '../state/types.js'

/**
 * Mints an app-only access token exactly like the identity platform (entra-app-only.md §4.2–§4.4,
 * §8.3, §9): RS256 with the active signing key; the RESOURCE's accessTokenAcceptedVersion picks
 * v1 or v2 claims, not the endpoint (§4.1); `iat` = `nbf` = now − 300 s and `exp` = now + lifetime
 * (every real sample has exp − iat = lifetime + 300).
 */
export interface MintInput {
  tenantId: string
  clientAppId: string
  /** The client's service principal object id in this tenant (`oid` = `sub`). */
  servicePrincipalId: string
  resource: ResourceApp
  /** v1 `aud`: the resource identifier as the client sent it (App ID URI or appId). */
  requestedAudience: string
  /** `"1"` client secret, `"2"` certificate (`appidacr` / `azpacr`). */
  authMethod: '1' | '2'
  roles: string[]
  /** `scheme://host` the request came to: the v2 issuer host. */
  origin: string
}

export interface MintedToken {
  accessToken: string
  version: 1 | 2
  /** Lifetime in seconds (`expires_in`). */
  expiresIn: number
  /** Epoch seconds. */
  notBefore: number
  expiresOn: number
}

const BACKDATE_SECONDS = 300

export function mintAccessToken(ctx: EmulatorContext, input: MintInput): MintedToken {
  const now = Math.floor(ctx.clock.now() / 1000)
  const expiresIn = tokenLifetime(ctx.config.tokenLifetimeSeconds)
  const iat = now - BACKDATE_SECONDS
  const exp = now + expiresIn
  const version = input.resource.accessTokenAcceptedVersion
  const v1Issuer = `https://sts.windows.net/${input.tenantId}/`
  const roles = input.roles.length > 0 ? { roles: input.roles } : {}
  const v1 = version === 1
  // Claim order as in the real app-only token of §4.4; v1 and v2 differ in audience, issuer, the
  // client claims (appid/appidacr/idp vs azp/azpacr) and ver.
  const claims = {
    aud: v1 ? input.requestedAudience : input.resource.appId,
    iss: v1 ? v1Issuer : `${input.origin}/${input.tenantId}/v2.0`,
    iat,
    nbf: iat,
    exp,
    aio: aio(),
    ...(v1 ? { appid: input.clientAppId, appidacr: input.authMethod, idp: v1Issuer } : { azp: input.clientAppId, azpacr: input.authMethod }),
    idtyp: 'app',
    oid: input.servicePrincipalId,
    rh: rh(input.tenantId, input.resource.appId),
    ...roles,
    sub: input.servicePrincipalId,
    tid: input.tenantId,
    uti: randomBytes(16).toString('base64url'),
    ver: v1 ? '1.0' : '2.0',
  }
  return { accessToken: signJwt(ctx.keys.active, version, claims), version, expiresIn, notBefore: iat, expiresOn: exp }
}

/** Default: uniform 3600–5400 s, "a random value ranging between 60-90 minutes" (§8.3). */
export function tokenLifetime(setting: number | { min: number; max: number } | undefined): number {
  if (typeof setting === 'number') return Math.max(1, Math.floor(setting))
  const { min, max } = setting ?? { min: 3600, max: 5400 }
  return min >= max ? Math.max(1, Math.floor(min)) : randomInt(Math.floor(min), Math.floor(max) + 1)
}

// Encoded headers per key and version: issuance throughput is benchmarked (bench/emulator_issuance.ts).
const headerCache = new WeakMap<SigningKey, { v1: string; v2: string }>()

function encodedHeader(key: SigningKey, version: 1 | 2): string {
  let cached = headerCache.get(key)
  if (!cached) {
    const b64 = (h: object) => Buffer.from(JSON.stringify(h)).toString('base64url')
    // v1 carries `x5t` (same value as `kid`), v2 only `kid` (§4.2).
    cached = { v1: b64({ typ: 'JWT', alg: 'RS256', x5t: key.kid, kid: key.kid }), v2: b64({ typ: 'JWT', alg: 'RS256', kid: key.kid }) }
    headerCache.set(key, cached)
  }
  return version === 1 ? cached.v1 : cached.v2
}

function signJwt(key: SigningKey, version: 1 | 2, claims: object): string {
  const input = `${encodedHeader(key, version)}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`
  return `${input}.${sign('sha256', Buffer.from(input), key.privateKey).toString('base64url')}`
}

/** Opaque, like the real `aio` (standard base64, 32 characters). */
function aio(): string {
  return randomBytes(23).toString('base64')
}

/**
 * The real `rh` decodes to a version/flags prefix, the tenant GUID and the resource appId in .NET
 * byte order, e.g. `0.Aa4AgiYSY5a9_UeXq5WnbOaZpgMAAAAAAAAAwAAAAAAAAACtAAA.` (§4.4): rebuilt the
 * same way so it looks and varies like the real one. Resources must not read it.
 */
function rh(tenantId: string, resourceAppId: string): string {
  return `0.${Buffer.concat([Buffer.from([1, 0xae, 0]), guidBytes(tenantId), guidBytes(resourceAppId), Buffer.from([0xad, 0, 0])]).toString('base64url')}.`
}

function guidBytes(guid: string): Buffer {
  const hex = guid.replace(/-/g, '')
  const b = Buffer.from(hex, 'hex')
  if (b.length !== 16) return Buffer.alloc(16)
  // .NET Guid.ToByteArray: first three groups little-endian.
  return Buffer.concat([Buffer.from(b.subarray(0, 4)).reverse(), Buffer.from(b.subarray(4, 6)).reverse(), Buffer.from(b.subarray(6, 8)).reverse(), b.subarray(8)])
}
