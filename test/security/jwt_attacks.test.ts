import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { createEmulator, serve, type Emulator, type RunningEmulator } from '../../src/emulator/index.js'
import { WELL_KNOWN } from '../../src/emulator/well_known.js'
import { KeyCache, validateToken, type ValidationReport } from '../../src/jwt/index.js'
import { runCli } from '../cli/_cli.js'
import { emulatorToken } from '../jwt/fixtures.js'
import { attackerKeyServer, buildAttacks, DEFENDER, GRAPH, type Attack, type Audience } from './_attacks.js'

/**
 * The standing JWT attack suite (issue 10 §8): every token in the matrix is refused by
 * validateToken with signature checking, by `m365d token validate --verify-signature` (a child
 * process), and by the emulator's four API routes over real HTTP — legacy incidents, legacy
 * hunting, Graph incidents, Graph hunting. Genuine tokens pass all three, so a refusal means the
 * attack was caught, not that the route was down. No `jku`/`x5u` is ever followed.
 */
const CONTOSO = WELL_KNOWN.contosoTenantId
const HUNT = { Query: 'DeviceInfo | take 1' }
const ROUTES: { name: string; aud: Audience; method: 'GET' | 'POST'; path: string; body?: unknown }[] = [
  { name: 'legacy incidents', aud: 'defender', method: 'GET', path: '/api/incidents' },
  { name: 'legacy hunting', aud: 'defender', method: 'POST', path: '/api/advancedhunting/run', body: HUNT },
  { name: 'Graph incidents', aud: 'graph', method: 'GET', path: '/v1.0/security/incidents' },
  { name: 'Graph hunting', aud: 'graph', method: 'POST', path: '/v1.0/security/runHuntingQuery', body: HUNT },
]

async function pool<T>(items: T[], concurrency: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < items.length) await fn(items[next++]!)
  }))
}

describe('JWT attack matrix: validateToken, the CLI and the emulator API routes', () => {
  let emulator: Emulator
  let srv: RunningEmulator
  let other: RunningEmulator
  let keyServer: Awaited<ReturnType<typeof attackerKeyServer>>
  let attacks: Attack[]
  let genuine: Record<Audience, string>
  const keyCache = new KeyCache()
  const validate = (token: string): Promise<ValidationReport> =>
    validateToken(token, { verifySignature: true, authorityHost: srv.url, tenant: CONTOSO, clientId: WELL_KNOWN.clientId, resource: DEFENDER, keyCache })
  const call = async (route: (typeof ROUTES)[number], token: string): Promise<number> => {
    const res = await fetch(`${srv.url}${route.path}`, {
      method: route.method,
      headers: { authorization: `Bearer ${token}`, ...(route.body !== undefined && { 'content-type': 'application/json' }) },
      ...(route.body !== undefined && { body: JSON.stringify(route.body) }),
    })
    await res.arrayBuffer()
    return res.status
  }

  before(async () => {
    emulator = await createEmulator()
    srv = await serve(emulator)
    // Another emulator instance: the same tenants and app, its own signing keys.
    other = await serve(await createEmulator())
    const [defender, graph, otherTenant, otherDefender, otherGraph] = await Promise.all([
      emulatorToken(srv.url, CONTOSO, DEFENDER),
      emulatorToken(srv.url, CONTOSO, GRAPH),
      Promise.resolve(WELL_KNOWN.fabrikamTenantId),
      emulatorToken(other.url, CONTOSO, DEFENDER),
      emulatorToken(other.url, CONTOSO, GRAPH),
    ])
    genuine = { defender, graph }
    keyServer = await attackerKeyServer({ keys: [] })
    ;({ attacks } = await buildAttacks({ emulator, genuine, otherTenant, otherInstance: { defender: otherDefender, graph: otherGraph }, attackerServerUrl: keyServer.url }))
  })
  after(async () => {
    await keyServer.close()
    await other.close()
    await srv.close()
  })

  test('control: genuine tokens are valid everywhere (so a refusal below is the attack being caught)', async () => {
    const report = await validate(genuine.defender)
    assert.equal(report.valid, true, JSON.stringify(report.checks.filter((c) => !c.ok)))
    for (const route of ROUTES) assert.equal(await call(route, genuine[route.aud]), 200, route.name)
    const cli = await runCli(['token', 'validate', '-', '--json', '--verify-signature', '--authority-host', srv.url, '--tenant', CONTOSO, '--client-id', WELL_KNOWN.clientId, '--resource', DEFENDER], { stdin: genuine.defender })
    assert.equal(cli.code, 0, cli.stdout + cli.stderr)
    assert.equal(JSON.parse(cli.stdout).verdict, 'valid')
  })

  test('validateToken (signature checked) refuses every attack, failing the checks that name it', async () => {
    assert.ok(attacks.length >= 40)
    for (const attack of attacks) {
      const report = await validate(attack.token.defender)
      assert.equal(report.valid, false, attack.name)
      assert.equal(report.verdict, 'invalid', attack.name)
      const failed = report.checks.filter((c) => !c.ok).map((c) => c.id)
      for (const id of attack.failing) assert.ok(failed.includes(id), `${attack.name}: expected ${id} to fail, failed: ${failed.join(', ')}`)
      // Without signature checking the report still never says valid.
      const unchecked = await validateToken(attack.token.defender, { tenant: CONTOSO, resource: DEFENDER })
      assert.equal(unchecked.valid, false, attack.name)
    }
  })

  test('the emulator\'s four API routes answer 401 (431 over the header limit) to every attack', async () => {
    const wrong: string[] = []
    await pool(attacks.flatMap((attack) => ROUTES.map((route) => ({ attack, route }))), 8, async ({ attack, route }) => {
      const status = await call(route, attack.token[route.aud])
      if (status !== attack.status) wrong.push(`${attack.name} → ${route.name}: HTTP ${status}, expected ${attack.status}`)
    })
    assert.deepEqual(wrong, [])
  })

  test('m365d token validate --verify-signature exits 1 with verdict invalid for every attack', async () => {
    const wrong: string[] = []
    await pool(attacks, 6, async (attack) => {
      const r = await runCli(['token', 'validate', '-', '--json', '--verify-signature', '--authority-host', srv.url, '--tenant', CONTOSO, '--client-id', WELL_KNOWN.clientId, '--resource', DEFENDER], { stdin: attack.token.defender })
      const report = r.stdout ? (JSON.parse(r.stdout) as ValidationReport) : undefined
      const failed = report?.checks.filter((c) => !c.ok).map((c) => c.id) ?? []
      if (r.code !== 1 || report?.valid !== false || report.verdict !== 'invalid' || !attack.failing.every((id) => failed.includes(id)))
        wrong.push(`${attack.name}: exit ${r.code}, verdict ${report?.verdict}, failed ${failed.join(',')} ${r.stderr.slice(0, 200)}`)
      // The output never carries the token (it may be a stolen genuine one).
      if (r.stdout.includes(attack.token.defender.split('.')[2] || '\u0000')) wrong.push(`${attack.name}: signature echoed`)
    })
    assert.deepEqual(wrong, [])
  })

  test('no key source named in a token (jku, x5u) was ever fetched', () => {
    assert.equal(keyServer.hits, 0)
  })
})
