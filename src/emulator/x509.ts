import { createHash, createPrivateKey, createPublicKey, generateKeyPair, randomBytes, sign, X509Certificate, type KeyObject } from 'node:crypto'
import { isIP } from 'node:net'
import { promisify } from 'node:util'

/**
 * A minimal X.509 v3 certificate builder (RSA-2048, sha256WithRSAEncryption) on node:crypto,
 * for the emulator's token-signing certificates (JWKS `x5c`, `kid` = `x5t`), its local TLS CA and
 * server certificate, and test app certificates. Node can parse certificates but not create them;
 * the DER needed here is small enough not to justify a dependency.
 */

const generateKeyPairAsync = promisify(generateKeyPair)

export interface GeneratedCertificate {
  privateKey: KeyObject
  publicKey: KeyObject
  certificatePem: string
  /** PKCS#8 PEM. */
  privateKeyPem: string
  certificate: X509Certificate
}

export interface CertificateOptions {
  /** Common name of the subject. */
  commonName: string
  days: number
  notBefore?: Date
  isCa?: boolean
  /** subjectAltName entries (DNS names or IP literals) for TLS server certificates. */
  altNames?: string[]
  issuer?: { certificatePem: string; privateKeyPem: string }
  /** Reuse an existing key instead of generating one. */
  privateKey?: KeyObject
}

export async function generateCertificate(options: CertificateOptions): Promise<GeneratedCertificate> {
  const privateKey =
    options.privateKey ??
    (await generateKeyPairAsync('rsa', { modulusLength: 2048, publicExponent: 0x10001 })).privateKey
  const publicKey = createPublicKey(privateKey)
  const spki = publicKey.export({ type: 'spki', format: 'der' })
  const notBefore = options.notBefore ?? new Date(Date.now() - 3600_000)
  const notAfter = new Date(notBefore.getTime() + options.days * 86_400_000)

  let issuerName = name(options.commonName)
  let signingKey = privateKey
  let authorityKeyId: Buffer | undefined
  if (options.issuer) {
    const issuerCert = new X509Certificate(options.issuer.certificatePem)
    const cn = /CN=([^\n]+)/.exec(issuerCert.subject)?.[1] ?? 'issuer'
    issuerName = name(cn)
    signingKey = createPrivateKey(options.issuer.privateKeyPem)
    authorityKeyId = keyIdentifier(issuerCert.publicKey.export({ type: 'spki', format: 'der' }))
  }

  const extensions: Buffer[] = [extension(OID.subjectKeyIdentifier, false, octetString(keyIdentifier(spki)))]
  if (authorityKeyId) extensions.push(extension(OID.authorityKeyIdentifier, false, seq(tlv(0x80, authorityKeyId))))
  if (options.isCa) {
    extensions.push(extension(OID.basicConstraints, true, seq(tlv(0x01, Buffer.from([0xff])))))
    extensions.push(extension(OID.keyUsage, true, keyUsage([0, 5, 6])))
  } else {
    extensions.push(extension(OID.keyUsage, true, keyUsage([0, 2])))
  }
  if (options.altNames?.length) {
    const names = options.altNames.map((n) => {
      const ip = isIP(n)
      if (ip === 4) return tlv(0x87, Buffer.from(n.split('.').map(Number)))
      if (ip === 6) return tlv(0x87, ipv6Bytes(n))
      return tlv(0x82, Buffer.from(n, 'ascii'))
    })
    extensions.push(extension(OID.subjectAltName, false, seq(...names)))
    extensions.push(extension(OID.extKeyUsage, false, seq(oid(OID.serverAuth))))
  }

  const serial = randomBytes(16)
  // Positive, and a non-zero first byte: DER INTEGERs must be minimal, and OpenSSL rejects a
  // serial with a redundant leading zero byte ("illegal padding").
  serial[0] = (serial[0]! & 0x7f) | 0x40
  const tbs = seq(
    tlv(0xa0, integer(Buffer.from([2]))),
    integer(serial),
    SHA256_WITH_RSA,
    issuerName,
    seq(time(notBefore), time(notAfter)),
    name(options.commonName),
    spki,
    tlv(0xa3, seq(...extensions)),
  )
  const signature = sign('sha256', tbs, signingKey)
  const der = seq(tbs, SHA256_WITH_RSA, bitString(signature))
  const certificatePem = `-----BEGIN CERTIFICATE-----\n${der.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n$/, '')}\n-----END CERTIFICATE-----\n`
  return {
    privateKey,
    publicKey,
    certificatePem,
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    certificate: new X509Certificate(certificatePem),
  }
}

