/**
 * Fuzz target `token-form`: the token endpoints' form parsing and validation, through the
 * emulator's fetch app in process — bodies from well-formed client-credentials forms with one
 * field off, to percent-escape junk and binary; tenant segments, Basic headers and content types
 * vary too. Every answer must be a coded OAuth error (or a token), never a 5xx.
 */
import fc from 'fast-check'
import { createEmulator, WELL_KNOWN, type Emulator } from '../../src/emulator/index.js'
import { checkResponse, type FuzzTarget } from './target.js'

const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'
const KEYS = ['grant_type', 'client_id', 'client_secret', 'scope', 'resource', 'client_assertion', 'client_assertion_type', 'client-request-id', 'client%5Fsecret', 'x-client-SKU', '']
const VALUES = [
  'client_credentials',
  'authorization_code',
  WELL_KNOWN.clientId,
  WELL_KNOWN.clientSecret,
  'https://graph.microsoft.com/.default',
  'https://api.security.microsoft.com/.default',
  'https://api.security.microsoft.com',
  'openid profile offline_access',
  JWT_BEARER,
  'eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJ4In0.c2ln',
  '',
]
const TENANTS = [WELL_KNOWN.contosoTenantId, WELL_KNOWN.homeTenantId, 'contoso.onmicrosoft.com', 'common', 'organizations', 'consumers', '00000000-0000-0000-0000-000000000000']

/** `%` followed by anything: well-formed, truncated and non-hex escapes. */
const percentJunk = fc.array(fc.oneof(fc.constant('%'), fc.constant('%2'), fc.constant('%zz'), fc.constant('%C3%28'), fc.constant('+'), fc.constant('&'), fc.constant('='), fc.string({ maxLength: 4 })), { maxLength: 8 }).map((a) => a.join(''))
const value = fc.oneof(fc.constantFrom(...VALUES), fc.string({ maxLength: 60 }), fc.string({ unit: 'binary', maxLength: 40 }).map(encodeURIComponent), percentJunk)
const key = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...KEYS) }, fc.string({ maxLength: 20 }), percentJunk)
const form = fc.array(fc.tuple(key, value), { maxLength: 10 }).map((pairs) => pairs.map(([k, v]) => `${k}=${v}`).join('&'))

export interface TokenFormInput {
  tenant: string
  version: 'v1' | 'v2'
  body: string
  contentType: string | undefined
  basic: string | undefined
}

const arbitrary: fc.Arbitrary<TokenFormInput> = fc.record({
  tenant: fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...TENANTS) }, fc.string({ maxLength: 40 }).map(encodeURIComponent)),
  version: fc.constantFrom('v1' as const, 'v2' as const),
  body: fc.oneof({ weight: 6, arbitrary: form }, fc.string({ maxLength: 300 }), fc.string({ unit: 'binary', maxLength: 300 })),
  contentType: fc.oneof({ weight: 6, arbitrary: fc.constant('application/x-www-form-urlencoded') }, fc.constantFrom(undefined, 'application/json', 'text/plain', 'application/x-www-form-urlencoded; charset=utf-8'), fc.string({ maxLength: 30 })),
  basic: fc.oneof({ weight: 6, arbitrary: fc.constant(undefined) }, fc.string({ maxLength: 60 }).map((s) => `Basic ${Buffer.from(s).toString('base64')}`), fc.string({ maxLength: 30 })),
})

let emu: Emulator

export const tokenFormTarget: FuzzTarget<TokenFormInput> = {
  name: 'token-form',
  description: 'POST /{tenant}/oauth2[/v2.0]/token form bodies, via the emulator fetch app (in process)',
  arbitrary,
  deadlineMs: 2000,
  async setup() {
    emu = await createEmulator()
  },
  async run(input) {
    const headers = new Headers()
    if (input.contentType !== undefined) {
      try {
        headers.set('content-type', input.contentType)
      } catch {
        return // not a valid header value: no client can send it
      }
    }
    if (input.basic !== undefined) {
      try {
        headers.set('authorization', input.basic)
      } catch {
        return
      }
    }
    const path = `/${input.tenant}/oauth2/${input.version === 'v2' ? 'v2.0/' : ''}token`
    const res = await emu.fetch(`http://localhost${path}`, { method: 'POST', headers, body: input.body })
    await checkResponse(res, `POST ${path}`)
  },
}
