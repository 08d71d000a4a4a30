import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { WELL_KNOWN } from '../../../src/emulator/index.js'
import { runCli } from '../_cli.js'

interface DemoJson {
  emulator: string
  requiredRoles: string[]
  tenants: { name: string; tenantId: string; credential: string; ok: boolean; report?: { missingRoles: string[] }; error?: { code: string; errorCodes: number[]; hint: string } }[]
}

describe('m365d demo (the token part of npm start)', { concurrency: true }, () => {
  test('text: healthy tenants pass, tailspin lacks a role, woodgrove is not consented; exit 0', async () => {
    const r = await runCli(['demo'])
    assert.equal(r.code, 0, r.stderr)
    const section = (name: string) => r.stdout.split('\n── ').find((s) => s.startsWith(`${name} `)) ?? ''
    assert.match(section('contoso'), /^VALID /m)
    assert.match(section('fabrikam'), /via client certificate/)
    assert.match(section('fabrikam'), /^VALID /m)
    assert.match(section('tailspin'), /^INVALID/m)
    assert.match(section('tailspin'), /missing roles: SecurityIncident\.Read\.All, SecurityAlert\.Read\.All/)
    // Graph first (the legacy API stops on 1 Feb 2027): Graph tokens, and no legacy warning.
    assert.match(r.stdout, /get a token for https:\/\/graph\.microsoft\.com/)
    assert.doesNotMatch(r.stdout + r.stderr, /M365D_LEGACY_API|DeprecationWarning|api\.security\.microsoft\.com/)
    assert.match(section('woodgrove'), /^error ERR_TOKEN_SERVER: AADSTS700016: /m)
    assert.match(section('woodgrove'), /^hint: .*prompt=consent&client_id=d3f3e4d0-0000-4000-8000-00000000a001/m)
    assert.match(r.stdout, /3 of 5 tenants ready; tailspin: missing SecurityIncident\.Read\.All, SecurityAlert\.Read\.All; woodgrove: AADSTS700016\./)
    assert.ok(!r.stdout.includes(WELL_KNOWN.clientSecret), 'the demo never prints the secret')
    assert.doesNotMatch(r.stdout, /eyJ[\w-]{10,}\./, 'nor a token')
  })

  test('--json', async () => {
    const r = await runCli(['demo', '--json'])
    assert.equal(r.code, 0, r.stderr)
    const doc = JSON.parse(r.stdout) as DemoJson
    assert.deepEqual(doc.requiredRoles, ['SecurityIncident.Read.All', 'SecurityAlert.Read.All', 'ThreatHunting.Read.All'])
    const by = Object.fromEntries(doc.tenants.map((t) => [t.name, t]))
    assert.deepEqual(Object.keys(by), ['home', 'contoso', 'fabrikam', 'tailspin', 'woodgrove'])
    assert.equal(by.contoso!.ok, true)
    assert.equal(by.fabrikam!.credential, 'certificate')
    assert.deepEqual(by.tailspin!.report?.missingRoles, ['SecurityIncident.Read.All', 'SecurityAlert.Read.All'])
    assert.deepEqual(by.woodgrove!.error?.errorCodes, [700016])
    assert.match(by.woodgrove!.error?.hint ?? '', /prompt=consent/)
  })
})
