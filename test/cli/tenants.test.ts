import { strict as assert } from 'node:assert'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { createEmulator, serve, WELL_KNOWN, type RunningEmulator } from '../../src/emulator/index.js'
import { collectLogs, emulatorEnv, exited } from '../sync/process/_rig.js'
import { runCli, startCli, tempDir } from './_cli.js'

describe('m365d tenants', () => {
  let server: RunningEmulator
  let env: Record<string, string>
  const dataDir = join(tempDir('m365d-tenants-'), 'data')

  before(async () => {
    const emulator = await createEmulator({ defender: { incidentsPerTenant: 20 } })
    server = await serve(emulator)
    env = emulatorEnv(server.url, { M365D_DATA_DIR: dataDir })
  })
  after(() => server.close())

  test('add resolves a domain to its tenant id; an unknown domain is a clear error that writes nothing', async () => {
    const bad = await runCli(['tenants', 'add', 'nosuch.onmicrosoft.com', '--json', '--data-dir', join(dataDir, '..', 'never')], { env })
    assert.equal(bad.code, 2)
    assert.equal(JSON.parse(bad.stdout).error.code, 'ERR_TENANT_UNKNOWN')
    assert.equal(existsSync(join(dataDir, '..', 'never')), false)

    for (const [domain, name] of [['contoso.onmicrosoft.com', 'Contoso'], ['tailspin.onmicrosoft.com', 'Tailspin'], ['woodgrove.onmicrosoft.com', 'Woodgrove']]) {
      const r = await runCli(['tenants', 'add', domain!, '--name', name!, '--json'], { env })
      assert.equal(r.code, 0, r.stderr)
    }
    const byGuid = await runCli(['tenants', 'add', WELL_KNOWN.fabrikamTenantId.toUpperCase(), '--json'], { env })
    assert.equal(JSON.parse(byGuid.stdout).tenantId, WELL_KNOWN.fabrikamTenantId)
    const list = await runCli(['tenants', 'list', '--json'], { env })
    const tenants = JSON.parse(list.stdout).tenants as { tenantId: string; name: string; health: string; lastSync: null }[]
    assert.deepEqual(tenants.map((t) => t.tenantId).sort(), [WELL_KNOWN.contosoTenantId, WELL_KNOWN.fabrikamTenantId, WELL_KNOWN.tailspinTenantId, WELL_KNOWN.woodgroveTenantId].sort())
    assert.equal(tenants.find((t) => t.name === 'Contoso')!.health, 'unknown')
  })

  test('check reports consent, roles and reachability with the fix for each problem; exit 1 when one is not ready', async () => {
    const r = await runCli(['tenants', 'check', '--json'], { env })
    assert.equal(r.code, 1, r.stderr)
    const out = JSON.parse(r.stdout) as { ok: boolean; tenants: { tenantId: string; ok: boolean; consent: boolean; missingRoles: string[]; rolesGranted: string[]; apiReachable: boolean; problems: { code: string; fix: string }[] }[] }
    const of = (id: string) => out.tenants.find((t) => t.tenantId === id)!
    assert.equal(out.ok, false)
    assert.equal(of(WELL_KNOWN.contosoTenantId).ok, true)
    assert.equal(of(WELL_KNOWN.contosoTenantId).apiReachable, true)
    const tailspin = of(WELL_KNOWN.tailspinTenantId)
    assert.equal(tailspin.consent, true)
    // Graph by default: neither the Graph nor the legacy incident role is granted.
    assert.deepEqual(tailspin.missingRoles, ['SecurityIncident.Read.All'])
    assert.ok(tailspin.problems[0]!.fix.includes('Microsoft Graph'))
    const woodgrove = of(WELL_KNOWN.woodgroveTenantId)
    assert.equal(woodgrove.consent, false)
    assert.equal(woodgrove.problems[0]!.code, 'not_consented')
    // The consent link is for THAT tenant.
    assert.ok(woodgrove.problems[0]!.fix.includes(`${server.url}/${WELL_KNOWN.woodgroveTenantId}/oauth2/authorize?prompt=consent&client_id=${WELL_KNOWN.clientId}`))
    // Health recorded for list.
    const list = JSON.parse((await runCli(['tenants', 'list', '--json'], { env })).stdout) as { tenants: { tenantId: string; health: string }[] }
    assert.equal(list.tenants.find((t) => t.tenantId === WELL_KNOWN.woodgroveTenantId)!.health, 'not_consented')
    assert.equal(list.tenants.find((t) => t.tenantId === WELL_KNOWN.tailspinTenantId)!.health, 'missing_roles')
    // Names, not only GUIDs, on the human output; a domain names the tenant as for add.
    const human = await runCli(['tenants', 'check', 'contoso.onmicrosoft.com'], { env })
    assert.equal(human.code, 0, human.stderr)
    assert.match(human.stdout, new RegExp(`✓ Contoso \\(contoso\\.onmicrosoft\\.com, ${WELL_KNOWN.contosoTenantId}\\)`))
  })

  test('onboard with the default redirect URI: the emulator\'s well-known app has it registered (no AADSTS50011)', async () => {
    const e = { ...env, M365D_DATA_DIR: join(tempDir('m365d-onboard-default-'), 'data') }
    const r = await runCli(['tenants', 'onboard', '--tenant', 'woodgrove.onmicrosoft.com', '-o', 'json'], { env: e })
    assert.equal(r.code, 0, r.stderr)
    const { url, redirectUri } = JSON.parse(r.stdout) as { url: string; redirectUri: string }
    assert.equal(redirectUri, 'http://localhost:9464/consent/callback')
    const page = await fetch(url, { redirect: 'manual' })
    assert.doesNotMatch(await page.text(), /AADSTS50011/)
    // The contrast: an unregistered redirect URI is refused by the same emulator.
    const bad = new URL(url)
    bad.searchParams.set('redirect_uri', 'http://localhost:1/nowhere')
    assert.match(await (await fetch(bad, { redirect: 'manual' })).text(), /AADSTS50011/)
  })

  test('onboard records a one-time state; the daemon\'s consent callback accepts it once and rejects others', async () => {
    const home = tempDir('m365d-onboard-')
    const dir = join(home, 'data')
    const e = { ...env, M365D_DATA_DIR: dir }
    const issue = async (...extra: string[]) =>
      JSON.parse((await runCli(['tenants', 'onboard', '--json', '--redirect-uri', 'http://localhost:9/consent/callback', ...extra], { env: e })).stdout) as { url: string; state: string }
    const a = await issue('--any-tenant')
    const b = await issue('--any-tenant')
    const expired = await issue('--any-tenant', '--expires', '1ms')
    const bound = await issue('--tenant', 'contoso.onmicrosoft.com')
    assert.ok(bound.url.startsWith(`${server.url}/${WELL_KNOWN.contosoTenantId}/adminconsent?`), 'bound to the tenant id the domain resolves to')
    const unbound = await runCli(['tenants', 'onboard', '--json'], { env: e })
    assert.equal(unbound.code, 2)
    assert.equal(JSON.parse(unbound.stdout).error.code, 'ERR_CLI_MISSING_ARGUMENT')
    assert.ok(a.url.startsWith(`${server.url}/common/adminconsent?client_id=${WELL_KNOWN.clientId}`))
    assert.equal(new URL(a.url).searchParams.get('state'), a.state)

    const child = startCli(['sync', '--ops-port', '0', '--interval', '1h'], { env: e })
    const logs = collectLogs(child)
    try {
      const ops = String((await logs.wait((l) => l.msg === 'ops.listening')).url)
      const cb = (q: string) => fetch(`${ops}/consent/callback?${q}`)
      const unknown = await cb(`admin_consent=True&tenant=${WELL_KNOWN.fabrikamTenantId}&state=forged`)
      assert.equal(unknown.status, 400)
      const late = await cb(`admin_consent=True&tenant=${WELL_KNOWN.contosoTenantId}&state=${expired.state}`)
      assert.equal(late.status, 400)
      assert.match(await late.text(), /expired/)
      const ok = await cb(`admin_consent=True&tenant=${WELL_KNOWN.fabrikamTenantId}&state=${a.state}`)
      assert.equal(ok.status, 200)
      assert.match(await ok.text(), /Consent recorded/)
      const replay = await cb(`admin_consent=True&tenant=${WELL_KNOWN.contosoTenantId}&state=${a.state}`)
      assert.equal(replay.status, 400)
      const foreign = await cb(`admin_consent=True&tenant=${WELL_KNOWN.fabrikamTenantId}&state=${bound.state}`)
      assert.equal(foreign.status, 400)
      assert.match(await foreign.text(), /another organization/)
      const declined = await cb(`error=access_denied&error_description=AADSTS65004%3A+User+declined&state=${b.state}`)
      assert.equal(declined.status, 200)
      assert.match(await declined.text(), /declined/)
      await logs.wait((l) => l.msg === 'consent.declined')
    } finally {
      child.kill('SIGTERM')
      assert.equal((await exited(child)).code, 0)
    }
    const list = JSON.parse((await runCli(['tenants', 'list', '--json'], { env: e })).stdout) as { tenants: { tenantId: string }[] }
    assert.deepEqual(list.tenants.map((t) => t.tenantId), [WELL_KNOWN.fabrikamTenantId])
  })

  test('pause, resume and tag take the id or the domain; paused tenants show as disabled', async () => {
    const paused = await runCli(['tenants', 'pause', 'TAILSPIN.onmicrosoft.com', '--json'], { env })
    assert.equal(paused.code, 0, paused.stderr)
    assert.equal(JSON.parse(paused.stdout).enabled, false)
    assert.ok(JSON.parse(paused.stdout).pausedAt)
    const tagged = await runCli(['tenants', 'tag', WELL_KNOWN.tailspinTenantId, '+gold', 'EU', '--remove', 'eu', '--json'], { env })
    assert.deepEqual(JSON.parse(tagged.stdout).tags, ['gold'])
    const resumed = await runCli(['tenants', 'resume', 'tailspin.onmicrosoft.com', '--json'], { env })
    assert.equal(JSON.parse(resumed.stdout).enabled, true)
    const bad = await runCli(['tenants', 'tag', WELL_KNOWN.tailspinTenantId, '+no spaces'], { env })
    assert.equal(bad.code, 2)
  })

  test('remove accepts the domain add accepted', async () => {
    const r = await runCli(['tenants', 'remove', 'contoso.onmicrosoft.com', '--json'], { env })
    assert.equal(r.code, 0, r.stderr)
    assert.equal(JSON.parse(r.stdout).tenantId, WELL_KNOWN.contosoTenantId)
    assert.equal((await runCli(['tenants', 'add', 'contoso.onmicrosoft.com', '--name', 'Contoso'], { env })).code, 0)
  })

  test('remove keeps the data unless --purge; removing an unknown tenant exits 1', async () => {
    const r = await runCli(['tenants', 'remove', WELL_KNOWN.woodgroveTenantId, '--json'], { env })
    assert.equal(r.code, 0, r.stderr)
    const again = await runCli(['tenants', 'remove', WELL_KNOWN.woodgroveTenantId, '--json'], { env })
    assert.equal(again.code, 1)
    assert.equal(JSON.parse(again.stdout).error.code, 'ERR_CLI_TENANT_NOT_FOUND')
  })
})
