// docs/emulator.md "Using other clients", tried for real over HTTPS with the local CA: ADAL
// (authority validation off), openid-client (discovery from the tenant-GUID issuer), the Graph JS
// SDK (customHosts), MSAL Python and azure-identity for Python (instance discovery off), and
// Python's urllib with SSL_CERT_FILE (the Defender docs' samples). Python cases skip, saying why,
// only when the Debian package is missing here (.ci/run installs them).
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { WELL_KNOWN as W } from '../../src/emulator/index.js'
import { available, run } from '../_tools.js'
import { startHttpsEmulator, type HttpsEmulator } from './run_client.js'

/** Debian's python3 has the Debian packages (python3-msal, python3-azure); a pyenv shim may not. */
const PY = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3'
const script = (() => {
  const here = fileURLToPath(new URL('./child/other_clients.mjs', import.meta.url))
  return existsSync(here) ? here : here.replace(join('dist', 'test'), 'test')
})()

describe('other clients against the emulator (HTTPS, local CA)', async () => {
  const msal = await available(PY, ['-c', 'import msal'])
  const azure = await available(PY, ['-c', 'import azure.identity'])
  const python = await available(PY, ['--version'])
  let h: HttpsEmulator
  before(async () => {
    h = await startHttpsEmulator()
  })
  after(() => h.close())

  const node = async (library: string) => {
    const { stdout } = await run(process.execPath, [script, JSON.stringify({ library, origin: h.origin, tenant: W.contosoTenantId, clientId: W.clientId, clientSecret: W.clientSecret })], {
      env: { ...process.env, NODE_EXTRA_CA_CERTS: h.caPath, NODE_OPTIONS: '' },
      timeout: 30_000,
    })
    return JSON.parse(stdout.trim().split('\n').pop()!)
  }
  const py = async (code: string, env: Record<string, string>) => {
    const { stdout } = await run(PY, ['-c', code, h.origin, W.contosoTenantId, W.clientId, W.clientSecret], { env: { ...process.env, ...env }, timeout: 60_000 })
    return JSON.parse(stdout.trim().split('\n').pop()!)
  }

  test('ADAL (adal-node): validateAuthority false → v1 token for the Defender API, then /api/incidents', async () => {
    const r = await node('adal')
    assert.equal(r.ok, true, JSON.stringify(r.error))
    assert.equal(r.claims.aud, 'https://api.security.microsoft.com')
    assert.equal(r.claims.tid, W.contosoTenantId)
    assert.deepEqual([r.status, r.count], [200, 1])
  })

  test('openid-client: discovery from the tenant-GUID issuer, client credentials, Graph incidents', async () => {
    const r = await node('openid')
    assert.equal(r.ok, true, JSON.stringify(r.error))
    assert.equal(r.issuer, `${h.origin}/${W.contosoTenantId}/v2.0`)
    assert.equal(r.claims.aud, 'https://graph.microsoft.com')
    assert.deepEqual([r.status, r.count], [200, 1])
  })

  test('Graph JS SDK: baseUrl + customHosts; .select() and .top() on incidents and alerts_v2; Graph errors surface as GraphError', async () => {
    const r = await node('graphsdk')
    assert.equal(r.ok, true, JSON.stringify(r.error))
    assert.deepEqual(r.keys, [['id', 'status', 'displayName'], ['id', 'status', 'displayName']])
    assert.deepEqual(r.alertKeys, [['id', 'title']])
    assert.deepEqual(r.badSelect, { statusCode: 400, code: 'BadRequest' })
  })

  test('MSAL Python: instance_discovery=False, REQUESTS_CA_BUNDLE; then alerts_v2 with urllib', { skip: !msal && `${PY} has no msal (apt-get install python3-msal)` }, async () => {
    h.emulator.requests.clear()
    const code = `
import json, sys, msal, urllib.request
origin, tenant, client_id, secret = sys.argv[1:5]
app = msal.ConfidentialClientApplication(client_id, client_credential=secret, authority=f"{origin}/{tenant}", instance_discovery=False)
r = app.acquire_token_for_client(scopes=["https://graph.microsoft.com/.default"])
req = urllib.request.Request(f"{origin}/v1.0/security/alerts_v2?$top=1", headers={"Authorization": "Bearer " + r["access_token"]})
print(json.dumps({"ok": "access_token" in r, "error": r.get("error_description"), "alerts": len(json.load(urllib.request.urlopen(req))["value"])}))`
    const out = await py(code, { REQUESTS_CA_BUNDLE: h.caPath, SSL_CERT_FILE: h.caPath })
    assert.equal(out.ok, true, out.error)
    assert.equal(out.alerts, 1)
    const sent = h.emulator.requests.list().map((x) => x.url.split('?')[0])
    assert.ok(!sent.some((u) => u.includes('discovery/instance')), `instance discovery was not called: ${sent.join(' ')}`)
  })

  test('azure-identity for Python: ClientSecretCredential with instance discovery off (keyword by version)', { skip: !azure && `${PY} has no azure.identity (apt-get install python3-azure)` }, async () => {
    // azure-identity 1.13.0b2 (Debian bookworm) calls it instance_discovery=False; 1.13.0 and later
    // disable_instance_discovery=True.
    const code = `
import inspect, json, sys
import azure.identity
from azure.identity import ClientSecretCredential
from azure.identity._internal.msal_credentials import MsalCredential
origin, tenant, client_id, secret = sys.argv[1:5]
params = inspect.signature(MsalCredential.__init__).parameters
kw = {"disable_instance_discovery": True} if "disable_instance_discovery" in params else {"instance_discovery": False}
cred = ClientSecretCredential(tenant, client_id, secret, authority=origin, **kw)
t = cred.get_token("https://graph.microsoft.com/.default")
print(json.dumps({"ok": bool(t.token), "keyword": list(kw)[0], "version": azure.identity.__version__, "expires": t.expires_on}))`
    const out = await py(code, { REQUESTS_CA_BUNDLE: h.caPath })
    assert.equal(out.ok, true)
    assert.ok(out.expires > Date.now() / 1000)
    assert.ok(['instance_discovery', 'disable_instance_discovery'].includes(out.keyword), out.version)
  })

  test('Python urllib (the Defender docs’ sample) with SSL_CERT_FILE: v1 token, then the legacy API; without it, a certificate error', { skip: !python && `${PY} not found` }, async () => {
    const code = `
import json, sys, urllib.request, urllib.parse
origin, tenant, client_id, secret = sys.argv[1:5]
body = urllib.parse.urlencode({"resource": "https://api.security.microsoft.com", "client_id": client_id, "client_secret": secret, "grant_type": "client_credentials"}).encode("utf-8")
try:
    token = json.load(urllib.request.urlopen(urllib.request.Request(f"{origin}/{tenant}/oauth2/token", body)))["access_token"]
except Exception as e:
    print(json.dumps({"ok": False, "error": type(e).__name__ + ": " + str(e)})); sys.exit(0)
req = urllib.request.Request(f"{origin}/api/incidents?$top=2", headers={"Authorization": "Bearer " + token, "Accept": "application/json"})
print(json.dumps({"ok": True, "incidents": len(json.load(urllib.request.urlopen(req))["value"])}))`
    const trusted = await py(code, { SSL_CERT_FILE: h.caPath })
    assert.deepEqual(trusted, { ok: true, incidents: 2 })
    const untrusted = await py(code, { SSL_CERT_FILE: '/nonexistent' })
    assert.equal(untrusted.ok, false)
    assert.match(untrusted.error, /CERTIFICATE_VERIFY_FAILED|certificate/i)
  })
})
