/**
 * Advanced hunting on both surfaces (defender-api.md §3; fault/log group `hunting`):
 * - legacy `POST /api/advancedhunting/run` {"Query"} → {"Stats","Schema":[{Name,Type}],"Results"}
 *   (role AdvancedHunting.Read.All; also under `/api/v1.0/`),
 * - Graph `POST /v1.0/security/runHuntingQuery` {"Query","Timespan"?} →
 *   {"@odata.context","schema":[{name,type}],"results"} (role ThreatHunting.Read.All; also `/beta/`),
 * and the control routes `/_emulator/hunting/{limits,reset,tables}`.
 */
import { authenticate, requireRole } from '../api/auth.js'
import { apiErrors, readJson } from '../api/front.js'
import { fail, graphThrottled, ok, requestInfo, type RequestInfo } from '../api/responses.js'
import type { EmulatorContext } from '../context.js'
import { addControlRoute, controlError, readJson as readControlJson } from '../control/http.js'
import { json } from '../http_error.js'
import type { Router } from '../router.js'
import { hms, mergeHuntingLimits } from './limits.js'
import { API_TYPE_NAMES, HuntingQueryError, legacyStats, runHuntingQuery } from './run.js'
import { parseTimespan } from './timespan.js'

const DAY = 86_400_000
/** Upper bound of generated background rows per tenant (10× the default; ~300 MB, seconds to generate). */
const MAX_ROWS_PER_TENANT = 200_000
const LEGACY_ROLES = ['AdvancedHunting.Read.All']
const GRAPH_ROLES = ['ThreatHunting.Read.All']
const CPU_MESSAGE = 'You have exceeded processing resources allocated to this tenant. You can run queries again in'

async function handle(req: Request, url: URL, ctx: EmulatorContext, info: RequestInfo): Promise<Response> {
  const principal = await authenticate(req, ctx, info)
  requireRole(info, principal, info.surface === 'legacy' ? LEGACY_ROLES : GRAPH_ROLES)
  const store = ctx.hunting
  const limits = store.limits
  const now = ctx.clock.now()
  // Every Graph call counts against the app's budget across all tenants (src/emulator/defender/limits.ts).
  if (info.surface === 'graph') {
    const app = ctx.defender.limiter.takeApp(ctx.defender.limits, principal.appId, now)
    if (app) graphThrottled(info, app.retryAfterSeconds, `Too many requests: maximum allowed ${app.quota.limit} per ${hms(app.quota.windowMs)} for this application across all tenants. Please retry again later (after ${app.retryAfterSeconds} seconds).`)
  }
  if (limits.enabled) {
    // Calls per app + tenant (§6: "always on the combination of application+tenant"), 429 bodies as captured.
    const key = `${principal.tenantId}|${principal.appId}|${info.surface}`
    const over = store.calls.take(key, [{ limit: limits.callsPerMinute, windowMs: 60_000 }, { limit: limits.callsPerHour, windowMs: 3_600_000 }], now)
    if (over) {
      const s = Math.max(1, Math.ceil(over.retryAfterMs / 1000))
      fail(info, 429, info.surface === 'legacy' ? '429' : 'TooManyRequests', `API calls quota exceeded! maximum allowed ${over.limit} per ${hms(over.windowMs)}. You can send requests again in ${s} seconds.`, { 'retry-after': String(s) })
    }
    // CPU per tenant, blocked until the 15-minute cycle ends (§3.2 item 4).
    const cpu = store.cpu.take(principal.tenantId, [{ limit: limits.cpuQuotaMs, windowMs: limits.cpuWindowMs }], now, 0)
    if (cpu) {
      const s = Math.max(1, Math.ceil(cpu.retryAfterMs / 1000))
      fail(info, 429, info.surface === 'legacy' ? '429' : 'TooManyRequests', `${CPU_MESSAGE} ${hms(cpu.retryAfterMs)}.`, { 'retry-after': String(s) })
    }
  }
  const body = await readJson(req, info)
  const fields = body !== null && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : {}
  // "Body parameters are case-sensitive" (DD api-error-codes.md): `query` is not `Query`.
  if (typeof fields.Query !== 'string' || fields.Query.trim() === '')
    fail(info, 400, info.surface === 'legacy' ? 'MissingRequiredParameter' : 'BadRequest', info.surface === 'legacy' ? 'Parameter Query is missing.' : "The 'Query' parameter is required and must be a non-empty string.")
  let window = { start: now - limits.lookbackDays * DAY, end: now + 1 }
  if (info.surface === 'graph' && fields.Timespan !== undefined && fields.Timespan !== null) {
    const span = typeof fields.Timespan === 'string' ? parseTimespan(fields.Timespan, now) : undefined
    if (!span) fail(info, 400, 'BadRequest', `Invalid Timespan '${String(fields.Timespan).slice(0, 60)}': use ISO 8601, e.g. "P7D", "2024-02-01T08:00:00Z/2024-02-15T08:00:00Z" or "2024-02-01T08:00:00Z/P7D".`)
    window = span
  }
  // A HuntingQueryError is answered by the group's onError (huntingErrors below).
  const result = await runHuntingQuery(store, principal.tenantId, fields.Query, window, now)
  const results = JSON.stringify(result.rows)
  // "Result size limit exceeded" (Learn, advanced-hunting-errors; defender-api.md §3.4): 400, as
  // every query failure here — the status of this case is not documented for either surface.
  if (Buffer.byteLength(results) > (info.surface === 'legacy' ? limits.legacyMaxResultBytes : limits.graphMaxResultBytes))
    fail(info, 400, 'BadRequest', 'Result size limit exceeded. Use "summarize" to aggregate results, "project" to drop uninteresting columns, or "take" to truncate results.')
  if (info.surface === 'legacy')
    return ok(info, { Stats: legacyStats(result, results.length), Schema: result.columns.map((c) => ({ Name: c.name, Type: API_TYPE_NAMES[c.type] })), Results: result.rows })
  return ok(info, {
    '@odata.context': `${url.origin}/${url.pathname.split('/')[1]}/$metadata#microsoft.graph.security.huntingQueryResults`,
    schema: result.columns.map((c) => ({ name: c.name, type: API_TYPE_NAMES[c.type] })),
    results: result.rows,
  })
}

