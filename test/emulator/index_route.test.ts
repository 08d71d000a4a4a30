/** `GET /` over real HTTP: the emulator's index (issue 11 §3), JSON or HTML by `Accept`. */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { createEmulator, serve, type RunningEmulator } from '../../src/emulator/index.js'

describe('root index', () => {
  let srv: RunningEmulator
  before(async () => {
    srv = await serve(await createEmulator())
  })
  after(() => srv.close())

  test('JSON by default: every route group, the control API, and the environment lines for this origin', async () => {
    const res = await fetch(`${srv.url}/`)
    assert.equal(res.status, 200)
    assert.match(res.headers.get('content-type')!, /^application\/json/)
    const body = (await res.json()) as { environment: Record<string, string>; groups: { group: string; routes: string[] }[] }
    assert.equal(body.environment.M365D_AUTHORITY_HOST, srv.url)
    const routes = (g: string) => body.groups.find((x) => x.group === g)?.routes ?? []
    assert.deepEqual(routes('token'), ['POST /{tenant}/oauth2/token', 'POST /{tenant}/oauth2/v2.0/token'])
    assert.ok(routes('graph').includes('GET|PATCH /v1.0/security/incidents/{id}'))
    assert.ok(routes('hunting').includes('POST /v1.0/security/runHuntingQuery'))
    assert.ok(routes('control').some((r) => /^(\w+\|)*POST(\|\w+)* \/_emulator\/faults$/.test(r)), routes('control').join())
    assert.ok(routes('control').some((r) => r.includes('/_emulator/hunting/externaldata')))
    assert.ok(!JSON.stringify(body).includes('OPTIONS'))
  })

  test('HTML for a browser, escaped; other paths still 404, other methods 405', async () => {
    const res = await fetch(`${srv.url}/`, { headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' } })
    assert.equal(res.status, 200)
    assert.match(res.headers.get('content-type')!, /^text\/html/)
    const page = await res.text()
    assert.match(page, /<h1>m365d emulator<\/h1>/)
    assert.match(page, /<code>POST \/\{tenant\}\/oauth2\/v2\.0\/token<\/code>/)
    assert.match(page, /Control API/)
    const missing = await fetch(`${srv.url}/nothing-here`)
    assert.equal(missing.status, 404)
    assert.equal(await missing.text(), 'Not Found: no emulator route matches /nothing-here; GET / lists every route and the control API.\n')
    const head = await fetch(`${srv.url}/`, { method: 'HEAD' })
    assert.match(head.headers.get('content-type')!, /^application\/json/)
    assert.equal(await head.text(), '', 'HEAD: the headers of GET, no body')
    assert.equal((await fetch(`${srv.url}/`, { method: 'POST', body: 'x' })).status, 405)
    assert.equal((await fetch(`${srv.url}/`, { method: 'HEAD' })).status, 200)
  })
})
