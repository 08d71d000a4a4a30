import { TokenError } from '../../auth/errors.js'
import {
  DefenderApiError,
  DefenderForbiddenError,
  type DefenderClient,
  RetriesExhaustedError,
  incidentId,
  type AnyIncident,
  type Surface,
} from '../../defender/index.js'
import { M365dError } from '../../lib/errors.js'
import { graphReadiness, LEGACY_RETIREMENT_TEXT, readinessSettings, type GraphReadiness } from '../engine/surface.js'
import { surfaceClient, type SurfaceClientOptions } from '../engine/surface_client.js'
import { compareIncidents, newestUpdate, type FieldDifference } from './parity.js'

/**
 * `m365d migrate check` for one tenant: is it ready for Graph (roles granted), and does Graph list
 * the same incidents as the legacy API over the same window, field for field after mapping?
 * The report a partner shows a customer before 1 Feb 2027 (issue 8 §2; mssp-market.md §0 item 6
 * "a legacy↔Graph parity check before the cut-over").
 *
 * Both listings use the same window, `lastUpdateTime` from `since` up to the instant the check
 * started; an incident changed while the check runs would look different on the two sides, so
 * every discrepancy is read again by id on both surfaces and dropped (as `changedDuringCheck`)
 * when either copy is newer than that instant.
 */
export type MigrationStatus = 'ready' | 'needs_graph_consent' | 'inconsistent' | 'error'

export interface SurfaceListing {
  /** The surface answered the listing (false: no consent/role for it, or it failed). */
  listed: boolean
  incidents: number
  alerts: number
  error?: { code: string; message: string }
}

export interface TenantMigrationReport {
  tenantId: string
  status: MigrationStatus
  ok: boolean
  window: { since: string; until: string }
  readiness: GraphReadiness | null
  legacy: SurfaceListing
  graph: SurfaceListing
  onlyLegacy: string[]
  onlyGraph: string[]
  differences: FieldDifference[]
  changedDuringCheck: string[]
  /** Alert ids were compared (false when Graph could not `$expand=alerts`). */
  alertsCompared: boolean
  problems: { code: string; message: string; fix: string }[]
}

/** The tenant, the APIs' hosts and audiences, the limiter: {@link SurfaceClientOptions}. */
export interface MigrateCheckOptions extends SurfaceClientOptions {
  since: Date
  clientId?: string
  authorityHost?: string
  consentRedirectUri?: string
  now?: () => number
  /** Discrepancies read again by id, at most (default 200): bounds the calls on a very broken tenant. */
  maxRechecks?: number
  signal?: AbortSignal
}

