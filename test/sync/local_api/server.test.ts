import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { WELL_KNOWN } from '../../../src/emulator/index.js'
import { callRegistry, LocalApiError, localApiRoutes, newLocalApiCredential, runRegistryOperation, startOpsServer, SyncDaemon, type LocalApiDiscovery, type OpsServer } from '../../../src/sync/index.js'
import { emuRig, pglite, type EmuRig } from '../daemon/_rig.js'

/** The daemon's local API (issue 9 §1): a thin, authenticated transport over the registry operations. */
describe('local API on the ops server', () => {
  let rig: EmuRig
  let store: Awaited<ReturnType<typeof pglite>>
  let ops: OpsServer
  let d: LocalApiDiscovery
  const credential = newLocalApiCredential()

  before(async () => {
    rig = await emuRig({ incidentsPerTenant: 1 })
    store = await pglite()
    const daemon = new SyncDaemon(rig.daemonOptions(store.db))
    const routes = localApiRoutes({ db: store.db, credential, daemonOperations: { echo: (i) => ({ got: i }) } })
    ops = await startOpsServer({ daemon, port: 0, routes })
    d = { pid: process.pid, url: ops.url, port: Number(new URL(ops.url).port), credential, startedAt: new Date().toISOString(), store: 'embedded', worker: 'test' }
  })
  after(async () => {
    await ops.close()
    await store.db.close()
    await store.cleanup()
    await rig.close()
  })

  const post = (path: string, init: { headers?: Record<string, string>; body?: string } = {}) =>
    fetch(`${ops.url}/local/v1/${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...init.headers }, body: init.body ?? '{}' })

  test('refuses requests without the credential, with a wrong one, and non-JSON bodies', async () => {
    const none = await post('registry/summaries')
    assert.equal(none.status, 401)
    assert.equal(((await none.json()) as { error: { code: string } }).error.code, 'ERR_LOCAL_API_UNAUTHORIZED')
    assert.equal((await post('registry/summaries', { headers: { authorization: `Bearer ${newLocalApiCredential()}` } })).status, 401)
    assert.equal((await post('registry/summaries', { headers: { authorization: credential } })).status, 401, 'not a bearer')
    const auth = { authorization: `Bearer ${credential}` }
    assert.equal((await fetch(`${ops.url}/local/v1/registry/summaries`, { method: 'POST', headers: { ...auth, 'content-type': 'text/plain' }, body: '{}' })).status, 415)
    assert.equal((await post('registry/summaries', { headers: auth, body: '{not json' })).status, 400)
    assert.equal((await post('registry/summaries', { headers: auth, body: '[]' })).status, 400)
    assert.equal((await fetch(`${ops.url}/local/v1/registry/summaries`, { headers: auth })).status, 405, 'POST only')
    assert.equal((await post('registry/no-such-operation', { headers: auth })).status, 404)
  })

  test('runs the same registry operations as the direct path, with the same JSON results', async () => {
    const added = await callRegistry(d, 'add', { tenantId: WELL_KNOWN.contosoTenantId, displayName: 'Contoso', domain: 'contoso.onmicrosoft.com', api: 'graph' })
    assert.equal(added.tenant_id, WELL_KNOWN.contosoTenantId)
    assert.equal(added.api, 'graph')
    assert.equal(typeof added.added_at, 'string')
    assert.deepEqual(await callRegistry(d, 'find', { tenant: 'CONTOSO.onmicrosoft.com' }), await runRegistryOperation(store.db, 'find', { tenant: 'contoso.onmicrosoft.com' }))
    assert.deepEqual(await callRegistry(d, 'summaries', {}), await runRegistryOperation(store.db, 'summaries', {}))
    const paused = await callRegistry(d, 'pause', { tenant: WELL_KNOWN.contosoTenantId, paused: true })
    assert.equal(paused?.enabled, false)
    assert.deepEqual(await callRegistry(d, 'active', {}), [])
    assert.equal(await callRegistry(d, 'pause', { tenant: WELL_KNOWN.fabrikamTenantId, paused: true }), null, 'unknown tenant')
    const tagged = await callRegistry(d, 'tag', { tenant: WELL_KNOWN.contosoTenantId, add: ['gold', 'eu'] })
    assert.deepEqual(tagged?.tags, ['eu', 'gold'])
    const removed = await callRegistry(d, 'remove', { tenant: WELL_KNOWN.contosoTenantId })
    assert.equal(removed?.removed, true)
    assert.deepEqual(await runRegistryOperation(store.db, 'all', {}), [])
  })

  test('daemon operations; errors keep their code; an unreachable daemon is a clear error', async () => {
    assert.deepEqual(await callLocalApiEcho(), { got: { a: 1 } })
    await assert.rejects(callRegistry({ ...d, credential: newLocalApiCredential() }, 'all', {}), (e: unknown) => e instanceof LocalApiError && e.code === 'ERR_LOCAL_API_UNAUTHORIZED')
    await assert.rejects(callRegistry({ ...d, url: 'http://127.0.0.1:9' }, 'all', {}), (e: unknown) => e instanceof LocalApiError && e.code === 'ERR_LOCAL_API_UNREACHABLE' && /pid/.test(e.message) && e.hint !== undefined)
  })

  async function callLocalApiEcho(): Promise<unknown> {
    const r = await post('daemon/echo', { headers: { authorization: `Bearer ${credential}` }, body: '{"a":1}' })
    return ((await r.json()) as { result: unknown }).result
  }
})
