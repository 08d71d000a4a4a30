import assert from 'node:assert/strict'
import { generateKeyPairSync } from 'node:crypto'
import { mkdtemp, rm, writeFile, chmod } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { WELL_KNOWN } from '../../src/emulator/well_known.js'
import { certificateCredential, certificateCredentialFromFiles, parseCertificateCredential, type CredentialError } from '../../src/auth/index.js'

describe('certificate credentials from files', () => {
  let dir: string
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'm365d-auth-'))
  })
  after(() => rm(dir, { recursive: true, force: true }))
  const file = async (name: string, text: string) => {
    const p = join(dir, name)
    await writeFile(p, text)
    return p
  }
  const failure = (p: Promise<unknown>) => p.then(() => assert.fail('expected an error'), (e: CredentialError) => e)

  test('separate cert and key files; thumbprints match the registered certificate', async () => {
    const c = await certificateCredentialFromFiles(await file('app.crt', WELL_KNOWN.certificatePem), await file('app.key', WELL_KNOWN.privateKeyPem), { algorithm: 'RS256' })
    assert.equal(c.kind, 'certificate')
    if (c.kind !== 'certificate') return
    assert.equal(c.algorithm, 'RS256')
    const parsed = parseCertificateCredential(c)
    assert.equal(Buffer.from(parsed.x5t, 'base64url').toString('hex').toUpperCase(), WELL_KNOWN.certificateThumbprint)
    assert.equal(parsed.x5c.length, 1)
  })

  test('one PEM holding key and certificate', async () => {
    const c = await certificateCredentialFromFiles(await file('both.pem', WELL_KNOWN.privateKeyPem + WELL_KNOWN.certificatePem))
    assert.equal(c.kind, 'certificate')
  })

  test('missing file → ERR_CREDENTIAL_UNREADABLE with the path', async () => {
    const e = await failure(certificateCredentialFromFiles(join(dir, 'nope.pem')))
    assert.equal(e.code, 'ERR_CREDENTIAL_UNREADABLE')
    assert.equal(e.path, join(dir, 'nope.pem'))
    if (process.getuid?.() !== 0) {
      const locked = await file('locked.pem', WELL_KNOWN.certificatePem)
      await chmod(locked, 0)
      assert.equal((await failure(certificateCredentialFromFiles(locked))).code, 'ERR_CREDENTIAL_UNREADABLE')
    }
  })

  test('no key, garbage, encrypted key, mismatched key, non-RSA key → ERR_CREDENTIAL_INVALID without key material', async () => {
    const certOnly = await file('cert-only.pem', WELL_KNOWN.certificatePem)
    assert.equal((await failure(certificateCredentialFromFiles(certOnly))).code, 'ERR_CREDENTIAL_INVALID')
    assert.equal((await failure(certificateCredentialFromFiles(await file('junk.pem', 'hello'), await file('k.pem', WELL_KNOWN.privateKeyPem)))).code, 'ERR_CREDENTIAL_INVALID')
    const { privateKey: enc } = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      privateKeyEncoding: { type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'pw' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    })
    const encErr = await failure(certificateCredentialFromFiles(certOnly, await file('enc.key', enc)))
    assert.equal(encErr.code, 'ERR_CREDENTIAL_INVALID')
    assert.match(encErr.hint!, /openssl/)
    const { privateKey: other } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } })
    const mismatch = await failure(certificateCredentialFromFiles(certOnly, await file('other.key', other)))
    assert.equal(mismatch.code, 'ERR_CREDENTIAL_INVALID')
    assert.ok(!JSON.stringify(mismatch.toJSON()).includes('PRIVATE KEY'))
    const { privateKey: ec } = generateKeyPairSync('ec', { namedCurve: 'P-256', privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } })
    assert.throws(() => certificateCredential(WELL_KNOWN.certificatePem, ec), { code: 'ERR_CREDENTIAL_INVALID' })
    assert.throws(() => certificateCredential(WELL_KNOWN.certificatePem, '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----'), { code: 'ERR_CREDENTIAL_INVALID' })
  })
})
