import { generateCertificate, x5t } from '../x509.js'
import type { KeyObject } from 'node:crypto'

export interface SigningKey {
  /** `kid` = `x5t` = base64url SHA-1 of the DER certificate (entra-app-only.md §5.4). */
  kid: string
  privateKey: KeyObject
  publicKey: KeyObject
  /** Standard base64 DER certificate, as JWKS `x5c[0]`. */
  x5c: string
  createdAt: number
  /** When it stopped signing (rotation); it stays published for the grace period after this. */
  retiredAt?: number
}

/**
 * The emulator's token-signing keys. One key signs; on rotation the previous key stays in the
 * JWKS for `graceMs` so tokens it signed keep validating ("There's always more than one valid key
 * available", signing-key-rollover.md via entra-app-only.md §5.5).
 */
export class KeyStore {
  #keys: SigningKey[] = []

  private constructor(
    readonly graceMs: number,
    private readonly now: () => number,
  ) {}

  static async create(options: { graceMs?: number; now?: () => number } = {}): Promise<KeyStore> {
    const store = new KeyStore(options.graceMs ?? 24 * 3600_000, options.now ?? Date.now)
    await store.rotate()
    return store
  }

  /** The key that signs new tokens. */
  get active(): SigningKey {
    return this.#keys[this.#keys.length - 1]!
  }

  /** Keys published in JWKS now: the active one and those retired within the grace period. */
  published(): SigningKey[] {
    const now = this.now()
    return this.#keys.filter((k) => k.retiredAt === undefined || now - k.retiredAt < this.graceMs).reverse()
  }

  find(kid: string): SigningKey | undefined {
    return this.published().find((k) => k.kid === kid)
  }

  /** Generates a new signing key; the old one is retired but stays published for the grace period. */
  async rotate(options: { dropPrevious?: boolean } = {}): Promise<SigningKey> {
    const now = this.now()
    const generated = await generateCertificate({ commonName: 'accounts.accesscontrol.windows.net', days: 5 * 365 })
    const key: SigningKey = {
      kid: x5t(generated.certificate),
      privateKey: generated.privateKey,
      publicKey: generated.publicKey,
      x5c: generated.certificate.raw.toString('base64'),
      createdAt: now,
    }
    for (const k of this.#keys) {
      k.retiredAt ??= now
      // An emergency roll removes the old key at once (signing-key-rollover.md).
      if (options.dropPrevious) k.retiredAt = now - this.graceMs
    }
    this.#keys.push(key)
    this.#keys = this.#keys.filter((k) => k.retiredAt === undefined || now - k.retiredAt < this.graceMs)
    return key
  }
}
