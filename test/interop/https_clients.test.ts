import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { WELL_KNOWN } from '../../src/emulator/index.js'
import { startHttpsEmulator, type HttpsEmulator } from './run_client.js'
import { available, run } from '../_tools.js'

/**
 * The HTTPS set-up documented in docs/emulator.md, with the tools users actually run:
 * `curl --cacert` and Python `requests` with REQUESTS_CA_BUNDLE (OpenSSL verification, not Node's).
 */

describe('non-Node clients trust the local CA', async () => {
  const curl = await available('curl', ['--version'])
  const python = await available('python3', ['-c', 'import requests'])
  let h: HttpsEmulator
  before(async () => {
    h = await startHttpsEmulator()
  })
  after(() => h.close())

  test('curl --cacert: discovery, then the documented client-credentials token request', { skip: !curl && 'curl not installed' }, async () => {
    const doc = JSON.parse((await run('curl', ['-sS', '--fail', '--cacert', h.caPath, `${h.origin}/contoso.onmicrosoft.com/v2.0/.well-known/openid-configuration`])).stdout)
    assert.equal(doc.token_endpoint, `${h.origin}/${WELL_KNOWN.contosoTenantId}/oauth2/v2.0/token`)
    const { stdout } = await run('curl', [
      '-sS', '--fail', '--cacert', h.caPath, '-X', 'POST', doc.token_endpoint,
      '-H', 'Content-Type: application/x-www-form-urlencoded',
      '--data-urlencode', `client_id=${WELL_KNOWN.clientId}`,
      '--data-urlencode', 'scope=https://api.security.microsoft.com/.default',
      '--data-urlencode', `client_secret=${WELL_KNOWN.clientSecret}`,
      '--data-urlencode', 'grant_type=client_credentials',
    ])
    assert.equal(JSON.parse(stdout).token_type, 'Bearer')
    // Without the CA, curl refuses the certificate (exit code 60).
    await assert.rejects(run('curl', ['-sS', `${h.origin}/common/discovery/keys`]), (e: { code?: number }) => e.code === 60)
  })

  test('Python requests with REQUESTS_CA_BUNDLE', { skip: !python && 'python3 requests not installed' }, async () => {
    const script = `import requests,sys; r = requests.get(sys.argv[1]); print(r.status_code, len(r.json()["keys"]))`
    const { stdout } = await run('python3', ['-c', script, `${h.origin}/common/discovery/v2.0/keys`], { env: { ...process.env, REQUESTS_CA_BUNDLE: h.caPath } })
    assert.equal(stdout.trim(), '200 1')
  })
})
