/**
 * Legacy Microsoft 365 Defender incidents API (defender-api.md §2.2, §2.7, §2.8):
 * `GET /api/incidents`, `GET|PATCH /api/incidents/{id}`, also under the old `/api/v1.0/` prefix (§1.1).
 */
import type { EmulatorContext } from '../context.js'
import type { Router } from '../router.js'
import { readJson } from '../api/front.js'
import { contextUrl, fail, ok, requestInfo, type RequestInfo } from '../api/responses.js'
import { guard } from './guard.js'
import type { Incident } from './model.js'
import { applyChanges, checkPair, parseChanges } from './patch.js'
import { parseListQuery, runList, type ListRules } from './query.js'
import { LEGACY_INCIDENT_FIELDS, legacyIncident } from './views.js'

const READ = ['Incident.Read.All', 'Incident.ReadWrite.All']
const WRITE = ['Incident.ReadWrite.All']

/** Newest first (the docs: "The most recent incidents are displayed at the top of the list"). */
const newestFirst = (a: Incident, b: Incident) => b.createdTime - a.createdTime || b.incidentId - a.incidentId

const LIST_RULES: ListRules<Incident> = {
  entity: 'Incident',
  fields: LEGACY_INCIDENT_FIELDS,
  // Default page size is undocumented (§8 q3); the emulator serves the maximum.
  defaultTop: 100,
  maxTop: 100,
  // Undocumented (§8 q3); ASP.NET OData rejects a $top above MaxTop, so the emulator does too.
  overMaxTop: 'error',
  allowed: ['$filter', '$top', '$skip'],
  defaultOrder: newestFirst,
}

function incidentId(info: RequestInfo, raw: string): number {
  if (!/^\d{1,15}$/.test(raw)) fail(info, 400, 'InvalidInput', `Invalid input ${raw}. The incident id must be a number.`)
  return Number(raw)
}

function find(ctx: EmulatorContext, info: RequestInfo, tenantId: string, id: number): Incident {
  const inc = ctx.defender.get(tenantId, id)
  if (!inc) fail(info, 404, 'ResourceNotFound', `Incident ${id} was not found`)
  return inc
}

export function registerLegacyRoutes(router: Router<EmulatorContext>): void {
  for (const prefix of ['/api', '/api/v1.0']) {
    router.add('GET', `${prefix}/incidents`, async (req, url, _params, ctx) => {
      const info = requestInfo('legacy', req, ctx.clock.now())
      const principal = await guard(req, ctx, info, 'legacy.list', READ)
      const query = parseListQuery(info, url, LIST_RULES)
      const { page } = runList(ctx.defender.visible(principal.tenantId), query)
      // No @odata.nextLink: the real API pages by $skip only (§2.2, §3A captures).
      return ok(info, { '@odata.context': contextUrl(url, info, 'Incidents'), value: page.map(legacyIncident) })
    }, { group: 'defender', caseInsensitive: true })

    router.add('GET', `${prefix}/incidents/:id`, async (req, url, params, ctx) => {
      const info = requestInfo('legacy', req, ctx.clock.now())
      const principal = await guard(req, ctx, info, 'legacy.get', READ)
      const inc = find(ctx, info, principal.tenantId, incidentId(info, params.id!))
      return ok(info, { '@odata.context': contextUrl(url, info, 'Incidents/$entity'), ...legacyIncident(inc) })
    }, { group: 'defender', caseInsensitive: true })

    router.add('PATCH', `${prefix}/incidents/:id`, async (req, url, params, ctx) => {
      const info = requestInfo('legacy', req, ctx.clock.now())
      const principal = await guard(req, ctx, info, 'legacy.update', WRITE)
      const id = incidentId(info, params.id!)
      const body = await readJson(req, info)
      const inc = find(ctx, info, principal.tenantId, id)
      const changes = parseChanges('legacy', body)
      checkPair('legacy', inc, changes)
      applyChanges(inc, changes, principal.displayName, ctx.clock.now())
      return ok(info, { '@odata.context': contextUrl(url, info, 'Incidents/$entity'), ...legacyIncident(inc) })
    }, { group: 'defender', caseInsensitive: true })
  }
}
