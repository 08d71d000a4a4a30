import assert from 'node:assert/strict'
import { generateKeyPairSync, X509Certificate } from 'node:crypto'
import { test } from 'node:test'
import { generateCertificate, x5t } from '../../src/emulator/x509.js'

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })

test('serial numbers are always minimal DER INTEGERs (OpenSSL parses every certificate)', async () => {
  // A random serial starting with 0x00 0x0… once produced "illegal padding" in ~1/256 runs.
  for (let i = 0; i < 600; i++) {
    const { certificatePem } = await generateCertificate({ commonName: 'serial', days: 1, privateKey })
    assert.doesNotThrow(() => new X509Certificate(certificatePem))
  }
})

test('a CA-issued server certificate chains to its CA and carries the SANs', async () => {
  const ca = await generateCertificate({ commonName: 'm365d test CA', days: 10, isCa: true })
  const server = await generateCertificate({ commonName: 'localhost', days: 1, altNames: ['localhost', '127.0.0.1', '::1'], issuer: ca })
  assert.ok(server.certificate.checkIssued(ca.certificate))
  assert.ok(server.certificate.verify(ca.publicKey))
  assert.equal(ca.certificate.ca, true)
  assert.equal(server.certificate.ca, false)
  assert.match(server.certificate.subjectAltName ?? '', /DNS:localhost.*IP Address:127\.0\.0\.1.*IP Address:0:0:0:0:0:0:0:1/)
  assert.ok(server.certificate.checkHost('localhost'))
})

test('x5t is the base64url SHA-1 of the DER certificate (Entra kid form)', async () => {
  const c = await generateCertificate({ commonName: 'kid', days: 1, privateKey })
  const hex = c.certificate.fingerprint.replace(/:/g, '')
  assert.equal(Buffer.from(x5t(c.certificate), 'base64url').toString('hex').toUpperCase(), hex)
  assert.equal(x5t(c.certificate).length, 27)
})
