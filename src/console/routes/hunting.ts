import { HuntingClient, RateLimiter } from '../../defender/index.js'
import { M365dError } from '../../lib/errors.js'
import type { HuntRequest, HuntResponse } from '../api_types.js'
import type { ConsoleDeps } from '../deps.js'
import { ConsoleRequestError, json, readBody } from '../http.js'
import { resolveTenantScope } from '../sql/tenants.js'

/** Rows returned to the browser at most (each tenant's result may hold up to the API's 100,000). */
export const MAX_RESULT_ROWS = 10_000
const MAX_TENANTS = 200

const fallbackLimiters = new WeakMap<ConsoleDeps, RateLimiter>()

/**
 * POST /hunt — one KQL query across the selected tenants (or tags; default: every enabled tenant)
 * through Graph runHuntingQuery with each tenant's own token, under each tenant's quota (the
 * daemon's shared limiter keys quotas by tenant), four tenants at a time. Rows get a leading
 * `TenantId` column; a tenant that fails is reported beside the results with its fix.
 */
export async function postHunt(deps: ConsoleDeps, request: Request): Promise<Response> {
  const body = await readBody<HuntRequest>(request)
  const query = typeof body.query === 'string' ? body.query.trim() : ''
  if (!query) throw new ConsoleRequestError(400, 'ERR_CONSOLE_HUNT_QUERY', 'the query is empty', 'e.g. DeviceProcessEvents | take 10')
  if (query.length > 30_000) throw new ConsoleRequestError(400, 'ERR_CONSOLE_HUNT_QUERY', 'the query is over 30,000 characters')
  const scope = await resolveTenantScope(deps.db, { ...(Array.isArray(body.tenants) && { tenants: body.tenants }), ...(Array.isArray(body.tags) && { tags: body.tags }) })
  const { rows: tenantRows } = await deps.db.query<{ tenant_id: string; display_name: string | null }>(
    `SELECT tenant_id, display_name FROM m365d_tenants WHERE enabled AND ($1::text[] IS NULL OR tenant_id = ANY($1::text[])) ORDER BY display_name NULLS LAST, tenant_id`,
    [scope ?? null],
  )
  if (!tenantRows.length) throw new ConsoleRequestError(400, 'ERR_CONSOLE_HUNT_TENANTS', 'no enabled tenant matches the selection')
  if (tenantRows.length > MAX_TENANTS) throw new ConsoleRequestError(400, 'ERR_CONSOLE_HUNT_TENANTS', `at most ${MAX_TENANTS} tenants per query`, 'select a tag or fewer tenants')
  let limiter = deps.rateLimiter ?? fallbackLimiters.get(deps)
  if (!limiter) fallbackLimiters.set(deps, (limiter = new RateLimiter()))
  const results = new Map<string, HuntResponse['tenants'][number] & { rows_: Record<string, unknown>[]; columns: { name: string; type: string }[] }>()
  const queue = [...tenantRows]
  const worker = async () => {
    for (let t = queue.shift(); t; t = queue.shift()) {
      const started = performance.now()
      const client = new HuntingClient<'graph'>({
        tokenProvider: deps.tokenProvider,
        tenant: t.tenant_id,
        surface: 'graph',
        baseUrl: deps.cloud.graphApi,
        resource: deps.cloud.graphResource,
        rateLimiter: limiter,
        ...(deps.fetch && { fetch: deps.fetch }),
      })
      try {
        const r = await client.hunt(query, { ...(body.timespan && { timespan: body.timespan }), rowLimit: 'truncate', signal: request.signal })
        results.set(t.tenant_id, { tenantId: t.tenant_id, name: t.display_name, ok: true, rows: r.rows.length, tookMs: Math.round(performance.now() - started), rows_: r.rows, columns: r.schema })
      } catch (e) {
        const error = e instanceof M365dError ? { code: e.code, message: e.message, ...(e.hint && { hint: e.hint }) } : { code: 'ERR_UNEXPECTED', message: e instanceof Error ? e.message : String(e) }
        results.set(t.tenant_id, { tenantId: t.tenant_id, name: t.display_name, ok: false, rows: 0, tookMs: Math.round(performance.now() - started), error, rows_: [], columns: [] })
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(4, queue.length) }, worker))
  const columns: { name: string; type: string }[] = [{ name: 'TenantId', type: 'string' }]
  for (const r of results.values()) for (const c of r.columns) if (!columns.some((x) => x.name === c.name)) columns.push({ name: c.name, type: c.type })
  const rows: Record<string, unknown>[] = []
  let truncated = false
  for (const t of tenantRows) {
    for (const row of results.get(t.tenant_id)!.rows_) {
      if (rows.length >= MAX_RESULT_ROWS) {
        truncated = true
        break
      }
      rows.push({ TenantId: t.tenant_id, ...row })
    }
  }
  const response: HuntResponse = { columns, rows, tenants: tenantRows.map((t) => { const { rows_: _r, columns: _c, ...rest } = results.get(t.tenant_id)!; return rest }), truncated }
  return json(response)
}
