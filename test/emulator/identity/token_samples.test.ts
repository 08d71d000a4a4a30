import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { createEmulator, serve, WELL_KNOWN, type RunningEmulator } from '../../../src/emulator/index.js'
import { decodeJwt } from './token_test_helpers.js'
import { available, run } from '../../_tools.js'

/**
 * The documented samples, run by the real tools (curl, CPython's urllib) against the emulator with
 * only the host changed (defender-api.md §1.3: curl v2 with `-d` fields, Python v1 with urlencode).
 */

describe('documented token samples with the real tools', async () => {
  const hasCurl = await available('curl', ['--version'])
  const hasPython = await available('python3', ['--version'])
  let srv: RunningEmulator
  before(async () => {
    srv = await serve(await createEmulator())
  })
  after(() => srv.close())

  test('curl v2 sample (Defender partner-access page)', { skip: !hasCurl && 'curl not installed' }, async () => {
    const { stdout } = await run('curl', [
      '-sS',
      '-X',
      'POST',
      '-d',
      'grant_type=client_credentials',
      '-d',
      `client_id=${WELL_KNOWN.clientId}`,
      '-d',
      `client_secret=${WELL_KNOWN.clientSecret}`,
      '-d',
      'scope=https://securitycenter.onmicrosoft.com/windowsatpservice/.default',
      `${srv.url}/${WELL_KNOWN.contosoTenantId}/oauth2/v2.0/token`,
    ])
    const body = JSON.parse(stdout) as { token_type: string; expires_in: number; access_token: string }
    assert.equal(body.token_type, 'Bearer')
    assert.equal(typeof body.expires_in, 'number')
    assert.equal(decodeJwt(body.access_token).claims.aud, 'https://securitycenter.onmicrosoft.com/windowsatpservice')
  })

  test('Python urllib v1 sample (Defender create-app page)', { skip: !hasPython && 'python3 not installed' }, async () => {
    const script = `
import json, sys, urllib.request, urllib.parse
tenantId, appId, appSecret, base = sys.argv[1:5]
url = base + "/%s/oauth2/token" % (tenantId)
resourceAppIdUri = 'https://api.security.microsoft.com'
body = {'resource': resourceAppIdUri, 'client_id': appId, 'client_secret': appSecret, 'grant_type': 'client_credentials'}
data = urllib.parse.urlencode(body).encode("utf-8")
req = urllib.request.Request(url, data)
response = urllib.request.urlopen(req)
jsonResponse = json.loads(response.read())
print(json.dumps(jsonResponse))
`
    const { stdout } = await run('python3', ['-c', script, WELL_KNOWN.fabrikamTenantId, WELL_KNOWN.clientId, WELL_KNOWN.clientSecret, srv.url])
    const body = JSON.parse(stdout) as Record<string, string>
    assert.equal(body.resource, 'https://api.security.microsoft.com')
    assert.equal(typeof body.expires_on, 'string')
    const claims = decodeJwt(body.access_token!).claims
    assert.equal(claims.tid, WELL_KNOWN.fabrikamTenantId)
    assert.deepEqual(claims.roles, ['Incident.Read.All', 'Incident.ReadWrite.All', 'AdvancedHunting.Read.All'])
  })

  test('Python urllib: an AADSTS error arrives as HTTP 401 with the JSON body', { skip: !hasPython && 'python3 not installed' }, async () => {
    const script = `
import json, sys, urllib.request, urllib.parse, urllib.error
data = urllib.parse.urlencode({'resource': 'https://api.security.microsoft.com', 'client_id': sys.argv[2], 'client_secret': 'wrong', 'grant_type': 'client_credentials'}).encode()
try:
    urllib.request.urlopen(urllib.request.Request(sys.argv[1], data))
except urllib.error.HTTPError as e:
    print(json.dumps({'status': e.code, 'body': json.loads(e.read())}))
`
    const { stdout } = await run('python3', ['-c', script, `${srv.url}/${WELL_KNOWN.contosoTenantId}/oauth2/token`, WELL_KNOWN.clientId])
    const out = JSON.parse(stdout) as { status: number; body: { error: string; error_codes: number[] } }
    assert.equal(out.status, 401)
    assert.equal(out.body.error, 'invalid_client')
    assert.deepEqual(out.body.error_codes, [7000215])
  })
})
