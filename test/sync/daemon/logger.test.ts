import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { WELL_KNOWN } from '../../../src/emulator/index.js'
import { createLogger, sanitize, SyncDaemon } from '../../../src/sync/daemon/index.js'
import { addToDb, emuRig, pglite, type EmuRig } from './_rig.js'

describe('JSON logs', () => {
  let rig: EmuRig
  before(async () => {
    rig = await emuRig({ incidentsPerTenant: 12 })
  })
  after(() => rig.close())

  test('a sync logs one JSON object per line with time, level, msg, worker and tenant, and never a secret or token', async () => {
    const store = await pglite()
    const tenants = rig.addTenants(2, 'e1')
    await addToDb(store.db, [...tenants, WELL_KNOWN.tailspinTenantId, WELL_KNOWN.woodgroveTenantId])
    // One throttled page, so retries are logged too.
    rig.emulator.faults.add({ target: 'graph', count: 1, status: 429, retryAfter: 0 }) // the daemon reads Graph by default
    const out: string[] = []
    const logger = createLogger({ level: 'debug', stream: { write: (s: string) => out.push(s) } })
    const d = new SyncDaemon(rig.daemonOptions(store.db))
    logger.attach(d)
    await d.runOnce()
    await d.stop()
    logger.close()
    const text = out.join('')
    const lines = text.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>)
    assert.equal(out.length, lines.length, 'every write is exactly one line')
    for (const l of lines) {
      assert.ok(typeof l.time === 'string' && !Number.isNaN(Date.parse(l.time)))
      assert.ok(['debug', 'info', 'warn', 'error'].includes(l.level as string))
      assert.equal(typeof l.msg, 'string')
      assert.equal(l.worker, d.workerId)
    }
    const failed = lines.find((l) => l.event === 'pass.failed' && l.tenant === WELL_KNOWN.tailspinTenantId)
    assert.equal(failed?.level, 'warn')
    assert.match(String(failed?.hint), /Incident\.Read\.All/)
    assert.ok(lines.some((l) => l.msg === 'api call retried' && l.status === 429 && typeof l.tenant === 'string'))
    assert.ok(lines.some((l) => l.msg === 'token request failed' && l.tenant === WELL_KNOWN.woodgroveTenantId))
    assert.ok(lines.some((l) => l.msg === 'api response' && l.status === 200), 'debug level includes API calls')
    // No credential of any kind, in any line.
    assert.ok(!text.includes(WELL_KNOWN.clientSecret))
    assert.doesNotMatch(text, /eyJ[A-Za-z0-9_-]{10,}/)
    assert.doesNotMatch(text, /Bearer\s+[A-Za-z0-9]/i)
    await store.db.close()
    await store.cleanup()
  })

  test('level filter: info drops debug lines', () => {
    const out: string[] = []
    const logger = createLogger({ level: 'info', stream: { write: (s: string) => out.push(s) } })
    logger.log('debug', 'hidden')
    logger.log('warn', 'shown', { tenant: 't' })
    assert.equal(out.length, 1)
    assert.equal(JSON.parse(out[0]!).msg, 'shown')
  })

  test('sanitize drops credential-named fields and redacts tokens inside strings', () => {
    const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl'
    const s = sanitize({
      authorization: 'Bearer abc',
      nested: { client_secret: 'x', note: `token ${jwt}`, list: [`client_assertion=${jwt}&x=1`] },
      access_token: jwt,
      ok: 1,
    }) as Record<string, unknown>
    const text = JSON.stringify(s)
    assert.equal(s.authorization, '[redacted]')
    assert.equal(s.access_token, '[redacted]')
    assert.equal(s.ok, 1)
    assert.ok(!text.includes(jwt) && !text.includes('"x"'))
  })
})
