import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { WELL_KNOWN } from '../../../src/emulator/index.js'
import { runCli } from '../_cli.js'

const ID = WELL_KNOWN.clientId

describe('m365d consent-link', { concurrency: true }, () => {
  test('default: the Defender partner link (entra-app-only.md §6.1)', async () => {
    const r = await runCli(['consent-link', '--client-id', ID])
    assert.equal(r.code, 0, r.stderr)
    assert.equal(r.stdout.trim(), `https://login.microsoftonline.com/common/oauth2/authorize?prompt=consent&client_id=${ID}&response_type=code&sso_reload=true`)
  })

  test('--tenant without --redirect-uri: the same partner link on that tenant (where a 700016 hint sends the admin)', async () => {
    const r = await runCli(['consent-link', '--client-id', ID, '--tenant', WELL_KNOWN.woodgroveTenantId])
    assert.equal(r.code, 0, r.stderr)
    assert.equal(r.stdout.trim(), `https://login.microsoftonline.com/${WELL_KNOWN.woodgroveTenantId}/oauth2/authorize?prompt=consent&client_id=${ID}&response_type=code&sso_reload=true`)
    const bad = await runCli(['consent-link', '--client-id', ID, '--tenant', 'not a tenant'])
    assert.equal(bad.code, 2)
    assert.match(bad.stderr, /ERR_CONFIG_INVALID_TENANT/)
  })

  test('client id and authority host from the environment (e.g. the emulator, or a gov cloud)', async () => {
    const emu = await runCli(['consent-link'], { env: { M365D_CLIENT_ID: ID, M365D_AUTHORITY_HOST: 'http://127.0.0.1:5080' } })
    assert.match(emu.stdout, /^http:\/\/127\.0\.0\.1:5080\/common\/oauth2\/authorize\?prompt=consent/)
    const gov = await runCli(['consent-link', '--cloud', 'gcc-high'], { env: { M365D_CLIENT_ID: ID } })
    assert.match(gov.stdout, /^https:\/\/login\.microsoftonline\.us\/common\/oauth2\/authorize\?/)
  })

  test('the partner tenant and credentials are not needed, so a broken setup of them does not matter', async () => {
    const r = await runCli(['consent-link', '--client-id', ID], { env: { M365D_TENANT_ID: 'not a tenant', M365D_CLIENT_SECRET: 'x', M365D_CERTIFICATE_PATH: '/x.pem' } })
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /prompt=consent/)
  })

  test('--redirect-uri: the v1 admin-consent endpoint with the given state', async () => {
    const r = await runCli(['consent-link', '--client-id', ID, '--redirect-uri', WELL_KNOWN.redirectUri, '--state', 's123', '--tenant', 'contoso.onmicrosoft.com'])
    assert.equal(r.code, 0, r.stderr)
    const url = new URL(r.stdout.trim())
    assert.equal(url.pathname, '/contoso.onmicrosoft.com/adminconsent')
    assert.equal(url.searchParams.get('client_id'), ID)
    assert.equal(url.searchParams.get('redirect_uri'), WELL_KNOWN.redirectUri)
    assert.equal(url.searchParams.get('state'), 's123')
  })

  test('--v2: /organizations/v2.0/adminconsent with a /.default scope and a random state (--json)', async () => {
    const r = await runCli(['consent-link', '--client-id', ID, '--v2', '--redirect-uri', WELL_KNOWN.redirectUri, '--json'])
    assert.equal(r.code, 0, r.stderr)
    const doc = JSON.parse(r.stdout) as { url: string; state: string; kind: string }
    const url = new URL(doc.url)
    assert.equal(url.pathname, '/organizations/v2.0/adminconsent')
    assert.match(url.searchParams.get('scope') ?? '', /\/\.default$/)
    assert.ok(doc.state.length >= 16)
    assert.equal(url.searchParams.get('state'), doc.state)
    assert.equal(doc.kind, 'adminconsent-v2')
  })

  test('usage errors: --v2 without --redirect-uri, no client id, bad client id', async () => {
    const [v2, none, bad] = await Promise.all([
      runCli(['consent-link', '--client-id', ID, '--v2']),
      runCli(['consent-link']),
      runCli(['consent-link', '--client-id', 'contoso-app']),
    ])
    assert.equal(v2.code, 2)
    assert.match(v2.stderr, /ERR_CLI_MISSING_OPTION/)
    assert.equal(none.code, 2)
    assert.match(none.stderr, /ERR_CONFIG_MISSING_CLIENT_ID/)
    assert.equal(bad.code, 2)
    assert.match(bad.stderr, /ERR_CONFIG_INVALID_CLIENT_ID/)
  })
})
