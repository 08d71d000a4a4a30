import assert from 'node:assert/strict'
import { generateKeyPairSync } from 'node:crypto'
import { after, before, describe, test } from 'node:test'
import { SignJWT } from 'jose'
import { ManualClock } from '../../../src/lib/clock.js'
import { createEmulator, serve, type Emulator, type RunningEmulator } from '../../../src/emulator/index.js'
import { WELL_KNOWN } from '../../../src/emulator/well_known.js'
import { call, getToken, GRAPH_SCOPE, LEGACY_SCOPE, type ApiError } from '../defender/helpers.js'

const claims = (token: string) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>

describe('Defender API authorization', () => {
  const clock = new ManualClock(Date.now())
  let emu: Emulator
  let srv: RunningEmulator
  let url: string
  let legacy: string
  let graph: string
  before(async () => {
    emu = await createEmulator({ clock, defender: { incidentsPerTenant: 20, limits: { enabled: false } } })
    srv = await serve(emu)
    url = srv.url
    legacy = await getToken(url, WELL_KNOWN.contosoTenantId, LEGACY_SCOPE)
    graph = await getToken(url, WELL_KNOWN.contosoTenantId, GRAPH_SCOPE)
  })
  after(() => srv.close())

  async function expect401(path: string, token: string | undefined, surface: 'legacy' | 'graph', raw?: string) {
    const res = await call<ApiError>(`${url}${path}`, token, raw === undefined ? {} : { headers: { authorization: raw } })
    assert.equal(res.status, 401)
    assert.equal(res.body.error.code, surface === 'legacy' ? 'Unauthorized' : 'InvalidAuthenticationToken')
    assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer /)
    if (surface === 'legacy') assert.match(res.body.error.target!, /^[0-9a-f-]{36}$/)
    else assert.ok(res.body.error.innerError?.['request-id'])
    return res.body.error.message
  }

  test('missing, malformed and non-Bearer tokens are 401 on both surfaces', async () => {
    assert.match(await expect401('/api/incidents', undefined, 'legacy'), /missing/)
    assert.equal(await expect401('/v1.0/security/incidents', undefined, 'graph'), 'Access token is empty.')
    await expect401('/api/incidents', undefined, 'legacy', 'Bearer not.a.jwt')
    await expect401('/api/incidents', undefined, 'legacy', `Basic ${Buffer.from('a:b').toString('base64')}`)
    await expect401('/v1.0/security/alerts_v2', undefined, 'graph', 'Bearer abc')
  })

  test('a token signed by a foreign key is 401, whatever its kid says', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
    const c = claims(legacy)
    for (const kid of [emu.keys.active.kid, 'unknown-kid']) {
      const forged = await new SignJWT(c).setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid }).sign(privateKey)
      await expect401('/api/incidents', forged, 'legacy')
    }
  })

  test('wrong audience is 401: a Graph token on the legacy API and vice versa', async () => {
    assert.match(await expect401('/api/incidents', graph, 'legacy'), /audience/)
    assert.equal(await expect401('/v1.0/security/incidents', legacy, 'graph'), 'Invalid audience.')
  })

  test('accepted audiences: App ID URI or appId (v1 resource=), ok response', async () => {
    const res = await fetch(`${url}/${WELL_KNOWN.contosoTenantId}/oauth2/token`, {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: WELL_KNOWN.clientId, client_secret: WELL_KNOWN.clientSecret, resource: '8ee8fdad-f234-4243-8f3b-15c294843740' }),
    })
    const byAppId = ((await res.json()) as { access_token: string }).access_token
    assert.equal(claims(byAppId).aud, '8ee8fdad-f234-4243-8f3b-15c294843740')
    assert.equal((await call(`${url}/api/incidents?$top=1`, byAppId)).status, 200)
    assert.equal((await call(`${url}/v1.0/security/incidents?$top=1`, graph)).status, 200)
  })

  test('rotation: tokens of a rotated key work during the grace period, not after an emergency roll', async () => {
    const old = await getToken(url, WELL_KNOWN.contosoTenantId, LEGACY_SCOPE)
    await emu.keys.rotate()
    assert.equal((await call(`${url}/api/incidents?$top=1`, old)).status, 200)
    await emu.keys.rotate({ dropPrevious: true })
    await expect401('/api/incidents', old, 'legacy')
    legacy = await getToken(url, WELL_KNOWN.contosoTenantId, LEGACY_SCOPE)
    graph = await getToken(url, WELL_KNOWN.contosoTenantId, GRAPH_SCOPE)
  })

  test('403 when roles lack the permission, naming the required and the held roles', async () => {
    // Tailspin's admin granted only the hunting roles (well_known.ts).
    const tLegacy = await getToken(url, WELL_KNOWN.tailspinTenantId, LEGACY_SCOPE)
    const l = await call<ApiError>(`${url}/api/incidents`, tLegacy)
    assert.equal(l.status, 403)
    assert.equal(l.body.error.code, 'Forbidden')
    assert.match(l.body.error.message, /\(Incident\.Read\.All, Incident\.ReadWrite\.All\)/)
    const tGraph = await getToken(url, WELL_KNOWN.tailspinTenantId, GRAPH_SCOPE)
    const g = await call<ApiError>(`${url}/v1.0/security/incidents`, tGraph)
    assert.equal(g.status, 403)
    assert.equal(g.body.error.message, 'Missing application roles. API required roles: SecurityIncident.Read.All, SecurityIncident.ReadWrite.All, application roles: ThreatHunting.Read.All.')
    const a = await call<ApiError>(`${url}/v1.0/security/alerts_v2`, tGraph)
    assert.equal(a.status, 403)
    assert.match(a.body.error.message, /SecurityAlert\.Read\.All/)
  })

  test('read-only roles can list but not PATCH (legacy and Graph)', async () => {
    const grant = await call(`${url}/_emulator/tenants/${WELL_KNOWN.fabrikamTenantId}/grants/${WELL_KNOWN.clientId}`, undefined, {
      method: 'PUT',
      body: JSON.stringify({ consent: [{ resource: 'https://api.security.microsoft.com', roles: ['Incident.Read.All'] }, { resource: 'https://graph.microsoft.com', roles: ['SecurityIncident.Read.All'] }] }),
    })
    assert.ok(grant.status < 300, String(grant.status))
    const ro = await getToken(url, WELL_KNOWN.fabrikamTenantId, LEGACY_SCOPE)
    const list = await call<{ value: { incidentId: number }[] }>(`${url}/api/incidents?$top=1`, ro)
    assert.equal(list.status, 200)
    const patch = await call<ApiError>(`${url}/api/incidents/${list.body.value[0]!.incidentId}`, ro, { method: 'PATCH', body: '{"status":"Resolved"}' })
    assert.equal(patch.status, 403)
    assert.match(patch.body.error.message, /\(Incident\.ReadWrite\.All\)/)
    const roGraph = await getToken(url, WELL_KNOWN.fabrikamTenantId, GRAPH_SCOPE)
    const gPatch = await call<ApiError>(`${url}/v1.0/security/incidents/${list.body.value[0]!.incidentId}`, roGraph, { method: 'PATCH', body: '{"status":"resolved"}' })
    assert.equal(gPatch.status, 403)
    assert.match(gPatch.body.error.message, /API required roles: SecurityIncident\.ReadWrite\.All, application roles: SecurityIncident\.Read\.All\./)
  })

  test("a token whose tenant no longer exists is 401 (issuer/tenant check before roles)", async () => {
    const t = await getToken(url, WELL_KNOWN.tailspinTenantId, LEGACY_SCOPE)
    assert.equal((await call(`${url}/api/incidents`, t)).status, 403)
    const del = await call(`${url}/_emulator/tenants/${WELL_KNOWN.tailspinTenantId}`, undefined, { method: 'DELETE' })
    assert.ok(del.status < 300, String(del.status))
    assert.match(await expect401('/api/incidents', t, 'legacy'), /issuer or tenant/)
  })

  test('not-yet-valid tokens (nbf in the future of the emulator clock) are 401, valid again at nbf', async () => {
    const now = clock.now()
    const nbf = claims(legacy).nbf as number
    assert.equal(typeof nbf, 'number')
    clock.set(nbf * 1000 - 60_000)
    try {
      assert.match(await expect401('/api/incidents?$top=1', legacy, 'legacy'), /not yet valid/)
      assert.match(await expect401('/v1.0/security/incidents?$top=1', graph, 'graph'), /not yet valid/)
    } finally {
      clock.set(now)
    }
    assert.equal((await call(`${url}/api/incidents?$top=1`, legacy)).status, 200)
  })

  test('expired tokens are 401 (controlled clock)', async () => {
    // Lifetimes are randomised like Entra's (60–90 min): go past both tokens' exp.
    const exp = Math.max(claims(legacy).exp as number, claims(graph).exp as number)
    clock.set(exp * 1000 + 1000)
    assert.match(await expect401('/api/incidents', legacy, 'legacy'), /expired/)
    assert.match(await expect401('/v1.0/security/incidents', graph, 'graph'), /expired/)
  })
})
