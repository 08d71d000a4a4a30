import { DefenderClient, DefenderForbiddenError, incidentUpdateBody, WRITE_PERMISSIONS, type AnyIncident, type IncidentUpdate } from '../defender/index.js'
import { M365dError } from '../lib/errors.js'
import { commitBatch, incidentRecord, nestedAlertRecords } from '../sync/index.js'
import type { ActionResult, ActionTarget, IncidentAction } from './api_types.js'
import type { ConsoleDeps } from './deps.js'
import { ConsoleRequestError } from './http.js'
import { incidentRow, recordAction } from './sql/incident.js'
import { toQueueItem } from './sql/queue.js'

export const MAX_BULK = 500

/** The action as the library's update, validated (status names, classification/determination pairs) before any call. */
export function toUpdate(a: IncidentAction): IncidentUpdate {
  const u: IncidentUpdate = {}
  if (a.status !== undefined) u.status = String(a.status)
  if (a.assignedTo !== undefined) u.assignedTo = String(a.assignedTo).trim()
  if (a.classification !== undefined) u.classification = String(a.classification)
  if (a.determination !== undefined) u.determination = String(a.determination)
  if (a.tags !== undefined) {
    if (!Array.isArray(a.tags) || a.tags.some((t) => typeof t !== 'string')) throw new ConsoleRequestError(400, 'ERR_CONSOLE_TAGS', 'tags must be a list of strings')
    u.tags = a.tags.map((t) => t.trim()).filter(Boolean)
  }
  if (a.comment !== undefined) {
    const c = String(a.comment).trim()
    if (!c) throw new ConsoleRequestError(400, 'ERR_CONSOLE_COMMENT', 'the comment is empty')
    if (c.length > 10_000) throw new ConsoleRequestError(400, 'ERR_CONSOLE_COMMENT', 'the comment is over 10,000 characters')
    u.comment = c
  }
  // Throws ERR_INVALID_ARGUMENT with the valid choices (e.g. a determination of another classification).
  incidentUpdateBody(u, 'legacy')
  return u
}

/**
 * Applies one change to many incidents, possibly across tenants: each call uses THAT tenant's
 * app-only token (the provider keys tokens by tenant, never mixing them), tenants run in parallel
 * (at most 4 at once) and each tenant's incidents one after another, under the daemon's shared
 * per-tenant rate limiter. A success is written to the store at once (a new version with its
 * history row, exactly as a sync pass would write the document the API returned) and audited; the
 * next pass that reads past the returned update time confirms it. A failure is reported per
 * incident with the tenant's error — 403 names the missing write permission.
 */
export async function applyActions(deps: ConsoleDeps, targets: ActionTarget[], action: IncidentAction, actor: string): Promise<ActionResult[]> {
  if (!Array.isArray(targets) || targets.length === 0) throw new ConsoleRequestError(400, 'ERR_CONSOLE_TARGETS', 'no incidents selected')
  if (targets.length > MAX_BULK) throw new ConsoleRequestError(400, 'ERR_CONSOLE_TARGETS', `at most ${MAX_BULK} incidents per action`)
  for (const t of targets) {
    if (typeof t?.tenantId !== 'string' || typeof t.incidentId !== 'string' || (t.source !== 'legacy' && t.source !== 'graph'))
      throw new ConsoleRequestError(400, 'ERR_CONSOLE_TARGETS', 'each target needs tenantId, source (legacy|graph) and incidentId')
  }
  const update = toUpdate(action)
  const byTenant = new Map<string, ActionTarget[]>()
  for (const t of targets) byTenant.set(t.tenantId.toLowerCase(), [...(byTenant.get(t.tenantId.toLowerCase()) ?? []), t])
  const results = new Map<ActionTarget, ActionResult>()
  const queue = [...byTenant.values()]
  const worker = async () => {
    for (let group = queue.shift(); group; group = queue.shift()) {
      for (const t of group) results.set(t, await applyOne(deps, t, update, action, actor))
    }
  }
  await Promise.all(Array.from({ length: Math.min(4, queue.length) }, worker))
  return targets.map((t) => results.get(t)!)
}

async function applyOne(deps: ConsoleDeps, t: ActionTarget, update: IncidentUpdate, action: IncidentAction, actor: string): Promise<ActionResult> {
  const tenantId = t.tenantId.toLowerCase()
  const base = { tenantId, source: t.source, incidentId: t.incidentId }
  const client = new DefenderClient<'legacy' | 'graph'>({
    tokenProvider: deps.tokenProvider,
    tenant: tenantId,
    surface: t.source,
    baseUrl: t.source === 'graph' ? deps.cloud.graphApi : deps.cloud.defenderApi,
    resource: t.source === 'graph' ? deps.cloud.graphResource : deps.cloud.defenderResource,
    ...(deps.rateLimiter && { rateLimiter: deps.rateLimiter }),
    ...(deps.fetch && { fetch: deps.fetch }),
  })
  try {
    const updated = (await client.updateIncident(t.incidentId, update)) as AnyIncident
    const record = incidentRecord(updated)
    await commitBatch(deps.db, { tenantId, source: t.source, incidents: [record], alerts: nestedAlertRecords(updated) })
    await recordAction(deps.db, { actor, ...base, action, outcome: 'ok', serverUpdateTime: record.lastUpdateTime })
    const row = await incidentRow(deps.db, tenantId, t.source, t.incidentId)
    return { ...base, ok: true, ...(row && { item: toQueueItem(row) }) }
  } catch (e) {
    const status = e instanceof DefenderForbiddenError ? 403 : ((e as { status?: number }).status ?? undefined)
    const error =
      e instanceof DefenderForbiddenError
        ? {
            code: e.code,
            message: `the app may not change incidents in tenant ${tenantId}: its token lacks ${WRITE_PERMISSIONS[t.source].join(' or ')}`,
            hint: `add the application permission ${WRITE_PERMISSIONS[t.source][0]} (${t.source === 'graph' ? 'Microsoft Graph' : 'Microsoft Threat Protection'}) to the app and have this tenant's admin consent again`,
          }
        : e instanceof M365dError
          ? { code: e.code, message: e.message, ...(e.hint && { hint: e.hint }) }
          : { code: 'ERR_UNEXPECTED', message: e instanceof Error ? e.message : String(e) }
    await recordAction(deps.db, { actor, ...base, action, outcome: 'error', error }).catch(() => undefined)
    return { ...base, ok: false, ...(status !== undefined && { status }), error }
  }
}
