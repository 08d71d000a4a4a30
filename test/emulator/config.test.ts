import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { checkConfigShape, ConfigError, loadDirectory } from '../../src/emulator/config.js'
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
    assert.match(rejection({ tenant: [{ id: TENANT }] }), /^tenant: unknown key \(expected one of tenants, apps, grants/)
  })

  test('token lifetime and rate limit must be positive', () => {
    for (const bad of ['3600', 0, -5, { min: 10 }, { min: 20, max: 10 }]) assert.match(rejection({ tokenLifetimeSeconds: bad }), /^tokenLifetimeSeconds: /)
    for (const bad of [{ requests: 0, perSeconds: 1 }, { requests: 1.5, perSeconds: 1 }, { requests: 2 }]) assert.match(rejection({ tokenRateLimit: bad }), /^tokenRateLimit: /)
  })

  test('loadDirectory checks the shape first', () => {
    assert.throws(() => loadDirectory({ tenants: 'x' } as never), ConfigError)
  })
})
