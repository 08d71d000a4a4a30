/**
 * Control API for the Defender data, under `/_emulator/defender/…` (group `control`, never
 * faulted or logged): limits, raw incident CRUD, (re)generation and live mode.
 */
import type { EmulatorContext } from '../context.js'
import { addControlRoute, controlError, noContent, parseTime, readJson } from '../control/http.js'
import { json } from '../http_error.js'
import type { Router } from '../router.js'
import { mergeInto } from './generator.js'
import { mergeLimits } from './limits.js'
import { CLASSIFICATIONS, DETERMINATIONS, EXPERT_STATUSES, INCIDENT_STATUSES, SEVERITIES, type Incident } from './model.js'
import { legacyIncident } from './views.js'

function tenantId(ctx: EmulatorContext, segment: string): string {
  const tenant = ctx.directory.resolveTenant(segment)
  if (!tenant) throw controlError(404, `tenant '${segment}' not found`)
  return tenant.id
}

function incident(ctx: EmulatorContext, tid: string, raw: string): Incident {
  const inc = /^\d+$/.test(raw) ? ctx.defender.get(tid, Number(raw), { includeExpired: true }) : undefined
  if (!inc) throw controlError(404, `incident '${raw}' not found in tenant ${tid}`)
  return inc
}

function oneOf<T extends string>(body: Record<string, unknown>, field: string, values: readonly T[]): T | undefined {
  const v = body[field]
  if (v === undefined) return undefined
  if (typeof v !== 'string' || !values.includes(v as T)) throw controlError(400, `${field} must be one of ${values.join(', ')}`)
  return v as T
}

const FIELDS = ['incidentId', 'incidentName', 'description', 'severity', 'status', 'assignedTo', 'classification', 'determination', 'tags', 'createdTime', 'lastUpdateTime', 'mergeInto']

/** Raw field overrides in the legacy names; no classification/determination pairing rules (tests may need odd data). */
function overrides(body: Record<string, unknown>, allowed: string[]): Partial<Incident> & { mergeInto?: number } {
  const unknown = Object.keys(body).filter((k) => !allowed.includes(k))
  if (unknown.length) throw controlError(400, `unknown field(s): ${unknown.join(', ')} (allowed: ${allowed.join(', ')})`)
  const o: Partial<Incident> & { mergeInto?: number } = {}
  for (const k of ['incidentId', 'mergeInto'] as const) {
    if (body[k] === undefined) continue
    if (!Number.isSafeInteger(body[k]) || (body[k] as number) < 1) throw controlError(400, `${k} must be a positive integer`)
    o[k] = body[k] as number
  }
  for (const k of ['incidentName', 'description'] as const) {
    if (body[k] === undefined) continue
    if (typeof body[k] !== 'string') throw controlError(400, `${k} must be a string`)
    o[k] = body[k] as string
  }
  if (body.assignedTo !== undefined) {
    if (body.assignedTo !== null && typeof body.assignedTo !== 'string') throw controlError(400, 'assignedTo must be a string or null')
    o.assignedTo = body.assignedTo as string | null
  }
  if (body.tags !== undefined) {
    if (!Array.isArray(body.tags) || !body.tags.every((t) => typeof t === 'string')) throw controlError(400, 'tags must be an array of strings')
    o.tags = body.tags as string[]
  }
  const severity = oneOf(body, 'severity', SEVERITIES)
  const status = oneOf(body, 'status', [...INCIDENT_STATUSES, ...EXPERT_STATUSES])
  const classification = oneOf(body, 'classification', CLASSIFICATIONS)
  const determination = oneOf(body, 'determination', DETERMINATIONS)
  const createdTime = parseTime(body.createdTime, 'createdTime')
  const lastUpdateTime = parseTime(body.lastUpdateTime, 'lastUpdateTime')
  Object.assign(o, {
    ...(severity && { severity }),
    ...(status && { status }),
    ...(classification && { classification }),
    ...(determination && { determination }),
    ...(createdTime !== undefined && { createdTime }),
    ...(lastUpdateTime !== undefined && { lastUpdateTime }),
  })
  return o
}

