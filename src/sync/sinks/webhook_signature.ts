import { createHmac, randomBytes } from 'node:crypto'
import { SinkError } from './sink.js'

/**
 * Standard Webhooks signatures (https://www.standardwebhooks.com, spec/standard-webhooks.md
 * "Signature scheme" and "Webhook headers"): every delivery carries
 *
 *   webhook-id: <id, the same for every retry of one message>
 *   webhook-timestamp: <unix seconds of this attempt>
 *   webhook-signature: v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}"> [v1,<…> …]
 *
 * keyed by the base64-decoded part of a `whsec_…` secret ("Random. At least 24 bytes … base64
 * encoded, prefixed with `whsec_`"). Several secrets give several space-separated signatures, which
 * is the spec's zero-downtime rotation: the receiver accepts any one that verifies.
 */

const PREFIX = 'whsec_'
const MIN_BYTES = 24
const MAX_BYTES = 64

/** The HMAC keys of `whsec_…` secrets (one, or several separated by spaces or commas, newest first). Never echoes a secret. */
export function parseWebhookSecrets(value: string | readonly string[], from = 'the webhook secret'): Buffer[] {
  const secrets = (typeof value === 'string' ? [value] : value).flatMap((v) => v.split(/[\s,]+/)).filter(Boolean)
  if (secrets.length === 0) throw new SinkError('ERR_SINK_CONFIG', `${from} is empty`, { hint: SECRET_HINT })
  return secrets.map((secret, i) => {
    const which = secrets.length > 1 ? `${from} (#${i + 1})` : from
    if (!secret.startsWith(PREFIX)) throw new SinkError('ERR_SINK_CONFIG', `${which} is not in the whsec_… form`, { hint: SECRET_HINT })
    const encoded = secret.slice(PREFIX.length)
    const key = Buffer.from(encoded, 'base64')
    // Buffer.from ignores characters outside the alphabet: round-trip to refuse typos instead of signing with a different key.
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded) || key.toString('base64').replace(/=+$/, '') !== encoded.replace(/=+$/, ''))
      throw new SinkError('ERR_SINK_CONFIG', `${which} is not valid base64 after whsec_`, { hint: SECRET_HINT })
    if (key.length < MIN_BYTES || key.length > MAX_BYTES)
      throw new SinkError('ERR_SINK_CONFIG', `${which} holds ${key.length} bytes; Standard Webhooks secrets hold ${MIN_BYTES} to ${MAX_BYTES}`, { hint: SECRET_HINT })
    return key
  })
}

/** The `webhook-signature` header value for one attempt. */
export function webhookSignature(keys: readonly Buffer[], id: string, timestamp: number, body: string): string {
  const content = `${id}.${timestamp}.${body}`
  return keys.map((key) => `v1,${createHmac('sha256', key).update(content).digest('base64')}`).join(' ')
}

/** A new random `whsec_…` secret (32 bytes), e.g. for `M365D_WEBHOOK_SECRET`. */
export function generateWebhookSecret(): string {
  return PREFIX + randomBytes(32).toString('base64')
}

export const SECRET_HINT = 'set M365D_WEBHOOK_SECRET (or webhookSecretFile in the m365d config file) to a Standard Webhooks secret, e.g. echo "whsec_$(openssl rand -base64 32)", and give the receiver the same value'
