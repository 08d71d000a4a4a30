// Runs one non-MSAL-Node client against the emulator over HTTPS, in a fresh Node process started
// with NODE_EXTRA_CA_CERTS (docs/emulator.md "Using other clients"). Input: one JSON argument
// {library, origin, tenant, clientId, clientSecret}. Output: one JSON line.
import { createRequire } from 'node:module'

const input = JSON.parse(process.argv[2])
const require = createRequire(import.meta.url)
const claimsOf = (token) => JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8'))

/** ADAL (adal-node, v1 endpoint, resource=): authority validation must be off for a non-Microsoft host. */
async function adal() {
  const { AuthenticationContext } = require('adal-node')
  const context = new AuthenticationContext(`${input.origin}/${input.tenant}`, false)
  const token = await new Promise((resolve, reject) =>
    context.acquireTokenWithClientCredentials('https://api.security.microsoft.com', input.clientId, input.clientSecret, (err, res) => (err ? reject(err) : resolve(res.accessToken))),
  )
  const res = await fetch(`${input.origin}/api/incidents?$top=1`, { headers: { authorization: `Bearer ${token}` } })
  return { claims: claimsOf(token), status: res.status, count: (await res.json()).value?.length }
}

/** openid-client 6: discovery from the tenant-GUID issuer (the issuer it finds must equal the URL it was given). */
async function openid() {
  const client = await import('openid-client')
  const config = await client.discovery(new URL(`${input.origin}/${input.tenant}/v2.0`), input.clientId, input.clientSecret)
  const tokens = await client.clientCredentialsGrant(config, { scope: 'https://graph.microsoft.com/.default' })
  const res = await client.fetchProtectedResource(config, tokens.access_token, new URL(`${input.origin}/v1.0/security/incidents?$top=1`), 'GET')
  return { issuer: config.serverMetadata().issuer, claims: claimsOf(tokens.access_token), status: res.status, count: (await res.json()).value?.length }
}

/** The Graph JS SDK: baseUrl = the emulator, customHosts so it attaches the token there. */
async function graphsdk() {
  const { Client } = await import('@microsoft/microsoft-graph-client')
  const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: input.clientId, client_secret: input.clientSecret, scope: 'https://graph.microsoft.com/.default' })
  const token = (await (await fetch(`${input.origin}/${input.tenant}/oauth2/v2.0/token`, { method: 'POST', body: form })).json()).access_token
  const host = new URL(input.origin).host
  const graph = Client.init({ authProvider: (done) => done(null, token), baseUrl: `${input.origin}/`, customHosts: new Set([host, new URL(input.origin).hostname]), defaultVersion: 'v1.0' })
  const page = await graph.api('/security/incidents').select(['id', 'status', 'displayName']).top(2).header('Prefer', 'include-unknown-enum-members').get()
  const alerts = await graph.api('/security/alerts_v2').select('id,title').top(1).get()
  let badSelect
  try {
    await graph.api('/security/incidents').select('nope').get()
  } catch (e) {
    badSelect = { statusCode: e.statusCode, code: e.code }
  }
  return { keys: page.value.map((i) => Object.keys(i)), alertKeys: alerts.value.map((a) => Object.keys(a)), badSelect }
}

try {
  const out = await { adal, openid, graphsdk }[input.library]()
  console.log(JSON.stringify({ ok: true, ...out }))
} catch (e) {
  console.log(JSON.stringify({ ok: false, error: { name: e?.name, code: e?.code, message: String(e?.message ?? e) } }))
}
