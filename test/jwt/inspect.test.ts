import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { createEmulator, serve, type Emulator, type RunningEmulator } from '../../src/emulator/index.js'
import { WELL_KNOWN } from '../../src/emulator/well_known.js'
import { inspectToken, JwtFormatError } from '../../src/jwt/index.js'
import { appOnlyClaims, DEFENDER, emulatorToken, foreignToken, payloadOf } from './fixtures.js'

const V2_API = 'api://m365d-v2-test'
const V2_API_APP_ID = 'e2e2e2e2-0000-4000-8000-0000000000a2'

describe('inspectToken', () => {
  let emu: Emulator
  let srv: RunningEmulator
  before(async () => {
    emu = await createEmulator()
    // A resource with accessTokenAcceptedVersion 2, so the emulator issues a real v2 token (entra-app-only.md §4.1).
    emu.directory.addResource({
      appId: V2_API_APP_ID,
      displayName: 'm365d v2 test API',
      identifierUris: [V2_API],
      accessTokenAcceptedVersion: 2,
      appRoles: [{ id: 'e2e20001-0000-4000-8000-000000000001', value: 'Data.Read.All', displayName: 'Read data' }],
    })
    emu.directory.setRoles(WELL_KNOWN.contosoTenantId, WELL_KNOWN.clientId, V2_API_APP_ID, ['Data.Read.All'])
    srv = await serve(emu)
  })
  after(() => srv.close())

  test('explains a real v1 app-only token from the emulator like jwt.ms', async () => {
    const token = await emulatorToken(srv.url, WELL_KNOWN.contosoTenantId, DEFENDER)
    const now = Date.now()
    const i = inspectToken(token, { now })
    assert.equal(i.version, '1.0')
    assert.equal(i.appOnly, true)
    assert.equal(i.tenantId, WELL_KNOWN.contosoTenantId)
    assert.equal(i.audience, DEFENDER)
    assert.equal(i.clientId, WELL_KNOWN.clientId)
    assert.deepEqual(i.roles, ['Incident.Read.All', 'Incident.ReadWrite.All', 'AdvancedHunting.Read.All'])
    assert.deepEqual(i.scopes, [])
    assert.equal(i.header.alg, 'RS256')
    assert.equal(i.header.x5t, i.header.kid)
    assert.equal(i.expired, false)
    const exp = payloadOf(token).exp as number
    assert.equal(i.expiresAt?.getTime(), exp * 1000)
    assert.equal(i.expiresInSeconds, Math.floor((exp * 1000 - now) / 1000))
    assert.ok(i.expiresInSeconds! >= 3500 && i.expiresInSeconds! <= 5400, `lifetime ${i.expiresInSeconds}`)

    // Every claim is listed in token order; the documented ones are explained.
    assert.deepEqual(i.claims.map((c) => c.name), Object.keys(payloadOf(token)))
    const claim = (name: string) => i.claims.find((c) => c.name === name)!
    for (const name of ['aud', 'iss', 'iat', 'nbf', 'exp', 'aio', 'appid', 'appidacr', 'idp', 'idtyp', 'oid', 'rh', 'roles', 'sub', 'tid', 'uti', 'ver']) {
      assert.ok(claim(name).description, `no description for ${name}`)
    }
    assert.equal(claim('exp').rendered, new Date(exp * 1000).toISOString())
    assert.equal(claim('appidacr').rendered, 'client secret')
    assert.equal(claim('idtyp').rendered, 'app-only token')
    assert.match(claim('aud').rendered!, /^Microsoft Threat Protection/)
    assert.equal(claim('roles').rendered, 'Incident.Read.All, Incident.ReadWrite.All, AdvancedHunting.Read.All')
  })

  test('appidacr 2 renders as certificate for a certificate-credential token', async () => {
    const token = await emulatorToken(srv.url, WELL_KNOWN.fabrikamTenantId, DEFENDER, { certificate: true })
    const i = inspectToken(token)
    assert.equal(i.claims.find((c) => c.name === 'appidacr')?.rendered, 'certificate')
    assert.equal(i.tenantId, WELL_KNOWN.fabrikamTenantId)
  })

  test('a real v2 token: version 2.0, client from azp, aud is the resource appId, no x5t header', async () => {
    const token = await emulatorToken(srv.url, WELL_KNOWN.contosoTenantId, V2_API, { v2: true })
    const i = inspectToken(token)
    assert.equal(i.version, '2.0')
    assert.equal(i.clientId, WELL_KNOWN.clientId)
    assert.equal(i.audience, V2_API_APP_ID)
    assert.equal(i.appOnly, true)
    assert.equal(i.header.x5t, undefined)
    assert.deepEqual(i.roles, ['Data.Read.All'])
    assert.equal(i.claims.find((c) => c.name === 'azpacr')?.rendered, 'client secret')
  })

  test('a delegated token with scp is not app-only and lists its scopes', async () => {
    const { roles: _roles, idtyp: _idtyp, appid: _appid, ...rest } = appOnlyClaims(1_800_000_000)
    const token = await foreignToken({ ...rest, azp: WELL_KNOWN.clientId, scp: 'Incident.Read AdvancedHunting.Read', upn: 'alice@contoso.com', ver: '2.0' })
    const i = inspectToken(token, { now: 1_800_000_000_000 })
    assert.equal(i.appOnly, false)
    assert.deepEqual(i.scopes, ['Incident.Read', 'AdvancedHunting.Read'])
    assert.deepEqual(i.roles, [])
    assert.equal(i.clientId, WELL_KNOWN.clientId)
  })

  test('app-only is detected from the absence of scp when idtyp is missing; unknown claims are kept undescribed', async () => {
    const { idtyp: _idtyp, ...claims } = appOnlyClaims(1_800_000_000, { custom_claim: 'x', xms_whatever: 1 })
    const i = inspectToken(await foreignToken(claims), { now: 1_800_000_000_000 })
    assert.equal(i.appOnly, true)
    assert.equal(i.claims.find((c) => c.name === 'custom_claim')?.description, undefined)
    assert.ok(i.claims.find((c) => c.name === 'xms_whatever')?.description)
  })

  test('now decides expiry: expired and a negative expiresInSeconds after exp', async () => {
    const nowS = 1_800_000_000
    const token = await foreignToken(appOnlyClaims(nowS))
    const later = inspectToken(token, { now: (nowS + 3600 + 90) * 1000 })
    assert.equal(later.expired, true)
    assert.equal(later.expiresInSeconds, -90)
    assert.equal(inspectToken(token, { now: nowS * 1000 }).expiresInSeconds, 3600)
  })

  test('version falls back to the issuer shape when ver is missing', async () => {
    const { ver: _ver, ...claims } = appOnlyClaims(1_800_000_000, { iss: `https://login.microsoftonline.com/${WELL_KNOWN.contosoTenantId}/v2.0` })
    assert.equal(inspectToken(await foreignToken(claims)).version, '2.0')
  })

  test('the real Graph app-only token of entra-app-only.md §4.4 is read the same way', async () => {
    const claims = {
      aud: 'https://graph.microsoft.com',
      iss: 'https://sts.windows.net/63122682-bd96-47fd-97ab-95a76ce699a6/',
      iat: 1717046428, nbf: 1717046428, exp: 1717050328,
      aio: 'E2NgYNhxO2fe9z25T5iljKc7a+zfDQA=',
      app_displayname: 'downloader',
      appid: '1671f074-56e2-4c37-873b-b7b07a120b18',
      appidacr: '1',
      idp: 'https://sts.windows.net/63122682-bd96-47fd-97ab-95a76ce699a6/',
      idtyp: 'app',
      oid: '72243241-f194-45f3-987d-eeb347b83b69',
      rh: '0.Aa4AgiYSY5a9_UeXq5WnbOaZpgMAAAAAAAAAwAAAAAAAAACtAAA.',
      roles: ['User.ReadBasic.All', 'Mail.Read'],
      sub: '72243241-f194-45f3-987d-eeb347b83b69',
      tenant_region_scope: 'EU',
      tid: '63122682-bd96-47fd-97ab-95a76ce699a6',
      uti: '4GOPt79GP0if650O0N7iAA',
      ver: '1.0',
      wids: ['0997a1d0-0d1d-4acb-b408-d5ca73121e90'],
      xms_tcdt: 1717004002,
      xms_tdbr: 'EU',
    }
    const i = inspectToken(await foreignToken(claims), { now: 1717046428_000 })
    assert.equal(i.version, '1.0')
    assert.equal(i.appOnly, true)
    assert.equal(i.clientId, '1671f074-56e2-4c37-873b-b7b07a120b18')
    assert.equal(i.expiresInSeconds, 3900)
    assert.ok(i.claims.every((c) => c.description), i.claims.filter((c) => !c.description).map((c) => c.name).join())
    assert.equal(i.claims.find((c) => c.name === 'xms_tcdt')?.rendered, '2024-05-29T17:33:22.000Z')
    assert.match(i.claims.find((c) => c.name === 'aud')!.rendered!, /^Microsoft Graph/)
  })

  test('throws JwtFormatError for a malformed token', () => {
    assert.throws(() => inspectToken('not-a-token'), (e: unknown) => e instanceof JwtFormatError && e.code === 'ERR_JWT_MALFORMED')
  })
})