function positiveInt(body: Record<string, unknown>, field: string, fallback: number, max: number): number {
  const v = body[field] ?? fallback
  if (!Number.isInteger(v) || (v as number) < 0 || (v as number) > max) throw controlError(400, `${field} must be an integer between 0 and ${max}`)
  return v as number
}

export function registerDefenderControlRoutes(router: Router<EmulatorContext>): void {
  addControlRoute(router, 'GET', '/defender/limits', (_req, _url, _p, ctx) => json(ctx.defender.limits))
  addControlRoute(router, 'PUT', '/defender/limits', async (req, _url, _p, ctx) => {
    ctx.defender.limits = mergeLimits(ctx.defender.limits, await readJson(req))
    // New numbers start from fresh windows.
    ctx.defender.limiter.reset()
    return json(ctx.defender.limits)
  })

  addControlRoute(router, 'GET', '/defender/tenants/:tenant/incidents', (_req, _url, p, ctx) => {
    const tid = tenantId(ctx, p.tenant!)
    const cutoff = ctx.clock.now() - ctx.defender.limits.retentionDays * 86_400_000
    return json({ tenantId: tid, value: ctx.defender.all(tid).map((i) => ({ ...i, retained: i.lastUpdateTime >= cutoff })) })
  })
  addControlRoute(router, 'POST', '/defender/tenants/:tenant/incidents', async (req, _url, p, ctx) => {
    const tid = tenantId(ctx, p.tenant!)
    const { mergeInto: _unused, ...o } = overrides(await readJson(req), FIELDS.filter((f) => f !== 'mergeInto'))
    return json(legacyIncident(ctx.defender.create(tid, o)), 201)
  })
  addControlRoute(router, 'PATCH', '/defender/tenants/:tenant/incidents/:id', async (req, _url, p, ctx) => {
    const tid = tenantId(ctx, p.tenant!)
    const inc = incident(ctx, tid, p.id!)
    const { mergeInto: target, incidentId: _id, ...o } = overrides(await readJson(req), FIELDS.filter((f) => f !== 'incidentId'))
    if (target !== undefined) mergeInto(inc, incident(ctx, tid, String(target)), ctx.clock.now())
    Object.assign(inc, o)
    if (o.lastUpdateTime === undefined) inc.lastUpdateTime = Math.max(ctx.clock.now(), inc.lastUpdateTime)
    return json(legacyIncident(inc))
  })
  addControlRoute(router, 'DELETE', '/defender/tenants/:tenant/incidents/:id', (_req, _url, p, ctx) => {
    const tid = tenantId(ctx, p.tenant!)
    if (!ctx.defender.delete(tid, incident(ctx, tid, p.id!).incidentId)) throw controlError(404, 'incident not found')
    return noContent()
  })
  addControlRoute(router, 'POST', '/defender/tenants/:tenant/generate', async (req, _url, p, ctx) => {
    const tid = tenantId(ctx, p.tenant!)
    const body = await readJson(req)
    const count = positiveInt(body, 'count', ctx.defender.incidentsPerTenant, 100_000)
    const seed = positiveInt(body, 'seed', ctx.defender.seed, 2 ** 31)
    const all = ctx.defender.generate(tid, { count, seed })
    const ids = [...all.incidents.keys()]
    return json({ tenantId: tid, count: ids.length, seed, firstId: ids[0] ?? null, lastId: ids[ids.length - 1] ?? null }, 201)
  })

  addControlRoute(router, 'GET', '/defender/live', (_req, _url, _p, ctx) => json(ctx.defender.live))
  addControlRoute(router, 'POST', '/defender/live', async (req, _url, _p, ctx) => {
    const body = await readJson(req)
    if (typeof body.running !== 'boolean') throw controlError(400, 'running (boolean) is required')
    const intervalMs = positiveInt(body, 'intervalMs', ctx.defender.live.intervalMs, 86_400_000)
    if (intervalMs < 10) throw controlError(400, 'intervalMs must be at least 10')
    ctx.defender.setLive(body.running, intervalMs)
    return json(ctx.defender.live)
  })
  addControlRoute(router, 'POST', '/defender/live/tick', async (req, _url, _p, ctx) => {
    const steps = positiveInt(await readJson(req), 'steps', 1, 10_000)
    return json({ changes: ctx.defender.tick(steps) })
  })
}