/** base64url SHA-1 of the DER certificate: the `x5t` header and JWKS `kid` Entra uses. */
export function x5t(certificate: X509Certificate): string {
  return createHash('sha1').update(certificate.raw).digest('base64url')
}

/** base64url SHA-256 of the DER certificate: the `x5t#S256` header. */
export function x5tS256(certificate: X509Certificate): string {
  return createHash('sha256').update(certificate.raw).digest('base64url')
}

// --- DER ---

const OID = {
  sha256WithRSA: '1.2.840.113549.1.1.11',
  commonName: '2.5.4.3',
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  authorityKeyIdentifier: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
  serverAuth: '1.3.6.1.5.5.7.3.1',
}

function tlv(tag: number, content: Buffer): Buffer {
  const len = content.length
  let header: Buffer
  if (len < 0x80) header = Buffer.from([tag, len])
  else {
    const bytes: number[] = []
    for (let n = len; n > 0; n >>= 8) bytes.unshift(n & 0xff)
    header = Buffer.from([tag, 0x80 | bytes.length, ...bytes])
  }
  return Buffer.concat([header, content])
}

const seq = (...items: Buffer[]) => tlv(0x30, Buffer.concat(items))
const set = (...items: Buffer[]) => tlv(0x31, Buffer.concat(items))
const octetString = (b: Buffer) => tlv(0x04, b)
const bitString = (b: Buffer) => tlv(0x03, Buffer.concat([Buffer.from([0]), b]))
const SHA256_WITH_RSA = seq(oid(OID.sha256WithRSA), Buffer.from([0x05, 0x00]))

/** A non-negative DER INTEGER: minimal (no redundant leading zeros), sign byte added when needed. */
function integer(b: Buffer): Buffer {
  let i = 0
  while (i < b.length - 1 && b[i] === 0 && !(b[i + 1]! & 0x80)) i++
  const v = b.subarray(i)
  return tlv(0x02, v[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), v]) : v)
}

function oid(dotted: string): Buffer {
  const parts = dotted.split('.').map(Number)
  const bytes = [parts[0]! * 40 + parts[1]!]
  for (const p of parts.slice(2)) {
    const chunk: number[] = []
    let n = p
    do {
      chunk.unshift(n & 0x7f)
      n = Math.floor(n / 128)
    } while (n > 0)
    for (let i = 0; i < chunk.length - 1; i++) chunk[i]! |= 0x80
    bytes.push(...chunk)
  }
  return tlv(0x06, Buffer.from(bytes))
}

function name(commonName: string): Buffer {
  return seq(set(seq(oid(OID.commonName), tlv(0x0c, Buffer.from(commonName, 'utf8')))))
}

function time(d: Date): Buffer {
  // RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050.
  const iso = d.toISOString().replace(/[-:T]/g, '').slice(0, 14) + 'Z'
  return d.getUTCFullYear() < 2050 ? tlv(0x17, Buffer.from(iso.slice(2), 'ascii')) : tlv(0x18, Buffer.from(iso, 'ascii'))
}

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return seq(oid(id), ...(critical ? [tlv(0x01, Buffer.from([0xff]))] : []), octetString(value))
}

function keyUsage(bits: number[]): Buffer {
  let byte = 0
  for (const b of bits) byte |= 0x80 >> b
  let unused = 0
  while (unused < 7 && !(byte & (1 << unused))) unused++
  return tlv(0x03, Buffer.from([unused, byte]))
}

function keyIdentifier(spkiDer: Buffer): Buffer {
  return createHash('sha1').update(spkiDer).digest()
}

function ipv6Bytes(ip: string): Buffer {
  const [head, tail] = ip.split('::') as [string, string | undefined]
  const h = head ? head.split(':') : []
  const t = tail ? tail.split(':') : []
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t]
  return Buffer.from(groups.flatMap((g) => { const n = parseInt(g || '0', 16); return [n >> 8, n & 0xff] }))
}
