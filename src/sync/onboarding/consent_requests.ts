import { randomBytes } from 'node:crypto'
import type { Queryable } from '../db/database.js'
import { upsertTenant } from '../db/sql/tenants.js'

/** How long an admin-consent link stays redeemable (the admin usually acts within minutes). */
export const CONSENT_REQUEST_TTL_MS = 24 * 3_600_000

/** Records a fresh `state` for `tenants onboard`; only states recorded here are accepted back. */
export async function createConsentRequest(db: Queryable, o: { ttlMs?: number; state?: string } = {}): Promise<{ state: string; expiresAt: Date }> {
  const state = o.state ?? randomBytes(24).toString('base64url')
  const expiresAt = new Date(Date.now() + (o.ttlMs ?? CONSENT_REQUEST_TTL_MS))
  await db.query(`INSERT INTO m365d_consent_requests (state, expires_at) VALUES ($1, $2)`, [state, expiresAt.toISOString()])
  return { state, expiresAt }
}

export type ConsentOutcome =
  | { outcome: 'granted'; tenantId: string }
  | { outcome: 'declined'; error: string; description?: string; tenantId?: string }
  | { outcome: 'rejected'; reason: 'unknown_state' | 'expired' | 'used' | 'missing_state' | 'invalid' }

/**
 * Redeems a state exactly once, atomically (UPDATE … WHERE completed_at IS NULL AND unexpired), so
 * a replayed or forged redirect never adds a tenant. Granted → the tenant is added to the sync set;
 * declined (error=access_denied …) is recorded on the request and reported.
 */
export async function completeConsentRequest(
  db: Queryable,
  o: { state: string; granted: boolean; tenantId?: string; error?: string; description?: string },
): Promise<ConsentOutcome> {
  const outcome = o.granted ? 'granted' : 'declined'
  const { rows } = await db.query<{ state: string }>(
    `UPDATE m365d_consent_requests SET completed_at = now(), outcome = $2, tenant_id = $3, error = $4
     WHERE state = $1 AND completed_at IS NULL AND expires_at > now() RETURNING state`,
    [o.state, outcome, o.tenantId?.toLowerCase() ?? null, o.granted ? null : [o.error, o.description].filter(Boolean).join(': ') || 'declined'],
  )
  if (!rows.length) {
    const { rows: known } = await db.query<{ completed_at: Date | null; expired: boolean }>(
      `SELECT completed_at, expires_at <= now() AS expired FROM m365d_consent_requests WHERE state = $1`,
      [o.state],
    )
    const k = known[0]
    return { outcome: 'rejected', reason: !k ? 'unknown_state' : k.completed_at ? 'used' : 'expired' }
  }
  if (!o.granted) return { outcome: 'declined', error: o.error ?? 'access_denied', ...(o.description && { description: o.description }), ...(o.tenantId && { tenantId: o.tenantId }) }
  await upsertTenant(db, { tenantId: o.tenantId! })
  return { outcome: 'granted', tenantId: o.tenantId!.toLowerCase() }
}
