import assert from 'node:assert/strict'
import { verify } from 'node:crypto'
import { after, before, describe, test } from 'node:test'
import { ManualClock } from '../../../src/lib/clock.js'
import { createEmulator, serve, WELL_KNOWN, type Emulator, type RunningEmulator } from '../../../src/emulator/index.js'
import { NORTHWIND_TENANT_ID, decodeJwt, postForm, secretForm, tokenTestConfig } from './token_test_helpers.js'

const MTP = 'https://api.security.microsoft.com'
const GRAPH = 'https://graph.microsoft.com'
const V2_API_ID = 'a2a2a2a2-0000-4000-8000-0000000000b2'
const V2_API_URI = 'api://m365d-test-v2-api'

async function token(srv: RunningEmulator, tenant: string, form: Record<string, string>, v: 1 | 2 = 2): Promise<string> {
  const res = await postForm(`${srv.url}/${tenant}/oauth2/${v === 2 ? 'v2.0/' : ''}token`, form)
  const text = await res.text()
  assert.equal(res.status, 200, text)
  return (JSON.parse(text) as { access_token: string }).access_token
}

describe('access token minting', () => {
  const clock = new ManualClock(Math.floor(Date.now() / 1000) * 1000)
  let emu: Emulator
  let srv: RunningEmulator
  before(async () => {
    emu = await createEmulator({ config: tokenTestConfig({ tokenLifetimeSeconds: 3599 }), clock })
    srv = await serve(emu)
    // A resource that accepts v2 tokens (accessTokenAcceptedVersion 2), granted in Contoso.
    emu.directory.addResource({
      appId: V2_API_ID,
      displayName: 'v2 test API',
      identifierUris: [V2_API_URI],
      accessTokenAcceptedVersion: 2,
      appRoles: [{ id: 'b2000000-0000-4000-8000-000000000001', value: 'Things.Read.All', displayName: 'Read things' }],
    })
    emu.directory.setRoles(WELL_KNOWN.contosoTenantId, WELL_KNOWN.clientId, V2_API_ID, ['Things.Read.All'])
  })
  after(() => srv.close())

  test('v1 token: header with x5t, exact claim set and order, signed by the active key', async () => {
    const now = clock.now() / 1000
    const jwt = await token(srv, WELL_KNOWN.contosoTenantId, secretForm({ scope: `${MTP}/.default` }))
    const { header, claims } = decodeJwt(jwt)
    const kid = emu.keys.active.kid
    assert.deepEqual(header, { typ: 'JWT', alg: 'RS256', x5t: kid, kid })
    const [h, p, s] = jwt.split('.')
    assert.ok(verify('sha256', Buffer.from(`${h}.${p}`), emu.keys.active.publicKey, Buffer.from(s!, 'base64url')))
    const tid = WELL_KNOWN.contosoTenantId
    const sp = emu.directory.servicePrincipal(tid, WELL_KNOWN.clientId)!
    assert.deepEqual(Object.keys(claims), ['aud', 'iss', 'iat', 'nbf', 'exp', 'aio', 'appid', 'appidacr', 'idp', 'idtyp', 'oid', 'rh', 'roles', 'sub', 'tid', 'uti', 'ver'])
    assert.equal(claims.aud, MTP)
    assert.equal(claims.iss, `https://sts.windows.net/${tid}/`)
    assert.equal(claims.idp, claims.iss)
    assert.equal(claims.iat, now - 300)
    assert.equal(claims.nbf, now - 300)
    assert.equal(claims.exp, now + 3599)
    assert.equal(claims.appid, WELL_KNOWN.clientId)
    assert.equal(claims.appidacr, '1')
    assert.equal(claims.idtyp, 'app')
    assert.equal(claims.oid, sp.objectId)
    assert.equal(claims.sub, sp.objectId)
    assert.deepEqual(claims.roles, emu.directory.rolesFor(tid, WELL_KNOWN.clientId, '8ee8fdad-f234-4243-8f3b-15c294843740'))
    assert.deepEqual(claims.roles, ['Incident.Read.All', 'Incident.ReadWrite.All', 'AdvancedHunting.Read.All'])
    assert.equal(claims.tid, tid)
    assert.match(claims.uti as string, /^[A-Za-z0-9_-]{22}$/)
    assert.match(claims.rh as string, /^0\.[A-Za-z0-9_-]+\.$/)
    assert.equal(claims.ver, '1.0')
  })

  test('v1 aud is the identifier as sent: trailing slash kept, appId GUID kept', async () => {
    const withSlash = decodeJwt(await token(srv, WELL_KNOWN.contosoTenantId, secretForm({ resource: `${GRAPH}/` }), 1)).claims
    assert.equal(withSlash.aud, `${GRAPH}/`)
    const byId = decodeJwt(await token(srv, WELL_KNOWN.contosoTenantId, secretForm({ scope: '00000003-0000-0000-c000-000000000000/.default' }))).claims
    assert.equal(byId.aud, '00000003-0000-0000-c000-000000000000')
  })

  test('version follows the resource, not the endpoint: v2 token from the v1 endpoint', async () => {
    const jwt = await token(srv, WELL_KNOWN.contosoTenantId, secretForm({ resource: V2_API_URI }), 1)
    const { header, claims } = decodeJwt(jwt)
    assert.deepEqual(header, { typ: 'JWT', alg: 'RS256', kid: emu.keys.active.kid })
    assert.deepEqual(Object.keys(claims), ['aud', 'iss', 'iat', 'nbf', 'exp', 'aio', 'azp', 'azpacr', 'idtyp', 'oid', 'rh', 'roles', 'sub', 'tid', 'uti', 'ver'])
    assert.equal(claims.aud, V2_API_ID)
    assert.equal(claims.iss, `${srv.url}/${WELL_KNOWN.contosoTenantId}/v2.0`)
    assert.equal(claims.azp, WELL_KNOWN.clientId)
    assert.equal(claims.azpacr, '1')
    assert.deepEqual(claims.roles, ['Things.Read.All'])
    assert.equal(claims.ver, '2.0')
    const viaV2 = decodeJwt(await token(srv, WELL_KNOWN.contosoTenantId, secretForm({ scope: `${V2_API_URI}/.default` }))).claims
    assert.equal(viaV2.ver, '2.0')
    assert.equal(viaV2.aud, V2_API_ID)
  })

  test('roles per tenant: partial grant in Tailspin, none (claim absent) in Northwind, oid per tenant', async () => {
    const tailspin = decodeJwt(await token(srv, WELL_KNOWN.tailspinTenantId, secretForm({ scope: `${MTP}/.default` }))).claims
    assert.deepEqual(tailspin.roles, ['AdvancedHunting.Read.All'])
    assert.equal(tailspin.tid, WELL_KNOWN.tailspinTenantId)
    const northwind = decodeJwt(await token(srv, 'northwind.example.com', secretForm({ scope: `${MTP}/.default` }))).claims
    assert.equal('roles' in northwind, false)
    assert.equal(northwind.tid, NORTHWIND_TENANT_ID)
    const fabrikam = decodeJwt(await token(srv, WELL_KNOWN.fabrikamTenantId, secretForm({ scope: `${MTP}/.default` }))).claims
    assert.notEqual(fabrikam.oid, tailspin.oid)
    assert.equal(fabrikam.oid, emu.directory.servicePrincipal(WELL_KNOWN.fabrikamTenantId, WELL_KNOWN.clientId)!.objectId)
  })

  test('times follow the emulator clock; a rotated key signs the next token', async () => {
    clock.set(clock.now() + 7200_000)
    const before = emu.keys.active.kid
    await emu.keys.rotate()
    const { header, claims } = decodeJwt(await token(srv, WELL_KNOWN.contosoTenantId, secretForm({ scope: `${MTP}/.default` })))
    assert.notEqual(header.kid, before)
    assert.equal(header.kid, emu.keys.active.kid)
    assert.equal(claims.iat, clock.now() / 1000 - 300)
  })
})

