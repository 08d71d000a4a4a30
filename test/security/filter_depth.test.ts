/**
 * Deep `$filter` nesting over real HTTP (issue 10 §6): a 400 in each surface's OData error shape
 * that names the position, never a 500 or a crash; the server keeps answering.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { createEmulator, serve, WELL_KNOWN, type RunningEmulator } from '../../src/emulator/index.js'

describe('deep $filter nesting', () => {
  let srv: RunningEmulator
  const tokens: Record<string, string> = {}
  before(async () => {
    srv = await serve(await createEmulator())
    for (const [surface, scope] of [['legacy', 'https://api.security.microsoft.com/.default'], ['graph', 'https://graph.microsoft.com/.default']] as const) {
      const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: WELL_KNOWN.clientId, client_secret: WELL_KNOWN.clientSecret, scope })
      tokens[surface] = ((await (await fetch(`${srv.url}/${WELL_KNOWN.contosoTenantId}/oauth2/v2.0/token`, { method: 'POST', body: form })).json()) as { access_token: string }).access_token
    }
  })
  after(() => srv.close())

  for (const [surface, path, code] of [['legacy', '/api/incidents', 'ODataError'], ['graph', '/v1.0/security/incidents', 'BadRequest']] as const) {
    test(`${surface}: 101 levels → 400 ${code} with the position; 5,000 levels too; 100 levels work`, async () => {
      const get = (filter: string) => fetch(`${srv.url}${path}?$filter=${encodeURIComponent(filter)}`, { headers: { authorization: `Bearer ${tokens[surface]}` } })
      for (const depth of [101, 5000]) {
        const res = await get(`${'('.repeat(depth)}status eq 'Active'${')'.repeat(depth)}`)
        assert.equal(res.status, 400, `depth ${depth}`)
        const body = (await res.json()) as { error: { code: string; message: string } }
        assert.equal(body.error.code, code)
        assert.match(body.error.message, /^Invalid OData URI query: \$filter: .*nested more than 100 levels deep.* at position 100\.$/)
      }
      const ok = await get(`${'('.repeat(100)}status eq 'Active'${')'.repeat(100)}`)
      assert.equal(ok.status, 200)
      // Found by the fuzzer: names of Object.prototype members were looked up as fields (500).
      assert.equal((await get("constructor eq 'x'")).status, 400)
      if (surface === 'graph') {
        const orderby = await fetch(`${srv.url}${path}?$orderby=valueOf`, { headers: { authorization: `Bearer ${tokens[surface]}` } })
        assert.equal(orderby.status, 400)
      }
    })
  }
})
