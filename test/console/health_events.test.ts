import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { TokenProvider } from '../../src/auth/index.js'
import { checkCredentialExpiry, type HealthEventsResponse } from '../../src/console/index.js'
import { WELL_KNOWN } from '../../src/emulator/index.js'
import type { SinkRecord } from '../../src/sync/index.js'
import { consoleRig, eventually, type ConsoleRig } from './_rig.js'

describe('health events (issue 9 §2)', { timeout: 180_000 }, () => {
  let rig: ConsoleRig
  let s: { cookie: string }
  const delivered: SinkRecord[] = []
  const events = async () => {
    const r = await fetch(`${rig.base}/console/api/health-events`, { headers: { cookie: s.cookie } })
    return (await r.json()) as HealthEventsResponse
  }
  const kindsOf = async (tenant: string) => (await events()).events.filter((e) => e.tenantId === tenant).map((e) => e.kind)
  /** Skips the backoff of a failing tenant: its next pass runs now. */
  const runNow = (tenant: string) => rig.db.query(`UPDATE m365d_sync_state SET next_run_at = now() WHERE tenant_id = $1`, [tenant])

  before(async () => {
    rig = await consoleRig({ incidentsPerTenant: 10, sinks: [{ name: 'mem', deliver: async (b) => void delivered.push(...b), close: async () => undefined }] })
    s = await rig.login()
  })
  after(() => rig.close())

  test('first passes: healthy, not consented and roles missing are recorded, sent to the sinks, counted in /metrics', async () => {
    await eventually(async () => (await events()).events.length >= 4, 60_000, 'four first health events')
    assert.deepEqual(await kindsOf(WELL_KNOWN.contosoTenantId), ['healthy'])
    assert.deepEqual(await kindsOf(WELL_KNOWN.woodgroveTenantId), ['not_consented'])
    assert.deepEqual(await kindsOf(WELL_KNOWN.tailspinTenantId), ['roles_missing'])
    await eventually(async () => delivered.filter((r) => r.kind === 'health').length >= 4, 20_000, 'health events delivered')
    const woodgrove = delivered.find((r) => r.kind === 'health' && r.tenantId === WELL_KNOWN.woodgroveTenantId)!
    assert.equal(woodgrove.source, 'm365d')
    assert.equal((woodgrove.document as { kind: string }).kind, 'not_consented')
    const metrics = await (await fetch(`${rig.base}/metrics`)).text()
    assert.match(metrics, /^m365d_health_events_total\{kind="not_consented"\} 1$/m)
  })

  test('consent lost and restored, and a tenant failing three passes in a row', async () => {
    rig.emulator.directory.revokeConsent(WELL_KNOWN.contosoTenantId, WELL_KNOWN.clientId)
    // Tokens issued before the revocation stay valid until they expire; drop the cached ones.
    for (const resource of ['https://graph.microsoft.com', 'https://api.security.microsoft.com']) rig.tokens.invalidate({ tenant: WELL_KNOWN.contosoTenantId, resource })
    await runNow(WELL_KNOWN.contosoTenantId)
    await eventually(async () => (await kindsOf(WELL_KNOWN.contosoTenantId)).includes('consent_lost'), 30_000, 'consent_lost')
    for (let i = 0; i < 2; i++) {
      const before = (await rig.db.query<{ n: number }>(`SELECT max(consecutive_failures) AS n FROM m365d_sync_state WHERE tenant_id = $1`, [WELL_KNOWN.contosoTenantId])).rows[0]!.n
      await runNow(WELL_KNOWN.contosoTenantId)
      await eventually(async () => (await rig.db.query<{ n: number }>(`SELECT max(consecutive_failures) AS n FROM m365d_sync_state WHERE tenant_id = $1`, [WELL_KNOWN.contosoTenantId])).rows[0]!.n > before, 30_000, 'another failed pass')
    }
    await eventually(async () => (await kindsOf(WELL_KNOWN.contosoTenantId)).includes('failing_passes'), 10_000, 'failing_passes')
    const failing = (await events()).events.find((e) => e.kind === 'failing_passes')!
    assert.equal((failing.detail as { failures: number }).failures, 3)
    rig.emulator.directory.consent(WELL_KNOWN.contosoTenantId, WELL_KNOWN.clientId)
    await runNow(WELL_KNOWN.contosoTenantId)
    await eventually(async () => (await kindsOf(WELL_KNOWN.contosoTenantId))[0] === 'consent_restored', 30_000, 'consent_restored')
  })

  test('the app secret expiring within 30 days: read from Graph /applications in the home tenant, else from configuration', async () => {
    const deps = {
      db: rig.db,
      tokenProvider: freshTokens(rig),
      cloud: { defenderApi: rig.server.url, graphApi: rig.server.url, defenderResource: 'https://api.security.microsoft.com', graphResource: 'https://graph.microsoft.com', authorityHost: rig.server.url },
      surface: 'legacy' as const,
      clientId: WELL_KNOWN.clientId,
      homeTenant: WELL_KNOWN.homeTenantId,
      workerId: 'test',
    }
    const soon = Date.now() + 10 * 86_400_000
    rig.emulator.directory.addSecret(WELL_KNOWN.clientId, { displayName: 'rotating soon', expiresAt: soon })
    const viaGraph = await checkCredentialExpiry(deps)
    assert.equal(viaGraph.source, 'graph')
    assert.ok(viaGraph.credentials.some((c) => c.name === 'rotating soon' && c.kind === 'secret'))
    assert.ok(viaGraph.credentials.some((c) => c.kind === 'certificate'))
    let list = (await events()).events.filter((e) => e.kind === 'credential_expiring')
    assert.equal(list.length, 1)
    assert.match(String((list[0]!.detail as { message: string }).message), /rotating soon.*expires in (9|10) days/)
    await checkCredentialExpiry(deps)
    assert.equal((await events()).events.filter((e) => e.kind === 'credential_expiring').length, 1, 'recorded once per credential')
    // Without Application.Read.All in the home tenant: the configured expiry.
    rig.emulator.directory.setRoles(WELL_KNOWN.homeTenantId, WELL_KNOWN.clientId, 'https://graph.microsoft.com', ['SecurityIncident.Read.All'])
    const fromConfig = await checkCredentialExpiry({ ...deps, tokenProvider: freshTokens(rig), configuredCredentialExpiry: { kind: 'secret', expiresAt: new Date(Date.now() + 5 * 86_400_000).toISOString(), name: 'configured client secret' } })
    assert.equal(fromConfig.source, 'configuration')
    assert.match(fromConfig.graphError ?? '', /403/)
    list = (await events()).events.filter((e) => e.kind === 'credential_expiring')
    assert.equal(list.length, 2)
  })
})

const providers: TokenProvider[] = []
function freshTokens(rig: ConsoleRig): TokenProvider {
  const p = new TokenProvider({ clientId: WELL_KNOWN.clientId, credential: { kind: 'secret', secret: WELL_KNOWN.clientSecret }, authorityHost: rig.server.url })
  providers.push(p)
  return p
}
after(() => providers.forEach((p) => p.close()))