/** Query errors keep their code on the legacy surface; Graph says BadRequest for every 4xx. */
const huntingErrors = apiErrors((error, surface) => {
  if (!(error instanceof HuntingQueryError)) return undefined
  return { status: error.status, code: error.status >= 500 || surface === 'legacy' ? error.apiCode : 'BadRequest', message: error.message }
})

export function registerHuntingRoutes(router: Router<EmulatorContext>): void {
  router.onError('hunting', huntingErrors)
  for (const path of ['/api/advancedhunting/run', '/api/v1.0/advancedhunting/run'])
    router.add('POST', path, (req, url, _p, ctx) => handle(req, url, ctx, requestInfo('legacy', req, ctx.clock.now())), { group: 'hunting', caseInsensitive: true })
  for (const version of ['v1.0', 'beta'])
    router.add('POST', `/${version}/security/runHuntingQuery`, (req, url, _p, ctx) => handle(req, url, ctx, requestInfo('graph', req, ctx.clock.now())), { group: 'hunting', caseInsensitive: true })

  addControlRoute(router, 'GET', '/hunting/limits', (_req, _url, _p, ctx) => json({ ...ctx.hunting.limits, rowsPerTenant: ctx.hunting.rowsPerTenant }))
  // PATCH and PUT both merge (PUT like /_emulator/defender/limits).
  for (const method of ['PATCH', 'PUT']) addControlRoute(router, method, '/hunting/limits', async (req, _url, _p, ctx) => {
    const store = ctx.hunting
    const { rowsPerTenant, ...patch } = await readControlJson(req)
    // Validate everything before changing anything. The row cap keeps one call from making the next
    // query generate billions of rows (found by the json-bodies fuzz target: a hang, then OOM).
    if (rowsPerTenant !== undefined && (!Number.isSafeInteger(rowsPerTenant) || (rowsPerTenant as number) < 0 || (rowsPerTenant as number) > MAX_ROWS_PER_TENANT))
      throw controlError(400, `rowsPerTenant must be an integer from 0 to ${MAX_ROWS_PER_TENANT}`)
    const limits = mergeHuntingLimits(store.limits, patch)
    if (rowsPerTenant !== undefined) {
      store.rowsPerTenant = rowsPerTenant as number
      store.reset()
    }
    store.limits = limits
    return json({ ...store.limits, rowsPerTenant: store.rowsPerTenant })
  })
  // The externaldata allow-list: {"<uri>": "<content>"} replaces the inline sources; GET lists the URIs.
  // Local files come only from the seed config (`m365d emulator --config`), never over HTTP: a
  // control client could otherwise read any file the emulator can (issue 10 §2).
  addControlRoute(router, 'GET', '/hunting/externaldata', (_req, _url, _p, ctx) => json({ value: [...ctx.hunting.externalData.keys()] }))
  addControlRoute(router, 'PUT', '/hunting/externaldata', async (req, _url, _p, ctx) => {
    const body = await readControlJson(req)
    for (const [uri, source] of Object.entries(body)) {
      if (typeof source === 'object' && source !== null && 'file' in source)
        throw controlError(403, `externaldata '${uri}': local files can be allowed only in the config file given on the command line (m365d emulator --config), not over HTTP`)
      if (typeof source !== 'string') throw controlError(400, `externaldata '${uri}': expected the content as a string`)
    }
    const store = ctx.hunting
    // Files from the seed config stay; inline sources are replaced.
    for (const [uri, source] of store.externalData) if (typeof source === 'string') store.externalData.delete(uri)
    store.configure({ externalData: body as Record<string, string> })
    return json({ value: [...store.externalData.keys()] })
  })
  // Clears the call/CPU windows and drops generated data (it regenerates from the incidents on the next query).
  addControlRoute(router, 'POST', '/hunting/reset', (_req, _url, _p, ctx) => {
    const store = ctx.hunting
    store.calls.reset()
    store.cpu.reset()
    store.reset()
    return new Response(null, { status: 204 })
  })
  addControlRoute(router, 'GET', '/hunting/:tenant/tables', (_req, _url, params, ctx) => {
    const tenant = ctx.directory.resolveTenant(params.tenant!)
    if (!tenant) throw controlError(404, `tenant '${params.tenant}' not found`)
    const tables = ctx.hunting.tables(tenant.id)
    return json(Object.fromEntries([...tables].map(([name, t]) => [name, t.rowCount])))
  })
}
