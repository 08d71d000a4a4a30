import type { Migration } from './migrations.js'

/**
 * Migration 2 — the tenant registry (issue 9 §1, issue 10 §3):
 * - `paused_at`: when an operator paused a tenant (`enabled` stays the one flag the scheduler
 *   reads; paused = disabled with a time);
 * - `m365d_removed_tenants`: a tombstone per removed tenant, so an old onboarding link can never
 *   bring back a tenant the operator removed (only `tenants add` does);
 * - the tenant an onboarding link was issued for (`intended_tenant`), or the explicit choice of any
 *   tenant (`any_tenant`), stored with its state: a consent from another tenant is refused.
 */
export const registryMigration: Migration = {
  id: 2,
  name: 'registry: paused tenants, removed-tenant tombstones, onboarding bound to its tenant',
  sql: `
ALTER TABLE m365d_tenants ADD COLUMN paused_at timestamptz;

CREATE TABLE m365d_removed_tenants (
  tenant_id   text PRIMARY KEY,
  domain      text,
  removed_at  timestamptz NOT NULL DEFAULT now(),
  purged      boolean NOT NULL DEFAULT false
);

ALTER TABLE m365d_consent_requests ADD COLUMN intended_tenant text;
ALTER TABLE m365d_consent_requests ADD COLUMN any_tenant boolean NOT NULL DEFAULT false;
`,
}