describe('token lifetime', () => {
  test('default is random within 3600–5400 s; a {min,max} range is honoured', async () => {
    const emu = await createEmulator({ config: tokenTestConfig() })
    const srv = await serve(emu)
    try {
      const seen = new Set<number>()
      for (let i = 0; i < 8; i++) {
        const res = await postForm(`${srv.url}/${WELL_KNOWN.contosoTenantId}/oauth2/v2.0/token`, secretForm({ scope: `${MTP}/.default` }))
        const body = (await res.json()) as { expires_in: number; access_token: string }
        assert.ok(body.expires_in >= 3600 && body.expires_in <= 5400, String(body.expires_in))
        const c = decodeJwt(body.access_token).claims as { exp: number; iat: number }
        assert.equal(c.exp - c.iat, body.expires_in + 300)
        seen.add(body.expires_in)
      }
      assert.ok(seen.size > 1, 'lifetimes should vary')
      emu.config.tokenLifetimeSeconds = { min: 100, max: 110 }
      const res = await postForm(`${srv.url}/${WELL_KNOWN.contosoTenantId}/oauth2/token`, secretForm({ resource: MTP }))
      const v1 = (await res.json()) as { expires_in: string }
      assert.ok(Number(v1.expires_in) >= 100 && Number(v1.expires_in) <= 110)
    } finally {
      await srv.close()
    }
  })
})
