import { tokenRoles } from '../defender/index.js'
import { M365dError } from '../lib/errors.js'
import type { ConsoleDeps } from './deps.js'
import { upsertAccess } from './sql/tenants.js'

/**
 * Reads which roles each tenant's app-only tokens carry, per API (legacy Defender, Graph), so the
 * tenants page shows granted vs needed and spots a tenant that must re-consent for Graph. Uses the
 * daemon's token provider: tokens are cached and reused, so a check costs no extra sign-in for a
 * tenant the daemon syncs anyway.
 */
export async function checkAccess(deps: ConsoleDeps, tenantIds: string[], concurrency = 4): Promise<void> {
  const queue = [...tenantIds]
  const worker = async () => {
    for (let t = queue.shift(); t !== undefined; t = queue.shift()) {
      for (const api of ['legacy', 'graph'] as const) {
        const resource = api === 'legacy' ? deps.cloud.defenderResource : deps.cloud.graphResource
        try {
          const { token } = await deps.tokenProvider.getToken({ tenant: t, resource })
          await upsertAccess(deps.db, t, api, tokenRoles(token), null)
        } catch (e) {
          const error = e instanceof M365dError ? { code: e.code, message: e.message, ...(e.hint && { hint: e.hint }) } : { code: 'ERR_UNEXPECTED', message: String(e) }
          await upsertAccess(deps.db, t, api, [], error)
        }
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, queue.length) }, worker))
}

export async function enabledTenantIds(deps: ConsoleDeps): Promise<string[]> {
  const { rows } = await deps.db.query<{ tenant_id: string }>(`SELECT tenant_id FROM m365d_tenants WHERE enabled ORDER BY tenant_id`)
  return rows.map((r) => r.tenant_id)
}