export async function migrateCheck(o: MigrateCheckOptions): Promise<TenantMigrationReport> {
  const now = o.now ?? Date.now
  const until = new Date(now())
  const report: TenantMigrationReport = {
    tenantId: o.tenantId,
    status: 'error',
    ok: false,
    window: { since: o.since.toISOString(), until: until.toISOString() },
    readiness: null,
    legacy: { listed: false, incidents: 0, alerts: 0 },
    graph: { listed: false, incidents: 0, alerts: 0 },
    onlyLegacy: [],
    onlyGraph: [],
    differences: [],
    changedDuringCheck: [],
    alertsCompared: false,
    problems: [],
  }
  try {
    report.readiness = await graphReadiness({
      tokenProvider: o.tokenProvider,
      tenantId: o.tenantId,
      now: until.getTime(),
      recheck: true,
      ...readinessSettings(o),
    })
  } catch (e) {
    report.problems.push(problemOf(e, o.tenantId))
    return report
  }
  const r = report.readiness
  if (!r.ready) {
    report.status = 'needs_graph_consent'
    report.problems.push({
      code: 'needs_graph_consent',
      message: `the Graph roles are not granted in ${o.tenantId} (missing ${r.missingGraphRoles.join(', ')}); the legacy API stops on ${LEGACY_RETIREMENT_TEXT} (${r.daysLeft > 0 ? `${r.daysLeft} days left` : 'that date has passed'})`,
      fix: r.consentLink ? `a Global Administrator of the tenant opens ${r.consentLink}` : `a Global Administrator of the tenant grants the Graph permissions ${r.missingGraphRoles.join(', ')}`,
    })
  }

  const legacyClient = surfaceClient(o, 'legacy')
  const graphClient = surfaceClient(o, 'graph')
  const filter = { lastUpdateTime: { ge: o.since, le: until } }
  let expand = true
  const listGraph = async (): Promise<AnyIncident[]> => {
    try {
      return await collect(graphClient.listIncidents({ filter, expandAlerts: true, ...(o.signal && { signal: o.signal }) }) as AsyncIterable<AnyIncident>)
    } catch (e) {
      if (!isServerError(e)) throw e
      // `$expand=alerts` fails on big incidents (peers.md §4 item 8): compare without alert ids.
      expand = false
      return collect(graphClient.listIncidents({ filter, ...(o.signal && { signal: o.signal }) }) as AsyncIterable<AnyIncident>)
    }
  }
  const [legacy, graph] = await Promise.all([
    collect(legacyClient.listIncidents({ filter, ...(o.signal && { signal: o.signal }) }) as AsyncIterable<AnyIncident>).then(ok, failed),
    r.ready ? listGraph().then(ok, failed) : Promise.resolve(undefined),
  ])
  if (legacy?.error) {
    report.legacy.error = summary(legacy.error)
    // A tenant onboarded on Graph only has nothing to migrate: not a problem when Graph works.
    if (!(legacy.error instanceof DefenderForbiddenError) || !r.ready) report.problems.push(problemOf(legacy.error, o.tenantId))
  }
  if (graph?.error) {
    report.graph.error = summary(graph.error)
    report.problems.push(problemOf(graph.error, o.tenantId))
  }
  if (legacy?.items) report.legacy = { listed: true, incidents: legacy.items.length, alerts: legacy.items.reduce((n, i) => n + ((i as { alerts?: unknown[] }).alerts?.length ?? 0), 0) }
  if (graph?.items) report.graph = { listed: true, incidents: graph.items.length, alerts: graph.items.reduce((n, i) => n + ((i as { alerts?: unknown[] }).alerts?.length ?? 0), 0) }

  if (legacy?.items && graph?.items) {
    report.alertsCompared = expand
    let parity = compareIncidents(legacy.items, graph.items)
    if (!expand) parity = { ...parity, differences: parity.differences.filter((d) => d.field !== 'alertIds') }
    // Read every discrepancy again on both surfaces: changed since `until` → not a mismatch.
    const suspects = [...new Set([...parity.onlyLegacy, ...parity.onlyGraph, ...parity.differences.map((d) => d.id)])].slice(0, o.maxRechecks ?? 200)
    const changed = new Set<string>()
    for (const id of suspects) {
      const [a, b] = await Promise.all([getOrMissing(legacyClient, id, false, o.signal), getOrMissing(graphClient, id, expand, o.signal)])
      if (newestUpdate(a, b) > until.getTime()) changed.add(id)
    }
    report.changedDuringCheck = [...changed]
    report.onlyLegacy = parity.onlyLegacy.filter((id) => !changed.has(id))
    report.onlyGraph = parity.onlyGraph.filter((id) => !changed.has(id))
    report.differences = parity.differences.filter((d) => !changed.has(d.id))
    const mismatches = report.onlyLegacy.length + report.onlyGraph.length + report.differences.length
    if (mismatches) {
      report.problems.push({
        code: 'inconsistent',
        message: `${report.onlyLegacy.length} incident(s) only on legacy, ${report.onlyGraph.length} only on Graph, ${report.differences.length} field difference(s) after mapping`,
        fix: 'run the check again (a change in flight shows up once); persistent differences: compare the ids in the report in the Defender portal before switching',
      })
    }
  }
  const hasProblem = (code: string) => report.problems.some((p) => p.code === code)
  report.status = !r.ready ? 'needs_graph_consent' : hasProblem('inconsistent') ? 'inconsistent' : report.problems.length ? 'error' : 'ready'
  report.ok = report.status === 'ready'
  return report
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const i of items) out.push(i)
  return out
}

const ok = (items: AnyIncident[]) => ({ items, error: undefined })
const failed = (error: unknown) => ({ items: undefined, error })

async function getOrMissing(client: DefenderClient<Surface>, id: string, expandAlerts: boolean, signal: AbortSignal | undefined): Promise<AnyIncident | undefined> {
  try {
    const i = (await client.getIncident(id, { ...(expandAlerts && client.surface === 'graph' && { expandAlerts: true }), ...(signal && { signal }) })) as AnyIncident
    return incidentId(i) === id ? i : undefined
  } catch (e) {
    if (e instanceof DefenderApiError && e.status === 404) return undefined
    throw e
  }
}

function isServerError(e: unknown): boolean {
  if (e instanceof RetriesExhaustedError) return (e.lastStatus ?? 0) >= 500
  return e instanceof DefenderApiError && e.status >= 500
}

function summary(e: unknown): { code: string; message: string } {
  return { code: e instanceof M365dError ? e.code : 'ERR_UNEXPECTED', message: e instanceof Error ? e.message : String(e) }
}

function problemOf(e: unknown, tenantId: string): { code: string; message: string; fix: string } {
  if (e instanceof TokenError && e.errorCodes.includes(700016))
    return { code: 'not_consented', message: `the app has no service principal in ${tenantId} (AADSTS700016)`, fix: 'a Global Administrator of the tenant grants consent (m365d tenants onboard)' }
  const s = summary(e)
  return { ...s, fix: e instanceof M365dError && e.hint ? e.hint : 'check the app credentials and the API URLs (m365d tenants check)' }
}
