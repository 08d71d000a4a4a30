import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { ManualClock } from '../../../src/lib/clock.js'
import { createEmulator, serve, WELL_KNOWN, type Emulator, type RunningEmulator } from '../../../src/emulator/index.js'
import { OTHER_SECRET, PLUS_SECRET, PLUS_SECRET_APP_ID, postForm, secretForm, tokenTestConfig } from './token_test_helpers.js'

const SCOPE = 'https://api.security.microsoft.com/.default'

describe('token endpoint throttling and faults', () => {
  const clock = new ManualClock(Date.now())
  let emu: Emulator
  let srv: RunningEmulator
  let v2: string
  before(async () => {
    emu = await createEmulator({ config: tokenTestConfig({ tokenRateLimit: { requests: 2, perSeconds: 10 } }), clock })
    srv = await serve(emu)
    v2 = `${srv.url}/${WELL_KNOWN.homeTenantId}/oauth2/v2.0/token`
  })
  after(() => srv.close())

  test('over the per-client limit → 429, Retry-After, plain-text body; the window slides on the emulator clock', async () => {
    assert.equal((await postForm(v2, secretForm({ scope: SCOPE }))).status, 200)
    await clock.advance(4_000)
    assert.equal((await postForm(v2, secretForm({ scope: SCOPE }))).status, 200)
    const limited = await postForm(v2, secretForm({ scope: SCOPE }))
    assert.equal(limited.status, 429)
    assert.equal(limited.headers.get('retry-after'), '6')
    assert.equal(limited.headers.get('content-type'), 'text/plain')
    assert.equal(await limited.text(), 'Too Many Requests')
    // Another client id has its own budget.
    const other = await postForm(v2, { client_id: PLUS_SECRET_APP_ID, client_secret: PLUS_SECRET, scope: SCOPE, grant_type: 'client_credentials' })
    assert.equal(other.status, 200)
    await clock.advance(6_000)
    assert.equal((await postForm(v2, secretForm({ scope: SCOPE }))).status, 200)
    assert.equal((await postForm(v2, secretForm({ scope: SCOPE }))).status, 429)
  })

  test('failed requests do not consume the budget', async () => {
    await clock.advance(60_000)
    for (let i = 0; i < 5; i++) assert.equal((await postForm(v2, secretForm({ scope: SCOPE }, { client_secret: OTHER_SECRET }))).status, 401)
    assert.equal((await postForm(v2, secretForm({ scope: SCOPE }))).status, 200)
  })

  test('a scripted 503 fault on group token, then the real answer', async () => {
    emu.config.tokenRateLimit = undefined
    emu.faults.add({ target: 'token', status: 503, body: 'Service Unavailable', retryAfter: 2 })
    const faulted = await postForm(v2, secretForm({ scope: SCOPE }))
    assert.equal(faulted.status, 503)
    assert.equal(faulted.headers.get('retry-after'), '2')
    assert.equal((await postForm(v2, secretForm({ scope: SCOPE }))).status, 200)
    assert.equal(emu.requests.list({ group: 'token' }).at(-2)?.status, 503)
  })

  test('a reset fault drops the token request connection; latency delays it', async () => {
    emu.faults.add({ target: 'token', reset: true })
    await assert.rejects(postForm(v2, secretForm({ scope: SCOPE })), TypeError)
    emu.faults.add({ target: 'token', latencyMs: 150 })
    const started = performance.now()
    assert.equal((await postForm(v2, secretForm({ scope: SCOPE }))).status, 200)
    assert.ok(performance.now() - started >= 140)
  })
})
