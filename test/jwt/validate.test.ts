import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { createEmulator, serve, type Emulator, type RunningEmulator } from '../../src/emulator/index.js'
import { WELL_KNOWN } from '../../src/emulator/well_known.js'
import { validateToken, type ValidationReport } from '../../src/jwt/index.js'
import { appOnlyClaims, DEFENDER, emulatorToken, foreignToken, GRAPH, MDE, payloadOf } from './fixtures.js'

const check = (report: ValidationReport, id: string) => report.checks.find((c) => c.id === id)!
const failed = (report: ValidationReport) => report.checks.filter((c) => !c.ok && !c.skipped).map((c) => c.id)

describe('validateToken (claims)', () => {
  let emu: Emulator
  let srv: RunningEmulator
  let contoso: string
  before(async () => {
    emu = await createEmulator()
    srv = await serve(emu)
    contoso = await emulatorToken(srv.url, WELL_KNOWN.contosoTenantId, DEFENDER)
  })
  after(() => srv.close())

  test('a contoso Defender token with the required roles is valid; every check is reported in order', async () => {
    const report = await validateToken(contoso, {
      resource: DEFENDER,
      tenant: WELL_KNOWN.contosoTenantId,
      clientId: WELL_KNOWN.clientId,
      requiredRoles: ['Incident.Read.All', 'AdvancedHunting.Read.All'],
    })
    // Without signature checking the claims pass, but the report never calls the token valid.
    assert.equal(report.claimsValid, true, JSON.stringify(report.checks, null, 1))
    assert.equal(report.valid, false)
    assert.equal(report.signatureChecked, false)
    assert.equal(report.verdict, 'signature-not-checked')
    assert.deepEqual(report.checks.map((c) => c.id), ['format', 'signature', 'issuer', 'audience', 'tenant', 'lifetime', 'client', 'app-only', 'roles'])
    assert.deepEqual(failed(report), [])
    assert.equal(check(report, 'signature').skipped, true)
    assert.match(check(report, 'signature').message, /^signature not checked/)
    // Checked against the emulator's published keys, the same token is valid.
    const verified = await validateToken(contoso, { resource: DEFENDER, tenant: WELL_KNOWN.contosoTenantId, verifySignature: true, authorityHost: srv.url })
    assert.equal(verified.valid, true, JSON.stringify(verified.checks, null, 1))
    assert.equal(verified.verdict, 'valid')
    assert.equal(verified.signatureChecked, true)
    assert.deepEqual(report.missingRoles, [])
    assert.equal(report.inspection.tenantId, WELL_KNOWN.contosoTenantId)
    assert.match(check(report, 'lifetime').message, /^valid for another/)
  })

  test('resource accepts the App ID URI with a trailing slash, a /.default scope, or the appId', async () => {
    for (const resource of [`${DEFENDER}/`, `${DEFENDER}/.default`, '8ee8fdad-f234-4243-8f3b-15c294843740']) {
      const report = await validateToken(contoso, { resource })
      assert.equal(check(report, 'audience').ok, true, resource)
      assert.equal(check(report, 'audience').skipped, undefined)
    }
    const literal = await validateToken(contoso, { audience: ['https://other.example', DEFENDER] })
    assert.equal(check(literal, 'audience').ok, true)
  })

  test('tailspin lacks Incident.Read.All: roles fails with the Microsoft Threat Protection fix', async () => {
    const token = await emulatorToken(srv.url, WELL_KNOWN.tailspinTenantId, DEFENDER)
    const report = await validateToken(token, { resource: DEFENDER, tenant: WELL_KNOWN.tailspinTenantId, requiredRoles: ['Incident.Read.All', 'AdvancedHunting.Read.All'] })
    assert.equal(report.valid, false)
    assert.deepEqual(failed(report), ['roles'])
    assert.deepEqual(report.missingRoles, ['Incident.Read.All'])
    const roles = check(report, 'roles')
    assert.ok(roles.message.includes('Incident.Read.All') && roles.message.includes(WELL_KNOWN.tailspinTenantId))
    assert.ok(roles.fix?.includes('Microsoft Threat Protection'))
    assert.ok(roles.fix?.includes('type its name'))
    assert.ok(roles.fix?.includes('60–90 min'))
  })

  test('Incident.ReadWrite.All satisfies Incident.Read.All, and the message says so', async () => {
    emu.directory.setRoles(WELL_KNOWN.fabrikamTenantId, WELL_KNOWN.clientId, DEFENDER, ['Incident.ReadWrite.All'])
    const token = await emulatorToken(srv.url, WELL_KNOWN.fabrikamTenantId, DEFENDER)
    const report = await validateToken(token, { resource: DEFENDER, requiredRoles: ['Incident.Read.All'] })
    assert.equal(report.claimsValid, true)
    assert.match(check(report, 'roles').message, /Incident\.Read\.All is satisfied by Incident\.ReadWrite\.All/)
    const write = await validateToken(token, { requiredRoles: ['AdvancedHunting.Read.All'] })
    assert.deepEqual(write.missingRoles, ['AdvancedHunting.Read.All'])
  })

  test('a Graph permission required of a Defender token is named as a Graph permission', async () => {
    const report = await validateToken(contoso, { requiredRoles: ['ThreatHunting.Read.All'] })
    assert.deepEqual(report.missingRoles, ['ThreatHunting.Read.All'])
    assert.match(check(report, 'roles').message, /ThreatHunting\.Read\.All is a Microsoft Graph permission, not a Microsoft Threat Protection one: it needs a token for https:\/\/graph\.microsoft\.com/)
  })

  test('a token without any roles claim points at missing admin consent', async () => {
    // Tailspin consented but granted nothing on WindowsDefenderATP: Entra still issues a token, without roles.
    const token = await emulatorToken(srv.url, WELL_KNOWN.tailspinTenantId, MDE)
    assert.equal(payloadOf(token).roles, undefined)
    const report = await validateToken(token, { resource: MDE, requiredRoles: ['Alert.Read.All'] })
    assert.deepEqual(failed(report), ['roles'])
    assert.deepEqual(report.missingRoles, ['Alert.Read.All'])
    assert.match(check(report, 'roles').message, /no roles claim: admin consent is missing/)
    assert.ok(check(report, 'roles').fix?.includes(`https://login.microsoftonline.com/${WELL_KNOWN.tailspinTenantId}/adminconsent?client_id=${WELL_KNOWN.clientId}`))
    // Even with no required roles, an app-only token without roles can call nothing.
    assert.equal(check(await validateToken(token), 'roles').ok, false)
  })

  test('a Graph token against the Defender API fails audience and says it is a Graph token', async () => {
    const graph = await emulatorToken(srv.url, WELL_KNOWN.contosoTenantId, GRAPH)
    const report = await validateToken(graph, { resource: DEFENDER })
    assert.deepEqual(failed(report), ['audience'])
    // With required Defender roles, roles blames the audience instead of sending the user to Graph permissions.
    const withRoles = await validateToken(graph, { resource: DEFENDER, requiredRoles: ['Incident.Read.All'] })
    assert.deepEqual(failed(withRoles), ['audience', 'roles'])
    assert.match(check(withRoles, 'roles').message, /for another API/)
    assert.match(check(withRoles, 'roles').fix!, /audience first/)
    const audience = check(report, 'audience')
    assert.match(audience.message, /Microsoft Graph token/)
    assert.ok(audience.fix?.includes(`resource=${DEFENDER}`) && audience.fix.includes(`scope=${DEFENDER}/.default`))
  })

  test('a Defender token against Graph fails audience the other way round', async () => {
    const report = await validateToken(contoso, { resource: GRAPH })
    assert.match(check(report, 'audience').message, /Microsoft Threat Protection.*Microsoft Graph rejects it/)
    assert.ok(check(report, 'audience').fix?.includes(`scope=${GRAPH}/.default`))
  })

  test('a WindowsDefenderATP token for the Defender XDR API names the doc sample mix-up', async () => {
    const mde = await emulatorToken(srv.url, WELL_KNOWN.contosoTenantId, MDE).catch(() => undefined)
    const token = mde ?? (await foreignToken(appOnlyClaims(Math.floor(Date.now() / 1000), { aud: MDE })))
    const report = await validateToken(token, { resource: DEFENDER })
    assert.equal(check(report, 'audience').ok, false)
    assert.match(check(report, 'audience').message, /WindowsDefenderATP/)
  })

  test('wrong tenant fails tenant with the per-tenant authority fix; a domain cannot be compared', async () => {
    const report = await validateToken(contoso, { tenant: WELL_KNOWN.fabrikamTenantId })
    assert.deepEqual(failed(report), ['tenant'])
    assert.ok(check(report, 'tenant').fix?.includes(`https://login.microsoftonline.com/${WELL_KNOWN.fabrikamTenantId}/`))
    const domain = await validateToken(contoso, { tenant: 'contoso.onmicrosoft.com' })
    assert.equal(check(domain, 'tenant').skipped, true)
  })

  test('expired: says how long ago; inside the clock skew it still passes', async () => {
    const exp = payloadOf(contoso).exp as number
    const late = await validateToken(contoso, { now: (exp + 12 * 60) * 1000 })
    assert.deepEqual(failed(late), ['lifetime'])
    assert.match(check(late, 'lifetime').message, /^expired 12 min ago/)
    assert.equal(late.inspection.expired, true)
    const skew = await validateToken(contoso, { now: (exp + 60) * 1000 })
    assert.equal(check(skew, 'lifetime').ok, true)
    assert.match(check(skew, 'lifetime').message, /within the 300 s clock-skew/)
    const strict = await validateToken(contoso, { now: (exp + 60) * 1000, clockSkewSeconds: 0 })
    assert.equal(check(strict, 'lifetime').ok, false)
  })

  test('not yet valid beyond the skew blames the local clock', async () => {
    const nbf = payloadOf(contoso).nbf as number
    const report = await validateToken(contoso, { now: (nbf - 3600) * 1000 })
    assert.equal(check(report, 'lifetime').ok, false)
    assert.match(check(report, 'lifetime').fix!, /clock/)
  })

  test('issued in the future (iat ahead, nbf passed) fails lifetime beyond the skew', async () => {
    const now = Math.floor(Date.now() / 1000)
    const ahead = await foreignToken(appOnlyClaims(now, { iat: now + 3600, nbf: now - 60 }))
    const report = await validateToken(ahead, { now: now * 1000 })
    assert.equal(check(report, 'lifetime').ok, false)
    assert.match(check(report, 'lifetime').message, /^issued in the future: iat is 60 min ahead/)
    const within = await foreignToken(appOnlyClaims(now, { iat: now + 120, nbf: now - 60 }))
    assert.equal(check(await validateToken(within, { now: now * 1000 }), 'lifetime').ok, true)
  })

  test('a ManualClock can supply now', async () => {
    const { ManualClock } = await import('../../src/lib/clock.js')
    const exp = payloadOf(contoso).exp as number
    const report = await validateToken(contoso, { clock: new ManualClock((exp + 3 * 3600) * 1000) })
    assert.match(check(report, 'lifetime').message, /^expired 3 h ago/)
  })

  test('client mismatch fails client', async () => {
    const report = await validateToken(contoso, { clientId: '00000000-0000-4000-8000-000000000000' })
    assert.deepEqual(failed(report), ['client'])
  })

  test('a delegated (user) token fails app-only and roles with the client-credentials fix', async () => {
    const now = Math.floor(Date.now() / 1000)
    const { roles: _r, idtyp: _i, ...claims } = appOnlyClaims(now)
    const token = await foreignToken({ ...claims, scp: 'Incident.Read', upn: 'alice@contoso.com', idtyp: 'user' })
    const report = await validateToken(token, { resource: DEFENDER, requiredRoles: ['Incident.Read.All'] })
    assert.deepEqual(failed(report), ['app-only', 'roles'])
    assert.match(check(report, 'app-only').message, /user \(delegated\) token with delegated scopes Incident\.Read/)
    assert.match(check(report, 'app-only').fix!, /client_credentials/)
  })

  test('issuer: wrong tenant segment, v1/v2 mismatch, foreign host; authorityHost admits the emulator host', async () => {
    const now = Math.floor(Date.now() / 1000)
    const other = await foreignToken(appOnlyClaims(now, { iss: `https://sts.windows.net/${WELL_KNOWN.fabrikamTenantId}/` }))
    assert.match(check(await validateToken(other), 'issuer').message, /not the tid claim/)
    const mixed = await foreignToken(appOnlyClaims(now, { iss: `https://login.microsoftonline.com/${WELL_KNOWN.contosoTenantId}/v2.0` }))
    assert.match(check(await validateToken(mixed), 'issuer').message, /ver is 1\.0 but iss/)
    const local = await foreignToken(appOnlyClaims(now, { iss: `http://127.0.0.1:9/${WELL_KNOWN.contosoTenantId}/v2.0`, ver: '2.0' }))
    assert.equal(check(await validateToken(local), 'issuer').ok, false)
    assert.equal(check(await validateToken(local, { authorityHost: 'http://127.0.0.1:9' }), 'issuer').ok, true)
  })

  test('format: unsigned, missing claims; a malformed token fails format and skips the rest', async () => {
    const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url')
    const unsigned = `${b64({ alg: 'none' })}.${b64(appOnlyClaims(1_800_000_000))}.`
    assert.match(check(await validateToken(unsigned), 'format').message, /unsigned/)
    const { tid: _tid, ...noTid } = appOnlyClaims(1_800_000_000)
    assert.match(check(await validateToken(await foreignToken(noTid)), 'format').message, /missing tid/)

    const report = await validateToken('eyJhbGciOiJSUzI1NiJ9.bm90IGpzb24.sig', { requiredRoles: ['Incident.Read.All'] })
    assert.equal(report.valid, false)
    assert.equal(check(report, 'format').ok, false)
    assert.ok(report.checks.slice(1).every((c) => c.skipped))
    assert.deepEqual(report.missingRoles, ['Incident.Read.All'])
    assert.deepEqual(report.inspection.claims, [])
    const jwe = await validateToken('eyJhbGciOiJSU0EtT0FFUCJ9.a.b.c.d')
    assert.match(check(jwe, 'format').message, /encrypted/)
  })
})

describe('validateToken (audience of v2 tokens)', () => {
  test('a v2 token carries the appId: a custom App ID URI cannot be matched, and the message says why', async () => {
    const now = Math.floor(Date.now() / 1000)
    const apiAppId = 'e2e2e2e2-0000-4000-8000-0000000000c2'
    const token = await foreignToken(
      appOnlyClaims(now, { aud: apiAppId, ver: '2.0', iss: `https://login.microsoftonline.com/${WELL_KNOWN.contosoTenantId}/v2.0`, appid: undefined, azp: WELL_KNOWN.clientId }),
    )
    const byUri = await validateToken(token, { resource: 'api://my-api' })
    assert.equal(check(byUri, 'audience').ok, false)
    assert.match(check(byUri, 'audience').message, /v2 tokens carry the API's appId/)
    const byId = await validateToken(token, { resource: apiAppId, clientId: WELL_KNOWN.clientId })
    assert.deepEqual(failed(byId), [])
  })
})
