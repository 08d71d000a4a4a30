import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { createEmulator, serve, WELL_KNOWN, type Emulator, type RunningEmulator } from '../../src/emulator/index.js'
import { generateCertificate } from '../../src/emulator/x509.js'

describe('control API /_emulator', () => {
  let emulator: Emulator
  let running: RunningEmulator
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${running.url}/_emulator${path}`, {
      method,
      // The control API takes only JSON (a bodyless POST too: that is what a cross-site form can send).
      ...(method !== 'GET' && { headers: { 'content-type': 'application/json' } }),
      ...(body !== undefined && { body: JSON.stringify(body) }),
    })
    const text = await res.text()
    return { status: res.status, body: text ? JSON.parse(text) : undefined }
  }
  before(async () => {
    emulator = await createEmulator()
    running = await serve(emulator)
  })
  after(() => running.close())

  test('GET config: seed-config shape with secret hints, never values', async () => {
    const { status, body } = await call('GET', '/config')
    assert.equal(status, 200)
    assert.equal(body.tenants.length, 5)
    const app = body.apps.find((a: { appId: string }) => a.appId === WELL_KNOWN.clientId)
    assert.equal(app.secrets[0].hint, WELL_KNOWN.clientSecret.slice(0, 3))
    assert.equal(app.certificates[0].thumbprint, WELL_KNOWN.certificateThumbprint)
    assert.ok(!JSON.stringify(body).includes(WELL_KNOWN.clientSecret))
    const tailspin = body.grants.find((g: { tenant: string }) => g.tenant === WELL_KNOWN.tailspinTenantId)
    assert.deepEqual(tailspin.consent.find((c: { resource: string }) => c.resource === 'https://api.security.microsoft.com').roles, ['AdvancedHunting.Read.All'])
    assert.equal(body.grants.some((g: { tenant: string }) => g.tenant === WELL_KNOWN.woodgroveTenantId), false)
  })

  test('GET config loads back as a seed config (same tenants, apps, certificates and grants)', async () => {
    const { body } = await call('GET', '/config')
    const copy = await createEmulator({ config: body })
    const again = await (await copy.fetch('http://emulator.test/_emulator/config')).json() as typeof body
    const strip = (c: typeof body) => ({
      tenants: c.tenants,
      apps: c.apps.map((a: { secrets: unknown; certificates: { thumbprint: string }[] }) => ({ ...a, secrets: undefined, certificates: a.certificates.map((x) => x.thumbprint) })),
      grants: c.grants.map((g: { servicePrincipalId: string }) => ({ ...g, servicePrincipalId: undefined })),
    })
    assert.deepEqual(strip(again), strip(body))
  })

  test('tenants: create, read by domain, conflict, delete, 404', async () => {
    const created = await call('POST', '/tenants', { displayName: 'Northwind', domains: ['northwind.onmicrosoft.com'] })
    assert.equal(created.status, 201)
    assert.match(created.body.id, /^[0-9a-f-]{36}$/)
    assert.equal((await call('GET', '/tenants/northwind.onmicrosoft.com')).body.id, created.body.id)
    const dup = await call('POST', '/tenants', { id: created.body.id })
    assert.equal(dup.status, 409)
    assert.equal(dup.body.error.code, 'Conflict')
    assert.equal((await call('POST', '/tenants', { id: 'not-a-guid' })).status, 400)
    assert.equal((await call('GET', '/tenants')).body.value.length, 6)
    // The identity endpoints see the new tenant at once.
    assert.equal((await fetch(`${running.url}/northwind.onmicrosoft.com/v2.0/.well-known/openid-configuration`)).status, 200)
    assert.equal((await call('DELETE', `/tenants/${created.body.id}`)).status, 204)
    assert.equal((await call('DELETE', `/tenants/${created.body.id}`)).body.error.code, 'NotFound')
    assert.equal((await fetch(`${running.url}/northwind.onmicrosoft.com/v2.0/.well-known/openid-configuration`)).status, 400)
  })

  test('apps: create with a secret (value returned once), patch, secrets and certificates', async () => {
    const created = await call('POST', '/apps', {
      displayName: 'Second app',
      homeTenant: WELL_KNOWN.homeTenantDomain,
      redirectUris: ['https://app.example/cb'],
      requiredResourceAccess: [{ resource: 'https://api.security.microsoft.com', roles: ['Incident.Read.All'] }],
      secrets: [{ value: 'first-secret-value~x', expiresAt: '2030-01-01T00:00:00Z' }],
    })
    assert.equal(created.status, 201)
    const appId = created.body.appId as string
    assert.equal(created.body.secrets[0].value, 'first-secret-value~x')
    assert.equal(created.body.secrets[0].expiresAt, '2030-01-01T00:00:00.000Z')
    assert.equal((await call('GET', `/apps/${appId}`)).body.secrets[0].value, undefined)
    assert.equal(emulator.directory.verifySecret(appId, 'first-secret-value~x', Date.now()), 'ok')

    const secret = await call('POST', `/apps/${appId}/secrets`, {})
    assert.equal(secret.status, 201)
    assert.equal(secret.body.value.length, 40)
    assert.equal(emulator.directory.verifySecret(appId, secret.body.value, Date.now()), 'ok')
    assert.equal((await call('DELETE', `/apps/${appId}/secrets/${secret.body.keyId}`)).status, 204)
    assert.equal(emulator.directory.verifySecret(appId, secret.body.value, Date.now()), 'invalid')
    assert.equal((await call('DELETE', `/apps/${appId}/secrets/${secret.body.keyId}`)).status, 404)

    const patched = await call('PATCH', `/apps/${appId}`, { enabled: false, redirectUris: ['https://app.example/other'] })
    assert.equal(patched.status, 200)
    assert.equal(emulator.directory.app(appId)!.enabled, false)
    assert.deepEqual(emulator.directory.app(appId)!.redirectUris, ['https://app.example/other'])
    assert.equal((await call('PATCH', `/apps/${appId}`, { requiredResourceAccess: [{ resource: 'https://graph.microsoft.com', roles: ['Nope'] }] })).status, 400)
    assert.equal((await call('PATCH', `/apps/${appId}`, { enabled: 'no' })).status, 400)

    const cert = await generateCertificate({ commonName: 'control test', days: 30 })
    const added = await call('POST', `/apps/${appId}/certificates`, { certificatePem: cert.certificatePem })
    assert.equal(added.status, 201)
    assert.match(added.body.thumbprint, /^[0-9A-F]{40}$/)
    assert.equal((await call('POST', `/apps/${appId}/certificates`, { certificatePem: 'garbage' })).status, 400)
    assert.equal((await call('DELETE', `/apps/${appId}/certificates/${added.body.keyId}`)).status, 204)

    assert.equal((await call('POST', '/apps', { homeTenant: 'nosuch.example' })).status, 404)
    assert.equal((await call('POST', '/apps', {})).status, 400)
    assert.equal((await call('GET', '/apps/00000000-0000-4000-8000-000000000000')).status, 404)
  })

  test('grants: consent, change roles (replace), revoke', async () => {
    const path = `/tenants/${WELL_KNOWN.woodgroveTenantId}/grants/${WELL_KNOWN.clientId}`
    assert.equal((await call('GET', path)).status, 404)
    const partial = await call('PUT', path, { consent: [{ resource: 'https://api.security.microsoft.com', roles: ['Incident.Read.All'] }] })
    assert.equal(partial.status, 201)
    assert.deepEqual(partial.body.consent, [{ resource: 'https://api.security.microsoft.com', roles: ['Incident.Read.All'] }])
    const all = await call('PUT', path, {})
    assert.equal(all.status, 200)
    assert.equal(all.body.servicePrincipalId, partial.body.servicePrincipalId)
    assert.deepEqual(emulator.directory.rolesFor(WELL_KNOWN.woodgroveTenantId, WELL_KNOWN.clientId, '00000003-0000-0000-c000-000000000000'), [
      'SecurityIncident.Read.All', 'SecurityIncident.ReadWrite.All', 'SecurityAlert.Read.All', 'SecurityAlert.ReadWrite.All', 'ThreatHunting.Read.All',
    ])
    const narrowed = await call('PUT', path, { consent: [{ resource: 'https://graph.microsoft.com', roles: ['ThreatHunting.Read.All'] }] })
    assert.deepEqual(narrowed.body.consent, [{ resource: 'https://graph.microsoft.com', roles: ['ThreatHunting.Read.All'] }])
    assert.equal((await call('PUT', path, { consent: [{ resource: 'https://nope.example', roles: [] }] })).status, 400)
    assert.equal((await call('GET', `/tenants/${WELL_KNOWN.woodgroveTenantId}/grants`)).body.value.length, 1)
    assert.equal((await call('DELETE', path)).status, 204)
    assert.equal(emulator.directory.servicePrincipal(WELL_KNOWN.woodgroveTenantId, WELL_KNOWN.clientId), undefined)
    assert.equal((await call('DELETE', path)).status, 404)
  })

  test('faults: validate, list, apply to a group, clear', async () => {
    assert.equal((await call('POST', '/faults', { status: 500 })).status, 400)
    assert.equal((await call('POST', '/faults', { target: 'discovery', status: 500, bogus: 1 })).status, 400)
    assert.equal((await call('POST', '/faults', { target: 'discovery', pathPattern: '(' , status: 500 })).status, 400)
    const added = await call('POST', '/faults', { target: 'discovery', count: 2, status: 429, retryAfter: 7, body: 'Too Many Requests', pathPattern: 'openid' })
    assert.equal(added.status, 201)
    assert.equal((await call('GET', '/faults')).body.value[0].count, 2)
    // Not matching the path pattern: untouched.
    assert.equal((await fetch(`${running.url}/common/discovery/keys`)).status, 200)
    const res = await fetch(`${running.url}/common/v2.0/.well-known/openid-configuration`)
    assert.equal(res.status, 429)
    assert.equal(res.headers.get('retry-after'), '7')
    assert.equal(await res.text(), 'Too Many Requests')
    assert.equal((await call('DELETE', '/faults')).status, 204)
    assert.deepEqual((await call('GET', '/faults')).body.value, [])
    assert.equal((await fetch(`${running.url}/common/v2.0/.well-known/openid-configuration`)).status, 200)
  })

  test('requests: filtered by group and sequence; control calls are not logged; clear', async () => {
    assert.equal((await call('DELETE', '/requests')).status, 204)
    await fetch(`${running.url}/common/discovery/keys`)
    await fetch(`${running.url}/api/nothing`)
    const all = (await call('GET', '/requests')).body.value as { seq: number; group: string; url: string }[]
    assert.deepEqual(all.map((r) => r.group), ['discovery', 'unmatched'])
    const disc = (await call('GET', '/requests?group=discovery')).body.value
    assert.equal(disc.length, 1)
    assert.equal(disc[0].url, '/common/discovery/keys')
    assert.equal((await call('GET', `/requests?since=${all[0]!.seq}`)).body.value.length, 1)
    assert.equal((await call('GET', '/requests?since=x')).status, 400)
  })

  test('settings: patch and reset with null', async () => {
    const patched = await call('PATCH', '/settings', { tokenLifetimeSeconds: 3599, tokenRateLimit: { requests: 5, perSeconds: 60 } })
    assert.equal(patched.status, 200)
    assert.equal(emulator.config.tokenLifetimeSeconds, 3599)
    assert.deepEqual(emulator.config.tokenRateLimit, { requests: 5, perSeconds: 60 })
    // The token endpoint reads the settings on every request.
    const token = async () =>
      fetch(`${running.url}/${WELL_KNOWN.contosoTenantId}/oauth2/v2.0/token`, {
        method: 'POST',
        body: new URLSearchParams({ grant_type: 'client_credentials', client_id: WELL_KNOWN.clientId, client_secret: WELL_KNOWN.clientSecret, scope: 'https://graph.microsoft.com/.default' }),
      })
    assert.equal(((await (await token()).json()) as { expires_in: number }).expires_in, 3599)
    await call('PATCH', '/settings', { tokenRateLimit: { requests: 1, perSeconds: 3600 } })
    assert.equal((await token()).status, 429)
    assert.equal((await call('PATCH', '/settings', { tokenLifetimeSeconds: { min: 10, max: 5 } })).status, 400)
    assert.equal((await call('PATCH', '/settings', { nope: 1 })).status, 400)
    const reset = await call('PATCH', '/settings', { tokenLifetimeSeconds: null, tokenRateLimit: null })
    assert.deepEqual(reset.body, { tokenLifetimeSeconds: null, tokenRateLimit: null })
    assert.equal(emulator.config.tokenRateLimit, undefined)
  })

  test('bad JSON is a 400 with the control error shape; works in-process too', async () => {
    const res = await emulator.fetch('http://emulator.test/_emulator/tenants', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{nope' })
    assert.equal(res.status, 400)
    assert.deepEqual(Object.keys(((await res.json()) as { error: object }).error), ['code', 'message'])
  })
})
