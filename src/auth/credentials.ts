import { createHash, createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { CredentialError } from './errors.js'

/** How the app proves its identity to the token endpoint (entra-app-only.md §2). */
export type ClientCredential =
  | { kind: 'secret'; secret: string; basicAuth?: boolean }
  | {
      kind: 'certificate'
      certificatePem: string
      privateKeyPem: string
      /** PS256 + `x5t#S256` (default, current docs) or RS256 + `x5t` (SHA-1; older docs, ADFS). */
      algorithm?: 'PS256' | 'RS256'
      /** Send the chain as `x5c` (subject-name/issuer authentication). */
      sendX5c?: boolean
    }
  | { kind: 'assertion'; getAssertion(ctx: { tenant: string; audience: string }): Promise<string> | string }
  | { kind: 'token-credential'; credential: TokenCredentialLike }

/** The `@azure/core-auth` TokenCredential shape (e.g. `@azure/identity` credentials). */
export interface TokenCredentialLike {
  getToken(
    scopes: string | string[],
    options?: { tenantId?: string; abortSignal?: AbortSignal },
  ): Promise<{ token: string; expiresOnTimestamp: number; refreshAfterTimestamp?: number } | null>
}

/** A certificate credential parsed once: key object, thumbprints and chain for the assertion header. */
export interface ParsedCertificate {
  privateKey: KeyObject
  /** base64url SHA-1 of the leaf's DER (`x5t`). */
  x5t: string
  /** base64url SHA-256 of the leaf's DER (`x5t#S256`). */
  x5tS256: string
  /** base64 DER of every certificate in the PEM, leaf first (`x5c`). */
  x5c: string[]
  notAfter: Date
}

const parsed = new WeakMap<object, ParsedCertificate>()

/**
 * Parses (once per credential object) and checks a certificate credential: a PEM certificate (or
 * chain, leaf first), an RSA private key that matches it. Throws `ERR_CREDENTIAL_INVALID`.
 */
export function parseCertificateCredential(credential: Extract<ClientCredential, { kind: 'certificate' }>): ParsedCertificate {
  const cached = parsed.get(credential)
  if (cached) return cached
  const pems = credential.certificatePem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g)
  if (!pems) throw new CredentialError('ERR_CREDENTIAL_INVALID', 'No PEM certificate (-----BEGIN CERTIFICATE-----) was found.', { hint: 'Pass the certificate as PEM; convert a .cer/.der with `openssl x509 -inform der -in app.cer -out app.pem`.' })
  let certs: X509Certificate[]
  try {
    certs = pems.map((p) => new X509Certificate(p))
  } catch (cause) {
    throw new CredentialError('ERR_CREDENTIAL_INVALID', 'The certificate PEM could not be parsed.', { cause })
  }
  let privateKey: KeyObject
  try {
    privateKey = createPrivateKey(credential.privateKeyPem)
  } catch (cause) {
    // Never include the key text or the node error message (it can quote the input).
    throw new CredentialError('ERR_CREDENTIAL_INVALID', 'The private key could not be parsed (expected an unencrypted PEM private key).', {
      hint: 'Export the key as PEM without a passphrase, e.g. `openssl pkcs12 -in app.pfx -nocerts -nodes -out app.key`.',
      cause: cause instanceof Error ? new Error(cause.name) : undefined,
    })
  }
  if (privateKey.asymmetricKeyType !== 'rsa')
    throw new CredentialError('ERR_CREDENTIAL_INVALID', `The private key is ${privateKey.asymmetricKeyType ?? 'not asymmetric'}; Microsoft Entra certificate credentials need an RSA key.`)
  const leaf = certs[0]!
  if (!leaf.checkPrivateKey(privateKey))
    throw new CredentialError('ERR_CREDENTIAL_INVALID', `The private key does not match the certificate (thumbprint ${leaf.fingerprint.replaceAll(':', '')}).`, {
      hint: 'Pair the certificate with the key it was issued for.',
    })
  const result: ParsedCertificate = {
    privateKey,
    x5t: createHash('sha1').update(leaf.raw).digest('base64url'),
    x5tS256: createHash('sha256').update(leaf.raw).digest('base64url'),
    x5c: certs.map((c) => c.raw.toString('base64')),
    notAfter: new Date(leaf.validTo),
  }
  parsed.set(credential, result)
  return result
}

/** A checked certificate credential from PEM strings. */
export function certificateCredential(
  certificatePem: string,
  privateKeyPem: string,
  opts: { algorithm?: 'PS256' | 'RS256'; sendX5c?: boolean } = {},
): Extract<ClientCredential, { kind: 'certificate' }> {
  const credential = { kind: 'certificate' as const, certificatePem, privateKeyPem, ...opts }
  parseCertificateCredential(credential)
  return credential
}

/**
 * Reads a certificate credential from files: `certPath` holds the certificate (or chain), `keyPath`
 * the private key; one PEM holding both is fine (omit `keyPath`). Throws `ERR_CREDENTIAL_UNREADABLE`
 * when a file cannot be read and `ERR_CREDENTIAL_INVALID` when the content is unusable.
 */
export async function certificateCredentialFromFiles(
  certPath: string,
  keyPath?: string,
  opts: { algorithm?: 'PS256' | 'RS256'; sendX5c?: boolean } = {},
): Promise<ClientCredential> {
  const certText = await read(certPath)
  const keyText = keyPath === undefined ? certText : await read(keyPath)
  const key = keyText.match(/-----BEGIN (?:RSA |ENCRYPTED )?PRIVATE KEY-----[\s\S]+?-----END (?:RSA |ENCRYPTED )?PRIVATE KEY-----/)
  if (!key)
    throw new CredentialError('ERR_CREDENTIAL_INVALID', `No PEM private key was found in ${keyPath ?? certPath}.`, {
      path: keyPath ?? certPath,
      hint: keyPath === undefined ? 'Pass the key file too, or a PEM that contains both the certificate and the key.' : 'The key file must be PEM (-----BEGIN PRIVATE KEY-----).',
    })
  if (key[0].includes('ENCRYPTED'))
    throw new CredentialError('ERR_CREDENTIAL_INVALID', `The private key in ${keyPath ?? certPath} is encrypted.`, {
      path: keyPath ?? certPath,
      hint: 'Decrypt it first: `openssl pkey -in app.key -out app-plain.key`, and protect the file with permissions instead.',
    })
  try {
    return certificateCredential(certText, key[0], opts)
  } catch (e) {
    if (e instanceof CredentialError && e.path === undefined)
      throw new CredentialError(e.code as 'ERR_CREDENTIAL_INVALID', `${e.message} (${certPath})`, { path: certPath, ...(e.hint && { hint: e.hint }), cause: e })
    throw e
  }
}

async function read(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8')
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code
    throw new CredentialError('ERR_CREDENTIAL_UNREADABLE', `Cannot read ${path}${code ? ` (${code})` : ''}.`, {
      path,
      hint: code === 'ENOENT' ? 'Check the path.' : code === 'EACCES' ? 'Check the file permissions for the user running m365d.' : undefined,
      cause,
    })
  }
}
