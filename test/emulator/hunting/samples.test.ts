// Microsoft's documented hunting samples, run by the real tools against the emulator with only the
// host changed: the Python urllib flow of the advanced hunting API docs (token, POST {'Query'},
// read "Schema"/"Results"), and the Graph runHuntingQuery example request body verbatim with curl.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { createEmulator, serve, WELL_KNOWN as W, type RunningEmulator } from '../../../src/emulator/index.js'
import { available, run } from '../../_tools.js'


describe('documented advanced hunting samples with the real tools', async () => {
  const hasCurl = await available('curl', ['--version'])
  const hasPython = await available('python3', ['--version'])
  let srv: RunningEmulator
  before(async () => {
    srv = await serve(await createEmulator({ defender: { incidentsPerTenant: 40 } }))
  })
  after(() => srv.close())

  test('Python: v1 token, then POST /api/advancedhunting/run {"Query"} and read Schema/Results', { skip: !hasPython && 'python3 not installed' }, async () => {
    const script = `
import json, sys, urllib.request, urllib.parse
tenantId, appId, appSecret, base = sys.argv[1:5]
url = base + "/%s/oauth2/token" % (tenantId)
body = {'resource': 'https://api.security.microsoft.com', 'client_id': appId, 'client_secret': appSecret, 'grant_type': 'client_credentials'}
req = urllib.request.Request(url, urllib.parse.urlencode(body).encode("utf-8"))
aadToken = json.loads(urllib.request.urlopen(req).read())["access_token"]

query = 'DeviceRegistryEvents | limit 10' # Paste your own query here
url = base + "/api/advancedhunting/run"
headers = {'Content-Type': 'application/json', 'Accept': 'application/json', 'Authorization': "Bearer " + aadToken}
data = json.dumps({'Query': query}).encode("utf-8")
req = urllib.request.Request(url, data, headers)
response = urllib.request.urlopen(req)
jsonResponse = json.loads(response.read())
schema = jsonResponse["Schema"]
results = jsonResponse["Results"]
print(json.dumps({"columns": [c["Name"] for c in schema], "types": [c["Type"] for c in schema], "count": len(results), "first": results[0]["DeviceName"]}))
`
    const { stdout } = await run('python3', ['-c', script, W.contosoTenantId, W.clientId, W.clientSecret, srv.url])
    const out = JSON.parse(stdout) as { columns: string[]; types: string[]; count: number; first: string }
    assert.equal(out.count, 10)
    assert.equal(out.columns[0], 'Timestamp')
    assert.equal(out.types[0], 'DateTime')
    assert.ok(out.columns.includes('RegistryKey'))
    assert.ok(out.first.length > 0)
  })

  test('curl: the Graph runHuntingQuery example body verbatim', { skip: !hasCurl && 'curl not installed' }, async () => {
    const token = await run('curl', ['-sS', '-X', 'POST', '-d', 'grant_type=client_credentials', '-d', `client_id=${W.clientId}`, '-d', `client_secret=${W.clientSecret}`, '-d', 'scope=https://graph.microsoft.com/.default', `${srv.url}/${W.contosoTenantId}/oauth2/v2.0/token`])
    const accessToken = (JSON.parse(token.stdout) as { access_token: string }).access_token
    const example = '{\n    "Query": "DeviceProcessEvents | where InitiatingProcessFileName =~ \\"powershell.exe\\" | project Timestamp, FileName, InitiatingProcessFileName | order by Timestamp desc | limit 2"\n}'
    const r = await run('curl', ['-sS', '-w', '\\n%{http_code}', '-X', 'POST', '-H', `Authorization: Bearer ${accessToken}`, '-H', 'Content-Type: application/json', '-d', example, `${srv.url}/v1.0/security/runHuntingQuery`])
    const cut = r.stdout.lastIndexOf('\n')
    assert.equal(r.stdout.slice(cut + 1), '200')
    const body = JSON.parse(r.stdout.slice(0, cut)) as { '@odata.context': string; schema: { name: string; type: string }[]; results: Record<string, string>[] }
    assert.ok(body['@odata.context'].endsWith('/v1.0/$metadata#microsoft.graph.security.huntingQueryResults'))
    assert.deepEqual(body.schema.map((c) => c.name), ['Timestamp', 'FileName', 'InitiatingProcessFileName'])
    assert.equal(body.results.length, 2)
    assert.equal(body.results[0]!.InitiatingProcessFileName!.toLowerCase(), 'powershell.exe')
  })
})
