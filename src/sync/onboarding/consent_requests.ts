import { randomBytes } from 'node:crypto'
import type { Queryable } from '../db/database.js'
import { upsertTenant } from '../db/sql/tenants.js'
import { isRemoved, resetBackoff } from '../registry.js'

/** How long an admin-consent link stays redeemable (the admin usually acts within minutes). */
export const CONSENT_REQUEST_TTL_MS = 24 * 3_600_000

/**
 * Records a fresh `state` for `tenants onboard`; only states recorded here are accepted back. The
 * link is bound to `intendedTenant` (a tenant id) unless the operator explicitly chose `anyTenant`
 * (issue 10 §3: a link issued for Contoso must not add Fabrikam).
 */
export async function createConsentRequest(
  db: Queryable,
  o: { ttlMs?: number; state?: string; intendedTenant?: string; anyTenant?: boolean } = {},
): Promise<{ state: string; expiresAt: Date }> {
  if (!o.intendedTenant && !o.anyTenant) throw new TypeError('createConsentRequest needs intendedTenant, or anyTenant: true')
  const state = o.state ?? randomBytes(24).toString('base64url')
  const expiresAt = new Date(Date.now() + (o.ttlMs ?? CONSENT_REQUEST_TTL_MS))
  await db.query(`INSERT INTO m365d_consent_requests (state, expires_at, intended_tenant, any_tenant) VALUES ($1, $2, $3, $4)`, [
    state,
    expiresAt.toISOString(),
    o.intendedTenant?.toLowerCase() ?? null,
    o.anyTenant === true && !o.intendedTenant,
  ])
  return { state, expiresAt }
}

export type RejectReason = 'unknown_state' | 'expired' | 'used' | 'missing_state' | 'invalid' | 'wrong_tenant' | 'removed' | 'not_verified'

export type ConsentOutcome =
  | { outcome: 'granted'; tenantId: string; added: boolean }
  | { outcome: 'declined'; error: string; description?: string; tenantId?: string }
  | { outcome: 'rejected'; reason: RejectReason; tenantId?: string; detail?: string }
  /** A consent redirect without a state (the plain consent link every hint prints): nothing to record. */
  | { outcome: 'received'; tenantId?: string }

interface RequestRow {
  completed_at: Date | null
  expired: boolean
  intended_tenant: string | null
  any_tenant: boolean
}

/**
 * Redeems a state exactly once. Before anything is consumed: the state must be ours, unexpired and
 * unused; the tenant must be the one the link was issued for; a tenant the operator removed is
 * never brought back; and `verify` (a token for the tenant) must succeed — so a made-up tenant id
 * adds nothing. Then the state is consumed atomically (UPDATE … WHERE completed_at IS NULL), so a
 * replayed redirect adds nothing either. A tenant already in the registry keeps its paused/enabled
 * state; its backoff is reset so it syncs within seconds.
 */
export async function completeConsentRequest(
  db: Queryable,
  o: { state: string; granted: boolean; tenantId?: string; error?: string; description?: string; verify?: (tenantId: string) => Promise<void> },
): Promise<ConsentOutcome> {
  const tenantId = o.tenantId?.toLowerCase()
  const { rows: known } = await db.query<RequestRow>(
    `SELECT completed_at, expires_at <= now() AS expired, intended_tenant, any_tenant FROM m365d_consent_requests WHERE state = $1`,
    [o.state],
  )
  const k = known[0]
  if (!k) return { outcome: 'rejected', reason: 'unknown_state' }
  if (k.completed_at) return { outcome: 'rejected', reason: 'used' }
  if (k.expired) return { outcome: 'rejected', reason: 'expired' }
  if (o.granted) {
    if (!tenantId) return { outcome: 'rejected', reason: 'invalid' }
    if (k.intended_tenant && k.intended_tenant !== tenantId) return { outcome: 'rejected', reason: 'wrong_tenant', tenantId }
    if (!k.intended_tenant && !k.any_tenant) return { outcome: 'rejected', reason: 'wrong_tenant', tenantId }
    if (await isRemoved(db, tenantId)) return { outcome: 'rejected', reason: 'removed', tenantId }
    if (o.verify) {
      try {
        await o.verify(tenantId)
      } catch (e) {
        return { outcome: 'rejected', reason: 'not_verified', tenantId, detail: e instanceof Error ? e.message : String(e) }
      }
    }
  }
  const outcome = o.granted ? 'granted' : 'declined'
  const { rows } = await db.query<{ state: string }>(
    `UPDATE m365d_consent_requests SET completed_at = now(), outcome = $2, tenant_id = $3, error = $4
     WHERE state = $1 AND completed_at IS NULL AND expires_at > now() RETURNING state`,
    [o.state, outcome, tenantId ?? null, o.granted ? null : [o.error, o.description].filter(Boolean).join(': ') || 'declined'],
  )
  if (!rows.length) return { outcome: 'rejected', reason: 'used' }
  if (!o.granted) return { outcome: 'declined', error: o.error ?? 'access_denied', ...(o.description && { description: o.description }), ...(tenantId && { tenantId }) }
  const { rows: existing } = await db.query(`SELECT 1 FROM m365d_tenants WHERE tenant_id = $1`, [tenantId])
  if (!existing.length) await upsertTenant(db, { tenantId: tenantId! })
  await resetBackoff(db, tenantId!)
  return { outcome: 'granted', tenantId: tenantId!, added: !existing.length }
}
