import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { adminConsentLink, hintForAadsts, legacyConsentLink } from '../../src/auth/index.js'

const CLIENT = 'd3f3e4d0-0000-4000-8000-00000000a001'

describe('consent links', () => {
  test('legacy partner link is the documented one (defender-api.md §1.3)', () => {
    assert.equal(
      legacyConsentLink({ clientId: CLIENT }),
      `https://login.microsoftonline.com/common/oauth2/authorize?prompt=consent&client_id=${CLIENT}&response_type=code&sso_reload=true`,
    )
    const u = new URL(legacyConsentLink({ clientId: CLIENT, authorityHost: 'http://127.0.0.1:9/', redirectUri: 'https://portal.azure.com' }))
    assert.equal(u.origin + u.pathname, 'http://127.0.0.1:9/common/oauth2/authorize')
    assert.equal(u.searchParams.get('redirect_uri'), 'https://portal.azure.com')
  })

  test('admin consent (v1-style /adminconsent): common tenant, random state returned', () => {
    const a = adminConsentLink({ clientId: CLIENT, redirectUri: 'http://localhost:8765/consent/callback' })
    const u = new URL(a.url)
    assert.equal(u.pathname, '/common/adminconsent')
    assert.equal(u.searchParams.get('client_id'), CLIENT)
    assert.equal(u.searchParams.get('redirect_uri'), 'http://localhost:8765/consent/callback')
    assert.equal(u.searchParams.get('state'), a.state)
    assert.equal(u.searchParams.get('scope'), null)
    assert.ok(a.state.length >= 20)
    assert.notEqual(adminConsentLink({ clientId: CLIENT, redirectUri: 'x:' }).state, a.state)
  })

  test('admin consent v2: organizations, /.default scope, given state and tenant', () => {
    const a = adminConsentLink({ clientId: CLIENT, redirectUri: 'https://app/cb', v2: true, state: 's1' })
    const u = new URL(a.url)
    assert.equal(u.pathname, '/organizations/v2.0/adminconsent')
    assert.equal(u.searchParams.get('scope'), 'https://graph.microsoft.com/.default')
    assert.equal(a.state, 's1')
    const t = new URL(adminConsentLink({ clientId: CLIENT, redirectUri: 'https://app/cb', v2: true, tenant: 'contoso.com', scope: 'https://api.security.microsoft.com/.default' }).url)
    assert.equal(t.pathname, '/contoso.com/v2.0/adminconsent')
    assert.equal(t.searchParams.get('scope'), 'https://api.security.microsoft.com/.default')
  })
})

describe('AADSTS hints', () => {
  test('each common code has a hint; unknown codes have none', () => {
    const ctx = { tenant: 'contoso.com', clientId: CLIENT }
    for (const code of [700016, 7000215, 7000222, 7000218, 90002, 900023, 500011, 70011, 1002012, 700027, 700024, 7000112, 50048, 9001023])
      assert.ok(hintForAadsts(code, ctx), `hint for ${code}`)
    assert.equal(hintForAadsts(12345, ctx), undefined)
  })

  test('700016 points at the consent link for that client on that authority host', () => {
    const hint = hintForAadsts(700016, { tenant: 'contoso.com', clientId: CLIENT, authorityHost: 'https://login.microsoftonline.us' })!
    assert.ok(hint.includes(`https://login.microsoftonline.us/contoso.com/oauth2/authorize?prompt=consent&client_id=${CLIENT}`), hint)
    const noTenant = hintForAadsts(700016, { clientId: CLIENT })!
    assert.ok(noTenant.includes(`https://login.microsoftonline.com/common/oauth2/authorize?prompt=consent&client_id=${CLIENT}`), noTenant)
    assert.match(hint, /home tenant/)
  })
})
