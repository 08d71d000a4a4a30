import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { createEmulator } from '../../src/emulator/app.js'
import { checkConfigShape, ConfigError, loadDirectory, type EmulatorConfig } from '../../src/emulator/config.js'
import { serve } from '../../src/emulator/server.js'
import { wellKnownConfig } from '../../src/emulator/well_known.js'

const TENANT = '11111111-1111-4111-8111-111111111111'
const APP = '22222222-2222-4222-8222-222222222222'

/** The message of the ConfigError a (hand-edited JSON) seed config raises. */
function rejection(config: unknown): string {
  try {
    checkConfigShape(config)
  } catch (e) {
    assert.ok(e instanceof ConfigError, `expected ConfigError, got ${String(e)}`)
    return e.message
  }
  assert.fail('the config was accepted')
}

describe('seed config shape', () => {
  test('the well-known set and a minimal config pass', () => {
    checkConfigShape(wellKnownConfig())
    checkConfigShape({})
    checkConfigShape({ tenants: [{ id: TENANT }], tokenLifetimeSeconds: { min: 60, max: 120 }, tokenRateLimit: { requests: 5, perSeconds: 1 } })
  })

  test('wrong JSON types name the path of the bad value', () => {
    assert.equal(rejection([]), 'config: the top level must be a JSON object')
    assert.equal(rejection({ tenants: {} }), 'tenants: must be an array')
    assert.equal(rejection({ tenants: [null] }), 'tenants[0]: must be an object')
    assert.equal(rejection({ tenants: [{ id: 7 }] }), 'tenants[0].id: must be a string')
    assert.equal(rejection({ tenants: [{ id: TENANT, domains: 'a.example' }] }), 'tenants[0].domains: must be an array of strings')
    assert.equal(rejection({ apps: [{ appId: APP }] }), 'apps[0].homeTenant: must be a string (required)')
    assert.equal(rejection({ apps: [{ appId: APP, homeTenant: TENANT, enabled: 'yes' }] }), 'apps[0].enabled: must be true or false')
    assert.equal(rejection({ apps: [{ appId: APP, homeTenant: TENANT, signInAudience: 'AzureADandPersonalMicrosoftAccount' }] }), "apps[0].signInAudience: must be 'AzureADMyOrg' or 'AzureADMultipleOrgs'")
    assert.equal(rejection({ apps: [{ appId: APP, homeTenant: TENANT, requiredResourceAccess: [{ resource: 'https://graph.microsoft.com' }] }] }), 'apps[0].requiredResourceAccess[0].roles: must be an array of strings (required)')
    assert.equal(rejection({ apps: [{ appId: APP, homeTenant: TENANT, secrets: [{ value: 42 }] }] }), 'apps[0].secrets[0].value: must be a string')
    assert.equal(rejection({ apps: [{ appId: APP, homeTenant: TENANT, certificates: [{}] }] }), 'apps[0].certificates[0].certificatePem: must be a string (required)')
    assert.equal(rejection({ grants: [{ tenant: TENANT }] }), 'grants[0].app: must be a string (required)')
  })

  test('a misspelt top-level key is an error, not an empty emulator', () => {
    assert.match(rejection({ tenant: [{ id: TENANT }] }), /^tenant: unknown key \(expected one of tenants, resources, apps, grants/)
  })

  test('token lifetime and rate limit must be positive', () => {
    for (const bad of ['3600', 0, -5, { min: 10 }, { min: 20, max: 10 }]) assert.match(rejection({ tokenLifetimeSeconds: bad }), /^tokenLifetimeSeconds: /)
    for (const bad of [{ requests: 0, perSeconds: 1 }, { requests: 1.5, perSeconds: 1 }, { requests: 2 }]) assert.match(rejection({ tokenRateLimit: bad }), /^tokenRateLimit: /)
  })

  test('loadDirectory checks the shape first', () => {
    assert.throws(() => loadDirectory({ tenants: 'x' } as never), ConfigError)
  })
})

describe('seed config resources (your own API)', () => {
  const API = '33333333-3333-4333-8333-333333333333'
  const SECRET = 'seed~Secret.ForTheCustomApiTest_0123456789'
  const seed: EmulatorConfig = {
    tenants: [{ id: TENANT, domains: ['seed.onmicrosoft.com'] }],
    resources: [{ appId: API, displayName: 'Orders API', identifierUris: ['api://orders/'], accessTokenAcceptedVersion: 2, appRoles: [{ value: 'Orders.Read.All' }] }],
    apps: [{ appId: APP, homeTenant: TENANT, requiredResourceAccess: [{ resource: 'api://orders', roles: ['Orders.Read.All'] }], secrets: [{ value: SECRET }] }],
    grants: [{ tenant: TENANT, app: APP }],
  }

  test('a v2 resource gets v2.0 tokens from either endpoint, over real HTTP; GET /config loads back', async () => {
    const emu = await createEmulator({ config: seed })
    const srv = await serve(emu)
    try {
      const claims = async (path: string, form: Record<string, string>) => {
        const res = await fetch(`${srv.url}/${TENANT}/${path}`, { method: 'POST', body: new URLSearchParams({ grant_type: 'client_credentials', client_id: APP, client_secret: SECRET, ...form }) })
        assert.equal(res.status, 200, await res.clone().text())
        const { access_token } = (await res.json()) as { access_token: string }
        return JSON.parse(Buffer.from(access_token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>
      }
      for (const c of [await claims('oauth2/token', { resource: 'api://orders' }), await claims('oauth2/v2.0/token', { scope: 'api://orders/.default' })]) {
        assert.equal(c.ver, '2.0')
        assert.equal(c.aud, API)
        assert.equal(c.iss, `${srv.url}/${TENANT}/v2.0`)
        assert.equal(c.azp, APP)
        assert.deepEqual(c.roles, ['Orders.Read.All'])
      }
      const view = (await (await fetch(`${srv.url}/_emulator/config`)).json()) as EmulatorConfig
      assert.deepEqual(view.resources?.map((r) => [r.appId, r.identifierUris, r.accessTokenAcceptedVersion]), [[API, ['api://orders'], 2]])
      const again = await createEmulator({ config: view })
      assert.equal(again.directory.resolveResource('api://orders')?.accessTokenAcceptedVersion, 2)
    } finally {
      await srv.close()
    }
  })

  test('bad resources are refused with their path: shape, GUID, a clash with a built-in API', () => {
    assert.equal(rejection({ resources: [{ appId: API, identifierUris: ['api://x'], appRoles: [], accessTokenAcceptedVersion: 3 }] }), 'resources[0].accessTokenAcceptedVersion: must be 1 or 2')
    assert.equal(rejection({ resources: [{ appId: API, identifierUris: ['api://x'] }] }), 'resources[0].appRoles: must be an array of {value, displayName?} (required)')
    assert.throws(() => loadDirectory({ resources: [{ appId: 'orders', identifierUris: [], appRoles: [] }] }), /resources\[0\]: appId 'orders' is not a GUID/)
    assert.throws(() => loadDirectory({ resources: [{ appId: API, identifierUris: ['https://graph.microsoft.com'], appRoles: [] }] }), /resources\[0\]: resource 'https:\/\/graph\.microsoft\.com' already exists/)
  })
})
