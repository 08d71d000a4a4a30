import assert from 'node:assert/strict'
import { createPrivateKey, X509Certificate } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import { WELL_KNOWN, wellKnownConfig } from '../../../src/emulator/index.js'
import { runCli, startCli, tempDir, waitForOutput } from '../_cli.js'

describe('m365d emulator', { concurrency: true }, () => {
  test('--print-config prints the well-known seed as valid JSON', async () => {
    const r = await runCli(['emulator', '--print-config'])
    assert.equal(r.code, 0, r.stderr)
    const config = JSON.parse(r.stdout) as ReturnType<typeof wellKnownConfig>
    assert.deepEqual(config, wellKnownConfig())
    assert.equal(config.apps?.[0]?.appId, WELL_KNOWN.clientId)
    assert.ok(config.tenants?.some((t) => t.id === WELL_KNOWN.contosoTenantId))
  })

  test('--print-config --config FILE prints that file', async () => {
    const file = join(tempDir(), 'emu.json')
    const seed = { tenants: [{ id: WELL_KNOWN.contosoTenantId, domains: ['contoso.onmicrosoft.com'] }] }
    writeFileSync(file, JSON.stringify(seed))
    const r = await runCli(['emulator', '--print-config', '--config', file])
    assert.equal(r.code, 0, r.stderr)
    assert.deepEqual(JSON.parse(r.stdout), seed)
  })

  test('--print-certificate prints the well-known certificate and its matching key as one PEM file', async () => {
    const r = await runCli(['emulator', '--print-certificate'])
    assert.equal(r.code, 0, r.stderr)
    const cert = new X509Certificate(r.stdout)
    assert.equal(cert.fingerprint.replace(/:/g, ''), WELL_KNOWN.certificateThumbprint)
    assert.ok(cert.checkPrivateKey(createPrivateKey(r.stdout)), 'the key belongs to the certificate')
  })

  test('a bad seed config → exit 2 naming the entry', async () => {
    const file = join(tempDir(), 'emu.json')
    writeFileSync(file, JSON.stringify({ tenants: [{ id: WELL_KNOWN.contosoTenantId }], grants: [{ tenant: 'nowhere.example', app: WELL_KNOWN.clientId }] }))
    const r = await runCli(['emulator', '--config', file, '--port', '0'])
    assert.equal(r.code, 2)
    assert.match(r.stderr, /^error ERR_CONFIG_EMULATOR: .*grants\[0\]/m)
    const notJson = join(tempDir(), 'emu.json')
    writeFileSync(notJson, '{')
    const r2 = await runCli(['emulator', '--config', notJson])
    assert.equal(r2.code, 2)
    assert.match(r2.stderr, /ERR_CONFIG_FILE_INVALID/)
  })

  test('a seed config with wrong JSON types or a misspelt key → exit 2 naming the path, never an internal error', async () => {
    for (const [seed, path] of [
      [{ tenants: {} }, /tenants: must be an array/],
      [{ tenants: [null] }, /tenants\[0\]: must be an object/],
      [{ tenantz: [] }, /tenantz: unknown key/],
      [{ tokenLifetimeSeconds: 'abc' }, /tokenLifetimeSeconds: must be/],
    ] as const) {
      const file = join(tempDir(), 'emu.json')
      writeFileSync(file, JSON.stringify(seed))
      const r = await runCli(['emulator', '--config', file, '--port', '0'])
      assert.equal(r.code, 2, r.stderr)
      assert.match(r.stderr, /^error ERR_CONFIG_EMULATOR: /m)
      assert.match(r.stderr, path)
    }
  })

  test('--port 0: serves on a real port, prints URL and env lines, exits 0 on SIGTERM', async (t) => {
    const child = startCli(['emulator', '--port', '0'])
    t.after(() => void child.kill('SIGKILL'))
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d))
    child.stderr.on('data', (d: Buffer) => (stderr += d))
    // One wait for the whole banner: it may arrive in one chunk or several.
    const [, url] = await waitForOutput(child, /listening on (http:\/\/127\.0\.0\.1:\d+)\n[\s\S]*Press Ctrl-C to stop\./)
    const discovery = await fetch(`${url}/${WELL_KNOWN.contosoTenantId}/v2.0/.well-known/openid-configuration`)
    assert.equal(discovery.status, 200)
    const doc = (await discovery.json()) as { token_endpoint: string }
    assert.equal(doc.token_endpoint, `${url}/${WELL_KNOWN.contosoTenantId}/oauth2/v2.0/token`)
    assert.match(stdout, new RegExp(`export M365D_AUTHORITY_HOST=${url!.replace(/[.:/]/g, '\\$&')}`))
    assert.match(stdout, new RegExp(`export M365D_CLIENT_ID=${WELL_KNOWN.clientId}`))

    const exited = new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on('close', (code, signal) => resolve([code, signal])))
    child.kill('SIGTERM')
    const [code, signal] = await exited
    assert.equal(signal, null)
    assert.equal(code, 0)
    assert.match(stderr, /emulator stopped/)
    await assert.rejects(fetch(`${url}/common/discovery/keys`), 'the port is closed after exit')
  })

  test('--https: serves TLS from the local CA in --data-dir and prints how to trust it', async (t) => {
    const dataDir = tempDir()
    const child = startCli(['emulator', '--port', '0', '--https', '--data-dir', dataDir, '--json'])
    t.after(() => void child.kill('SIGKILL'))
    let stdout = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d))
    await waitForOutput(child, /^}\n/m)
    const doc = JSON.parse(stdout) as { url: string; caPath: string; env: Record<string, string> }
    assert.match(doc.url, /^https:\/\/127\.0\.0\.1:\d+$/)
    assert.equal(doc.caPath, join(dataDir, 'ca.pem'))
    assert.equal(doc.env.NODE_EXTRA_CA_CERTS, doc.caPath)
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)))
    child.kill('SIGINT')
    assert.equal(await exited, 0)
  })

  test('an unusable --data-dir or --host → exit 2 with a code, not an internal error', async () => {
    const file = join(tempDir(), 'not-a-dir')
    writeFileSync(file, '')
    const dir = await runCli(['emulator', '--https', '--port', '0', '--data-dir', file])
    assert.equal(dir.code, 2, dir.stderr)
    assert.match(dir.stderr, /^error ERR_CLI_DATA_DIR: /m)
    // 203.0.113.5 is TEST-NET-3 (RFC 5737): never an address of this machine.
    const host = await runCli(['emulator', '--port', '0', '--host', '203.0.113.5', '--allow-remote'])
    assert.equal(host.code, 2, host.stderr)
    assert.match(host.stderr, /^error ERR_CLI_INVALID_HOST: .*EADDRNOTAVAIL/m)
  })

  test('bad --port → usage error', async () => {
    const r = await runCli(['emulator', '--port', 'eighty'])
    assert.equal(r.code, 2)
    assert.match(r.stderr, /ERR_CLI_INVALID_PORT/)
  })
})
