import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { clouds, resolveCloud, TokenProvider } from '../../src/auth/index.js'

describe('clouds', () => {
  test('documented hosts per cloud (defender-api.md §1.2)', () => {
    assert.equal(clouds.commercial.authorityHost, 'https://login.microsoftonline.com')
    assert.equal(clouds.commercial.defenderResource, 'https://api.security.microsoft.com')
    assert.equal(clouds.gcc.authorityHost, 'https://login.microsoftonline.com')
    assert.equal(clouds.gcc.defenderApi, 'https://api-gcc.security.microsoft.us')
    assert.equal(clouds.gcc.graphApi, 'https://graph.microsoft.com')
    assert.equal(clouds['gcc-high'].authorityHost, 'https://login.microsoftonline.us')
    assert.equal(clouds['gcc-high'].defenderApi, 'https://api-gov.security.microsoft.us')
    assert.equal(clouds['gcc-high'].graphApi, 'https://graph.microsoft.us')
    assert.equal(clouds.dod.authorityHost, 'https://login.microsoftonline.us')
    assert.equal(clouds.dod.graphApi, 'https://dod-graph.microsoft.us')
  })

  test('resolveCloud: default, aliases, case-insensitive, overrides only move URLs', () => {
    assert.equal(resolveCloud().name, 'commercial')
    assert.equal(resolveCloud('GCC-High').name, 'gcc-high')
    assert.equal(resolveCloud('usgov').name, 'gcc-high')
    const emu = resolveCloud('dod', { authorityHost: 'http://127.0.0.1:8080/', defenderApi: 'http://127.0.0.1:8080' })
    assert.equal(emu.authorityHost, 'http://127.0.0.1:8080')
    assert.equal(emu.defenderApi, 'http://127.0.0.1:8080')
    assert.equal(emu.defenderResource, 'https://api-gov.security.microsoft.us')
    assert.equal(clouds.dod.authorityHost, 'https://login.microsoftonline.us', 'the shared table is not mutated')
  })

  test('unknown cloud and bad URLs have stable codes', () => {
    assert.throws(() => resolveCloud('china'), { code: 'ERR_CONFIG_CLOUD' })
    assert.throws(() => resolveCloud('commercial', { authorityHost: 'login.microsoftonline.com' }), { code: 'ERR_CONFIG_URL' })
    assert.throws(() => resolveCloud('commercial', { graphApi: 'ftp://x' }), { code: 'ERR_CONFIG_URL' })
  })

  test('TokenProvider picks the cloud by name or object; authorityHost overrides only the host', () => {
    const credential = { kind: 'secret' as const, secret: 's' }
    const gov = new TokenProvider({ clientId: 'c', credential, cloud: 'gcc-high' })
    assert.equal(gov.authorityHost, 'https://login.microsoftonline.us')
    assert.equal(new TokenProvider({ clientId: 'c', credential }).authorityHost, 'https://login.microsoftonline.com')
    const custom = { ...clouds.dod, defenderApi: 'https://proxy.example' }
    const emu = new TokenProvider({ clientId: 'c', credential, cloud: custom, authorityHost: 'http://127.0.0.1:9/' })
    assert.equal(emu.authorityHost, 'http://127.0.0.1:9')
    assert.equal(emu.cloud.defenderApi, 'https://proxy.example')
    assert.equal(emu.cloud.defenderResource, 'https://api-gov.security.microsoft.us')
    assert.throws(() => new TokenProvider({ clientId: 'c', credential, cloud: 'mars' as never }), { code: 'ERR_CONFIG_CLOUD' })
    assert.throws(() => new TokenProvider({ clientId: '', credential }), { code: 'ERR_INVALID_ARGUMENT' })
  })
})
