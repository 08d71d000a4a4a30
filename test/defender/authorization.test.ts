import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { ManualClock } from '../../src/lib/clock.js'
import { DefenderClient } from '../../src/defender/client.js'
import { tokenRoles } from '../../src/defender/authorization.js'
import { fakeToken, startPeer, tokenSource, type Peer } from './_peer.js'

const forbidden = { status: 403, body: { error: { code: 'Forbidden', message: 'The application does not have any of the required application permissions', target: 'f-1' } } }

describe('authorization layer', () => {
  let peer: Peer
  before(async () => (peer = await startPeer()))
  after(() => peer.close())

  test('sends the provider token as Bearer', async () => {
    const tokens = tokenSource()
    peer.script({ body: { incidentId: 1 } })
    await new DefenderClient({ tokenProvider: tokens, tenant: 't', surface: 'legacy', baseUrl: peer.url, limits: false }).getIncident(1)
    assert.match(peer.seen[0]!.authorization!, /^Bearer eyJ/)
    assert.deepEqual(tokens.calls, [{}])
  })

  test('401 → exactly one forced refresh and one retry with the new token', async () => {
    const tokens = tokenSource()
    peer.script({ status: 401, body: { error: { code: 'Unauthorized', message: 'expired' } } }, { body: { incidentId: 2 } })
    const got = await new DefenderClient({ tokenProvider: tokens, tenant: 't', surface: 'legacy', baseUrl: peer.url, limits: false }).getIncident(2)
    assert.equal(got.incidentId, 2)
    assert.deepEqual(tokens.calls, [{}, { forceRefresh: true }])
    assert.notEqual(peer.seen[0]!.authorization, peer.seen[1]!.authorization)
  })

  test('401 twice → ERR_HTTP_STATUS 401, no third attempt', async () => {
    const tokens = tokenSource()
    peer.script({ status: 401, body: { error: { code: 'Unauthorized', message: 'bad audience' } } })
    await assert.rejects(new DefenderClient({ tokenProvider: tokens, tenant: 't', surface: 'legacy', baseUrl: peer.url, limits: false }).getIncident(3), (e: any) => e.code === 'ERR_HTTP_STATUS' && e.status === 401 && e.serverCode === 'Unauthorized')
    assert.equal(peer.seen.length, 2)
    assert.equal(tokens.calls.filter((c) => c.forceRefresh).length, 1)
  })

  test('403 → one refresh (stale roles), then DefenderForbiddenError naming permission and roles, without the token', async () => {
    const tokens = tokenSource(['AdvancedHunting.Read.All'])
    peer.script(forbidden)
    const client = new DefenderClient({ tokenProvider: tokens, tenant: 't', surface: 'legacy', baseUrl: peer.url, limits: false })
    let error: any
    await assert.rejects(client.updateIncident(4, { status: 'Resolved' }), (e: any) => ((error = e), true))
    assert.equal(error.code, 'ERR_HTTP_FORBIDDEN')
    assert.deepEqual(error.requiredPermissions, ['Incident.ReadWrite.All'])
    assert.deepEqual(error.tokenRoles, ['AdvancedHunting.Read.All'])
    assert.equal(error.serverCode, 'Forbidden')
    assert.equal(error.target, 'f-1')
    assert.match(error.hint, /Incident\.ReadWrite\.All \(Microsoft Threat Protection\).*admin-consent/)
    assert.equal(peer.seen.length, 2)
    const serialized = JSON.stringify(error.toJSON()) + error.message + error.hint
    for (const s of peer.seen) assert.ok(!serialized.includes(s.authorization!.slice(7)), 'token leaked into the error')
    // Same (fresh) token again: no second refresh for it, so a tenant that lacks the role costs no refresh storm.
    await assert.rejects(client.getIncident(4), (e: any) => e.code === 'ERR_HTTP_FORBIDDEN' && e.requiredPermissions.includes('Incident.Read.All'))
    assert.equal(tokens.calls.filter((c) => c.forceRefresh).length, 1)
  })

  test('403 healed by the refresh (role granted after consent) succeeds', async () => {
    const tokens = tokenSource([])
    peer.script((s) => (s.authorization!.includes(fakeToken({ roles: [], n: 0 }).split('.')[1]!) ? forbidden : { body: { incidentId: 5 } }))
    const got = await new DefenderClient({ tokenProvider: tokens, tenant: 't', surface: 'legacy', baseUrl: peer.url, limits: false, clock: new ManualClock() }).getIncident(5)
    assert.equal(got.incidentId, 5)
  })

  test('refreshOn403: false → no refresh', async () => {
    const tokens = tokenSource([])
    peer.script(forbidden)
    await assert.rejects(new DefenderClient({ tokenProvider: tokens, tenant: 't', surface: 'legacy', baseUrl: peer.url, limits: false, refreshOn403: false }).getIncident(6), (e: any) => e.code === 'ERR_HTTP_FORBIDDEN' && e.tokenRoles.length === 0 && /\(none\)/.test(e.message))
    assert.equal(peer.seen.length, 1)
  })

  test('tokenRoles reads the roles claim and tolerates non-JWTs', () => {
    assert.deepEqual(tokenRoles(fakeToken({ roles: ['A', 'B'] })), ['A', 'B'])
    assert.deepEqual(tokenRoles('opaque'), [])
    assert.deepEqual(tokenRoles('a.!!!.c'), [])
  })
})
