// Graph is the default surface; the legacy surface works but warns ONCE per process with a
// DeprecationWarning (code M365D_LEGACY_API) naming the date and the migration command. Each case
// runs in a fresh node process: the "once" is per process.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, test } from 'node:test'
import { promisify } from 'node:util'
import { startPeer } from './_peer.js'

const index = fileURLToPath(new URL('../../src/defender/index.js', import.meta.url))

/** Runs `body` as an ES module in a child node; returns its stdout (JSON) and stderr. */
async function child(body: string, args: string[] = []): Promise<{ out: any; stderr: string }> {
  const source = `import * as d from ${JSON.stringify(index)}\nconst warnings = []\nprocess.on('warning', (w) => warnings.push({ name: w.name, code: w.code, message: w.message }))\n${body}\nsetImmediate(() => console.log(JSON.stringify(globalThis.result ?? { warnings })))`
  const { stdout, stderr } = await promisify(execFile)(process.execPath, [...args, '--input-type=module', '-e', source], { timeout: 20_000 })
  return { out: JSON.parse(stdout.trim().split('\n').pop()!), stderr }
}

describe('legacy surface deprecation', () => {
  test('a client without `surface` is Graph and emits no warning', async () => {
    const { out } = await child(`
      const c = new d.DefenderClient({ tokenProvider: { getToken: async () => ({ token: 'x', expiresAt: 0 }) }, tenant: 't' })
      const h = new d.HuntingClient({ tokenProvider: { getToken: async () => ({ token: 'x', expiresAt: 0 }) }, tenant: 't' })
      d.listIncidentsRequest({ baseUrl: 'https://graph.microsoft.com', surface: 'graph' })
      globalThis.result = { warnings, surface: c.surface, base: c.baseUrl, resource: c.resource, hunt: h.surface, huntBase: h.baseUrl }`)
    assert.deepEqual(out, { warnings: [], surface: 'graph', base: 'https://graph.microsoft.com', resource: 'https://graph.microsoft.com', hunt: 'graph', huntBase: 'https://graph.microsoft.com' })
  })

  test('every kind of legacy use warns, once per process, with the date, MC1220762 and `m365d migrate check`', async () => {
    const { out, stderr } = await child(`
      const tp = { getToken: async () => ({ token: 'x', expiresAt: 0 }) }
      new d.DefenderClient({ tokenProvider: tp, tenant: 't', surface: 'legacy' })
      new d.HuntingClient({ tokenProvider: tp, tenant: 't', surface: 'legacy' })
      d.listIncidentsRequest({ baseUrl: 'https://api.security.microsoft.com', surface: 'legacy' })
      d.getIncidentRequest({ baseUrl: 'https://api.security.microsoft.com', surface: 'legacy', id: 1 })
      d.huntRequest({ baseUrl: 'https://api.security.microsoft.com', surface: 'legacy', query: 'T' })`)
    assert.equal(out.warnings.length, 1, JSON.stringify(out.warnings))
    const [w] = out.warnings
    assert.equal(w.name, 'DeprecationWarning')
    assert.equal(w.code, 'M365D_LEGACY_API')
    assert.match(w.message, /1 Feb 2027/)
    assert.match(w.message, /MC1220762/)
    assert.match(w.message, /m365d migrate check/)
    // Node's own printer shows it once on stderr; the library itself writes nothing else.
    assert.equal(stderr.match(/M365D_LEGACY_API/g)?.length, 1, stderr)
  })

  test('a stateless legacy request builder alone warns too (no client needed)', async () => {
    const { out } = await child(`d.updateIncidentRequest({ baseUrl: 'https://api.security.microsoft.com', surface: 'legacy', id: 7, update: { status: 'Resolved' } })`)
    assert.deepEqual(out.warnings.map((w: any) => w.code), ['M365D_LEGACY_API'])
  })

  test('--no-deprecation silences it, like Node’s own deprecations', async () => {
    const { out, stderr } = await child(`new d.DefenderClient({ tokenProvider: { getToken: async () => ({ token: 'x', expiresAt: 0 }) }, tenant: 't', surface: 'legacy' })`, ['--no-deprecation'])
    assert.deepEqual(out.warnings, [])
    assert.doesNotMatch(stderr, /M365D_LEGACY_API/)
  })

  test('the legacy surface still works (real HTTP call) and days-left counts down to 1 Feb 2027', async () => {
    const peer = await startPeer()
    try {
      peer.script({ body: { incidentId: 3 } })
      const { out } = await child(`
        const c = new d.DefenderClient({ tokenProvider: { getToken: async () => ({ token: 'tok', expiresAt: Date.now() + 3600e3 }) }, tenant: 't', surface: 'legacy', baseUrl: ${JSON.stringify(peer.url)}, limits: false })
        const got = await c.getIncident(3)
        globalThis.result = { id: got.incidentId, warnings: warnings.length, days: d.daysUntilLegacyRetirement(Date.parse('2026-12-03T12:00:00Z')), after: d.daysUntilLegacyRetirement(Date.parse('2027-03-01T00:00:00Z')) }`)
      assert.deepEqual(out, { id: 3, warnings: 1, days: 60, after: 0 })
      assert.equal(peer.seen[0]!.url, '/api/incidents/3')
    } finally {
      await peer.close()
    }
  })
})
