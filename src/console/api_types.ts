/**
 * The console's JSON API (`/console/api/*`): the shapes the server sends and the web app reads.
 * The web app (web/) imports this file for its types only, so both sides agree at compile time.
 */

/** What the console shows for a tenant, derived from the stored health, the last error and the token roles. */
export type ConsoleHealth = 'ok' | 'pending' | 'paused' | 'not_consented' | 'missing_roles' | 'needs_graph_consent' | 'throttled' | 'failing'

export const SEVERITIES = ['high', 'medium', 'low', 'informational', 'unknown'] as const
export type SeverityKey = (typeof SEVERITIES)[number]

export interface SessionInfo {
  csrfToken: string
  /** The actor recorded in the write-back audit. */
  actor: string
  /** The daemon's incidents surface (tenants not pinned to another use it). */
  surface: 'legacy' | 'graph'
  /** Enabled tenants by the surface they are on: the one their last pass used, else the pinned one, else {@link surface}. */
  surfaces: Record<'legacy' | 'graph', number>
  workerId: string
  clientId: string
  startedAt: string
}

/** Per API, the same for every tenant (sent once per tenants page, not once per tenant). */
export interface RoleCatalogEntry {
  /** The API's audience in words, e.g. "Microsoft Threat Protection (legacy incidents API)". */
  label: string
  /** Roles the console needs on this API for reading / writing incidents and hunting. */
  needed: string[]
}

export interface RolesBySurface {
  api: 'legacy' | 'graph'
  granted: string[]
  /** Of the catalog's `needed`, those not granted. */
  missing: string[]
  checkedAt: string | null
  error: { code?: string; message?: string } | null
}

export interface TenantRowDto {
  tenantId: string
  name: string | null
  domain: string | null
  enabled: boolean
  tags: string[]
  health: ConsoleHealth
  /** The raw stored health value (ok, not_consented, …) for tooltips and logs. */
  storedHealth: string
  /** The fix in words, and the error the fix is for. */
  problem: { code?: string; message?: string; hint?: string } | null
  fix: string | null
  consentLink: string | null
  roles: RolesBySurface[]
  lastSync: string | null
  lagSeconds: number | null
  consecutiveFailures: number
  open: Record<SeverityKey, number>
  openTotal: number
  oldestOpenAgeSeconds: number | null
  incidents: number
  alerts: number
}

export interface FleetSummary {
  tenants: number
  byHealth: Record<ConsoleHealth, number>
  openTotal: number
  openHigh: number
  stale30d: number
  maxLagSeconds: number | null
  rollupAt: string | null
}

export interface TenantsResponse {
  tenants: TenantRowDto[]
  roleCatalog: Record<'legacy' | 'graph', RoleCatalogEntry>
  summary: FleetSummary
  tags: string[]
}

/** What the queue's tenant and group pickers need: names only, not the tenants page. */
export interface TenantChoicesResponse {
  tenants: { tenantId: string; name: string | null; domain: string | null }[]
  tags: string[]
}

export type QueueSort = 'updated' | 'created' | 'severity'

export interface QueueFilters {
  tenant?: string[]
  tag?: string[]
  severity?: string[]
  status?: string[]
  assignedTo?: string
  classification?: string[]
  /** Created within the last N hours (younger) or more than N hours ago (older). */
  minAgeHours?: number
  maxAgeHours?: number
  text?: string
  /** Open = active, inProgress, awaitingAction (the default view). */
  open?: boolean
}

export interface QueueItem {
  tenantId: string
  tenantName: string | null
  source: 'legacy' | 'graph'
  incidentId: string
  title: string | null
  severity: string | null
  status: string | null
  classification: string | null
  determination: string | null
  assignedTo: string | null
  createdTime: string | null
  lastUpdateTime: string
  alertCount: number
  tags: string[]
}

export interface QueueResponse {
  items: QueueItem[]
  /** Opaque keyset cursor for the next page; null on the last page. */
  next: string | null
  sort: QueueSort
  tookMs: number
}

export interface TimelineEntry {
  at: string
  kind: 'version' | 'comment' | 'action'
  version?: number
  changes?: Record<string, unknown>
  author?: string | null
  text?: string
  outcome?: 'ok' | 'error'
  confirmed?: boolean
  error?: { code?: string; message?: string; hint?: string } | null
}

export interface IncidentDetail {
  item: QueueItem
  raw: Record<string, unknown>
  alerts: { alertId: string; title: string | null; severity: string | null; status: string | null; createdTime: string | null; evidence: unknown[]; raw: Record<string, unknown> }[]
  comments: { at: string | null; author: string | null; text: string }[]
  timeline: TimelineEntry[]
  webUrl: string | null
}

/** One change applied to one or many incidents (bulk across tenants). */
export interface IncidentAction {
  status?: string
  assignedTo?: string
  classification?: string
  determination?: string
  tags?: string[]
  comment?: string
}

export interface ActionTarget {
  tenantId: string
  source: 'legacy' | 'graph'
  incidentId: string
}

export interface ActionResult extends ActionTarget {
  ok: boolean
  /** HTTP status from the tenant's API (403 = the app lacks the write permission there). */
  status?: number
  error?: { code: string; message: string; hint?: string }
  item?: QueueItem
}

export interface ActionResponse {
  results: ActionResult[]
}

export interface SlaTenantRow {
  tenantId: string
  name: string | null
  open: Record<SeverityKey, number>
  stale5d: number
  stale30d: number
  ttaP50Seconds: number | null
  ttaP90Seconds: number | null
  ttrP50Seconds: number | null
  ttrP90Seconds: number | null
  resolved: number
}

export interface SlaResponse {
  tenants: SlaTenantRow[]
  /** Fleet-wide new and resolved incidents per day (UTC), oldest first. */
  daily: { day: string; created: number; resolved: number }[]
  rollupAt: string | null
}

export interface SyncResponse {
  workers: { workerId: string; hostname: string | null; pid: number | null; startedAt: string; heartbeatAt: string; leases: number; alive: boolean; self: boolean }[]
  streams: {
    tenantId: string
    name: string | null
    stream: string
    leasedBy: string | null
    leaseExpiresAt: string | null
    watermark: string | null
    lagSeconds: number | null
    lastSuccessAt: string | null
    consecutiveFailures: number
    nextRunAt: string | null
    throttled: number
    apiCalls: number
    records: number
    rateLimitWaitSeconds: number
    lastError: { code?: string; message?: string; hint?: string } | null
  }[]
  outbox: { sink: string; pending: number; failing: number; lastError: string | null; oldest: string | null }[]
}

export interface HuntRequest {
  query: string
  tenants?: string[]
  tags?: string[]
  /** Graph `timespan` (ISO 8601 duration), e.g. P1D. */
  timespan?: string
}

export interface HuntResponse {
  columns: { name: string; type: string }[]
  rows: Record<string, unknown>[]
  tenants: { tenantId: string; name: string | null; ok: boolean; rows: number; tookMs: number; error?: { code: string; message: string; hint?: string } }[]
  truncated: boolean
}

export interface HealthEventDto {
  id: number
  at: string
  tenantId: string | null
  tenantName: string | null
  kind: string
  from: string | null
  to: string | null
  detail: unknown
}

export interface HealthEventsResponse {
  events: HealthEventDto[]
  counts: Record<string, number>
}

/** Server-sent event names on `/console/api/events`. */
export type LiveEvent =
  | { type: 'incidents'; seq: number }
  | { type: 'tenants'; seq: number }
  | { type: 'health'; seq: number }
