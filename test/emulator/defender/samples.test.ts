import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { createEmulator, serve, type RunningEmulator } from '../../../src/emulator/index.js'
import { WELL_KNOWN } from '../../../src/emulator/well_known.js'
import { available, run } from '../../_tools.js'

/**
 * Microsoft's documented incident samples, run by the real tools against the emulator with only the
 * host changed: the Python urllib token + list flow (api-create-app-web.md / api-hello-world.md,
 * including its `$filter=lastUpdateTime+ge+<round-trip date>`), and the update example verbatim
 * (api-update-incidents.md, defender-api.md §2.8) with curl.
 */

describe('documented Defender incident samples with the real tools', async () => {
  const hasCurl = await available('curl', ['--version'])
  const hasPython = await available('python3', ['--version'])
  let srv: RunningEmulator
  before(async () => {
    srv = await serve(await createEmulator({ defender: { incidentsPerTenant: 60 } }))
  })
  after(() => srv.close())

  test('Python: v1 token for https://api.security.microsoft.com, then GET /api/incidents?$filter=lastUpdateTime+ge+…', { skip: !hasPython && 'python3 not installed' }, async () => {
    const script = `
import json, sys, urllib.request, urllib.parse, datetime
tenantId, appId, appSecret, base = sys.argv[1:5]
url = base + "/%s/oauth2/token" % (tenantId)
resourceAppIdUri = 'https://api.security.microsoft.com'
body = {'resource': resourceAppIdUri, 'client_id': appId, 'client_secret': appSecret, 'grant_type': 'client_credentials'}
data = urllib.parse.urlencode(body).encode("utf-8")
req = urllib.request.Request(url, data)
response = urllib.request.urlopen(req)
jsonResponse = json.loads(response.read())
aadToken = jsonResponse["access_token"]

dateTime = (datetime.datetime.utcnow() - datetime.timedelta(hours=48*30)).strftime("%Y-%m-%dT%H:%M:%S.%f0Z")
url = base + "/api/incidents?$filter=lastUpdateTime+ge+" + dateTime
headers = {'Content-Type': 'application/json', 'Accept': 'application/json', 'Authorization': "Bearer " + aadToken}
req = urllib.request.Request(url, headers=headers)
response = urllib.request.urlopen(req)
jsonResponse = json.loads(response.read())
incidents = jsonResponse["value"]
print(json.dumps({"context": jsonResponse["@odata.context"], "since": dateTime, "count": len(incidents), "times": [i["lastUpdateTime"] for i in incidents]}))
`
    const { stdout } = await run('python3', ['-c', script, WELL_KNOWN.contosoTenantId, WELL_KNOWN.clientId, WELL_KNOWN.clientSecret, srv.url])
    const out = JSON.parse(stdout) as { context: string; since: string; count: number; times: string[] }
    assert.equal(out.context, `${srv.url}/api/$metadata#Incidents`)
    assert.ok(out.count > 0)
    assert.ok(out.times.every((t) => t >= out.since.replace(/(\.\d{7})\d*Z$/, '$1Z')))
  })

  test('curl: the update example body verbatim, then the error for an invalid pair', { skip: !hasCurl && 'curl not installed' }, async () => {
    const token = await run('curl', ['-sS', '-X', 'POST', '-d', 'grant_type=client_credentials', '-d', `client_id=${WELL_KNOWN.clientId}`, '-d', `client_secret=${WELL_KNOWN.clientSecret}`, '-d', 'scope=https://api.security.microsoft.com/.default', `${srv.url}/${WELL_KNOWN.contosoTenantId}/oauth2/v2.0/token`])
    const accessToken = (JSON.parse(token.stdout) as { access_token: string }).access_token
    const list = await run('curl', ['-sS', '-H', `Authorization: Bearer ${accessToken}`, `${srv.url}/api/incidents?$top=1`])
    const id = (JSON.parse(list.stdout) as { value: { incidentId: number }[] }).value[0]!.incidentId
    const example = '{\n    "status": "Resolved",\n    "assignedTo": "secop2@contoso.com",\n    "classification": "TruePositive",\n    "determination": "Malware",\n    "tags": ["Yossi\'s playground", "Don\'t mess with the Zohan"],\n    "comment": "pen testing"\n}'
    const patch = await run('curl', ['-sS', '-w', '\\n%{http_code}', '-X', 'PATCH', '-H', `Authorization: Bearer ${accessToken}`, '-H', 'Content-Type: application/json', '-d', example, `${srv.url}/api/incidents/${id}`])
    const cut = patch.stdout.lastIndexOf('\n')
    assert.equal(patch.stdout.slice(cut + 1), '200')
    const updated = JSON.parse(patch.stdout.slice(0, cut)) as { status: string; tags: string[]; comments: { comment: string }[] }
    assert.equal(updated.status, 'Resolved')
    assert.deepEqual(updated.tags, ["Yossi's playground", "Don't mess with the Zohan"])
    assert.equal(updated.comments.at(-1)!.comment, 'pen testing')
    const bad = await run('curl', ['-sS', '-w', '\\n%{http_code}', '-X', 'PATCH', '-H', `Authorization: Bearer ${accessToken}`, '-H', 'Content-Type: application/json', '-d', '{"classification":"FalsePositive","determination":"Malware"}', `${srv.url}/api/incidents/${id}`])
    assert.ok(bad.stdout.endsWith('\n400'))
    assert.equal((JSON.parse(bad.stdout.slice(0, -4)) as { error: { code: string } }).error.code, 'InvalidInput')
  })
})
