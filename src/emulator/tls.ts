import { X509Certificate, createPrivateKey, randomBytes } from 'node:crypto'
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { homedir, hostname } from 'node:os'
import { isIP } from 'node:net'
import { join } from 'node:path'
import { generateCertificate } from './x509.js'

/**
 * HTTPS for the emulator with a local certificate authority, like mkcert: one CA per machine
 * (created once, reused), and a server certificate for the loopback names signed by it. Clients
 * trust the CA file (`NODE_EXTRA_CA_CERTS=<caPath>`, `curl --cacert <caPath>`, Python
 * `REQUESTS_CA_BUNDLE`). MSAL only accepts https authorities (entra-app-only.md §7.3), so this is
 * what lets unmodified Microsoft client libraries talk to the emulator.
 */

export interface LocalTls {
  /** PEM file of the CA certificate: the file clients must trust. */
  caPath: string
  caCertificatePem: string
  /** Server certificate (PEM) for `serve(emulator, { tls })`. */
  certificatePem: string
  /** Server private key (PKCS#8 PEM). */
  privateKeyPem: string
  /** Names the server certificate covers. */
  hostnames: string[]
}

/** Always covered; `hostnames` adds to these. */
export const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '::1']

export function defaultTlsDir(): string {
  return join(homedir(), '.m365d', 'emulator')
}

const CA_DAYS = 10 * 365
const SERVER_DAYS = 365
/** A server certificate closer than this to expiry is reissued. */
const RENEW_MS = 7 * 86_400_000

/**
 * Creates (first time) or loads the local CA in `dir` (`ca.pem`, `ca-key.pem` mode 0600), then
 * returns a server certificate for localhost, 127.0.0.1, ::1 and `options.hostnames`, reusing
 * `server.pem`/`server-key.pem` while they are signed by this CA, cover the names and are not
 * about to expire.
 */
export async function ensureLocalCa(dir: string = defaultTlsDir(), options: { hostnames?: string[] } = {}): Promise<LocalTls> {
  await mkdir(dir, { recursive: true, mode: 0o700 })
  const hostnames = [...new Set([...LOOPBACK_NAMES, ...(options.hostnames ?? []).map((h) => h.toLowerCase())])]
  const ca = await loadOrCreateCa(dir)
  const caPath = join(dir, 'ca.pem')
  const certPath = join(dir, 'server.pem')
  const keyPath = join(dir, 'server-key.pem')

  const existing = await readPair(certPath, keyPath)
  if (existing && serverCertUsable(existing.certificatePem, ca.certificate, hostnames))
    return { caPath, caCertificatePem: ca.certificatePem, ...existing, hostnames }

  const server = await generateCertificate({
    commonName: 'localhost',
    days: SERVER_DAYS,
    altNames: hostnames,
    issuer: { certificatePem: ca.certificatePem, privateKeyPem: ca.privateKeyPem },
  })
  // Replace atomically so a concurrently starting emulator never reads half a file.
  await writeAtomic(keyPath, server.privateKeyPem, 0o600)
  await writeAtomic(certPath, server.certificatePem, 0o644)
  return { caPath, caCertificatePem: ca.certificatePem, certificatePem: server.certificatePem, privateKeyPem: server.privateKeyPem, hostnames }
}

interface Ca {
  certificatePem: string
  privateKeyPem: string
  certificate: X509Certificate
}

async function loadOrCreateCa(dir: string): Promise<Ca> {
  const certPath = join(dir, 'ca.pem')
  const keyPath = join(dir, 'ca-key.pem')
  const found = await readPair(certPath, keyPath)
  if (found) return parseCa(found, certPath)

  const generated = await generateCertificate({ commonName: `m365d emulator local CA (${hostname()})`, days: CA_DAYS, isCa: true })
  try {
    // `wx`: if another process created the CA meanwhile, keep theirs (clients may already trust it).
    await writeFile(keyPath, generated.privateKeyPem, { flag: 'wx', mode: 0o600 })
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e
    return parseCa(await waitForPair(certPath, keyPath), certPath)
  }
  await writeFile(certPath, generated.certificatePem, { flag: 'wx', mode: 0o644 })
  return { certificatePem: generated.certificatePem, privateKeyPem: generated.privateKeyPem, certificate: generated.certificate }
}

function parseCa(pair: { certificatePem: string; privateKeyPem: string }, certPath: string): Ca {
  try {
    const certificate = new X509Certificate(pair.certificatePem)
    createPrivateKey(pair.privateKeyPem)
    if (!certificate.ca) throw new Error('not a CA certificate')
    return { ...pair, certificate }
  } catch (e) {
    throw new Error(`the emulator CA in ${certPath} is unreadable (${(e as Error).message}); delete the directory to create a new CA`, { cause: e })
  }
}

function serverCertUsable(pem: string, ca: X509Certificate, hostnames: string[]): boolean {
  try {
    const cert = new X509Certificate(pem)
    if (!cert.verify(ca.publicKey) || Date.parse(cert.validTo) - Date.now() < RENEW_MS) return false
    return hostnames.every((h) => (isIP(h) ? cert.checkIP(h) : cert.checkHost(h, { wildcards: false })) !== undefined)
  } catch {
    return false
  }
}

async function readPair(certPath: string, keyPath: string): Promise<{ certificatePem: string; privateKeyPem: string } | undefined> {
  try {
    return { certificatePem: await readFile(certPath, 'utf8'), privateKeyPem: await readFile(keyPath, 'utf8') }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw e
  }
}

/** Another process is writing the CA: its certificate follows its key within milliseconds. */
async function waitForPair(certPath: string, keyPath: string): Promise<{ certificatePem: string; privateKeyPem: string }> {
  for (let i = 0; i < 100; i++) {
    const pair = await readPair(certPath, keyPath)
    if (pair) return pair
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error(`${keyPath} exists but ${certPath} never appeared; delete the directory to create a new CA`)
}

async function writeAtomic(path: string, content: string, mode: number): Promise<void> {
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`
  await writeFile(tmp, content, { mode })
  await chmod(tmp, mode)
  await rename(tmp, path)
}
