import assert from 'node:assert/strict'
import { X509Certificate } from 'node:crypto'
import { mkdtemp, rm, stat } from 'node:fs/promises'
import { request } from 'node:https'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { checkServerIdentity, connect } from 'node:tls'
import { createEmulator, serve, type Emulator, type RunningEmulator } from '../../src/emulator/index.js'
import { ensureLocalCa, type LocalTls } from '../../src/emulator/tls.js'

/** Completes a TLS handshake and reports whether the chain validated against `ca`. */
function handshake(port: number, servername: string, ca?: string): Promise<{ authorized: boolean; error?: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, servername, rejectUnauthorized: false, ...(ca && { ca }) }, () => {
      resolve({ authorized: socket.authorized, ...(socket.authorizationError && { error: String(socket.authorizationError) }) })
      socket.end()
    })
    socket.on('error', reject)
  })
}

describe('local CA and HTTPS', () => {
  let dir: string
  let tls: LocalTls
  let emulator: Emulator
  let running: RunningEmulator
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'm365d-tls-'))
    tls = await ensureLocalCa(join(dir, 'emulator'))
    emulator = await createEmulator()
    running = await serve(emulator, { tls })
  })
  after(async () => {
    await running.close()
    await rm(dir, { recursive: true, force: true })
  })

  test('creates the CA and server key with private permissions', async () => {
    assert.equal(tls.caPath, join(dir, 'emulator', 'ca.pem'))
    assert.equal((await stat(join(dir, 'emulator', 'ca-key.pem'))).mode & 0o777, 0o600)
    assert.equal((await stat(join(dir, 'emulator', 'server-key.pem'))).mode & 0o777, 0o600)
    assert.equal((await stat(join(dir, 'emulator'))).mode & 0o777, 0o700)
    const ca = new X509Certificate(tls.caCertificatePem)
    assert.equal(ca.ca, true)
    const leaf = new X509Certificate(tls.certificatePem)
    assert.ok(leaf.verify(ca.publicKey))
    assert.equal(leaf.checkIssued(ca), true)
  })

  test('the chain validates against the CA for localhost, 127.0.0.1 and ::1, and not without it', async () => {
    assert.deepEqual(await handshake(running.port, 'localhost', tls.caCertificatePem), { authorized: true })
    const untrusted = await handshake(running.port, 'localhost')
    assert.equal(untrusted.authorized, false)
    assert.match(untrusted.error!, /UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED|unable to verify/i)
    const leaf = new X509Certificate(tls.certificatePem).toLegacyObject()
    for (const host of ['localhost', '127.0.0.1', '::1']) assert.equal(checkServerIdentity(host, leaf), undefined, host)
    assert.ok(checkServerIdentity('example.com', leaf) instanceof Error)
  })

  test('the emulator answers over HTTPS with the CA trusted', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`https://localhost:${running.port}/common/discovery/v2.0/keys`, { ca: tls.caCertificatePem, lookup: (_h, _o, cb) => cb(null, [{ address: '127.0.0.1', family: 4 }]) }, (res) => {
        res.resume()
        resolve(res.statusCode!)
      })
      req.on('error', reject)
      req.end()
    })
    assert.equal(status, 200)
  })

  test('reuses the CA and server certificate; extra hostnames reissue only the server certificate', async () => {
    const again = await ensureLocalCa(join(dir, 'emulator'))
    assert.equal(again.caCertificatePem, tls.caCertificatePem)
    assert.equal(again.certificatePem, tls.certificatePem)
    const extra = await ensureLocalCa(join(dir, 'emulator'), { hostnames: ['emulator.test'] })
    assert.equal(extra.caCertificatePem, tls.caCertificatePem)
    assert.notEqual(extra.certificatePem, tls.certificatePem)
    const leaf = new X509Certificate(extra.certificatePem)
    assert.equal(leaf.checkHost('emulator.test'), 'emulator.test')
    assert.equal(leaf.checkHost('localhost'), 'localhost')
  })

  test('concurrent first runs agree on one CA', async () => {
    const fresh = join(dir, 'concurrent')
    const [a, b] = await Promise.all([ensureLocalCa(fresh), ensureLocalCa(fresh)])
    assert.equal(a.caCertificatePem, b.caCertificatePem)
  })
})
