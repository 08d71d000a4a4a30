import { systemClock, type Clock } from '../lib/clock.js'
import { M365dArgumentError } from '../lib/errors.js'
import { getAlertRequest, listAlertsRequest, processGetAlertResponse, processListAlertsResponse, type AlertFilter } from './alerts_list.js'
import { authorization, type TokenSource } from './authorization.js'
import { compose, type DefenderRequest, type Surface } from './call.js'
import type { IncidentFilter } from './filter.js'
import { getIncidentRequest, processGetIncidentResponse } from './incident_get.js'
import { incidentCommentRequest, incidentUpdateBody, processIncidentCommentResponse, processUpdateIncidentResponse, updateIncidentRequest, type IncidentUpdate } from './incident_update.js'
import { listIncidentsRequest, MAX_PAGE_SIZE, processCollection, type Page } from './incidents_list.js'
import type { Comment, GraphAlert, GraphComment, GraphIncident, Incident } from './models.js'
import { alertCommentRequest, processCommentsResponse, processUpdateAlertResponse, updateAlertRequest, type AlertUpdate } from './alert_update.js'
import { nextLinkPages, pagedList, skipPages, type PagedList } from './paging.js'
import { rateLimit, RateLimiter, type RateLimits } from './rate_limiter.js'
import { createExecutor, type Execute, type RetryOptions } from './retry.js'
import { transport } from './transport.js'
import { warnLegacyUse } from './legacy_warning.js'

/** API hosts and token audiences of a cloud (src/auth `Cloud` fits structurally). */
export interface DefenderCloud {
  defenderApi: string
  defenderResource: string
  graphApi: string
  graphResource: string
}

/** Commercial cloud (defender-api.md §1.1, §1.3). */
export const COMMERCIAL: DefenderCloud = {
  defenderApi: 'https://api.security.microsoft.com',
  defenderResource: 'https://api.security.microsoft.com',
  graphApi: 'https://graph.microsoft.com',
  graphResource: 'https://graph.microsoft.com',
}

export interface DefenderClientOptions<S extends Surface = Surface> {
  tokenProvider: TokenSource
  /** Tenant id (GUID) or domain the calls are for; selects the token. */
  tenant: string
  /**
   * `graph` (default) = Microsoft Graph security API (`/v1.0/security/incidents`, `alerts_v2`);
   * `legacy` = api.security.microsoft.com `/api/incidents`, which stops working on 1 Feb 2027
   * (MC1220762): opting in emits a one-time DeprecationWarning (legacy_warning.ts).
   */
  surface?: S
  /** API hosts and audiences (default commercial). */
  cloud?: DefenderCloud
  /** Override the API base URL (e.g. the emulator's); the token audience stays the cloud's. */
  baseUrl?: string
  /** Override the token audience. */
  resource?: string
  fetch?: typeof fetch
  clock?: Clock
  /** Client-side quotas (default: the surface's profile, quotas.ts); `false` turns the limiter off. */
  limits?: RateLimits | false
  /** A limiter shared between clients (same app, many tenants); its keys include the tenant. */
  rateLimiter?: RateLimiter
  retry?: RetryOptions
  /** Per-attempt timeout in ms (default 30,000; 0 = none). */
  timeoutMs?: number
  /** Force one token refresh on 403 in case the roles are stale (default true). */
  refreshOn403?: boolean
}

export interface ListIncidentsOptions {
  filter?: IncidentFilter
  rawFilter?: string
  /** Page size (default: the surface maximum, 50 Graph / 100 legacy). */
  pageSize?: number
  /** Stop after this many incidents. */
  limit?: number
  /** Graph only. */
  expandAlerts?: boolean
  /** Graph only. */
  orderBy?: string
  signal?: AbortSignal
}

export interface ListAlertsOptions {
  filter?: AlertFilter
  rawFilter?: string
  pageSize?: number
  limit?: number
  orderBy?: string
  signal?: AbortSignal
}

type IncidentOf<S extends Surface> = S extends 'graph' ? GraphIncident : Incident

/**
 * One typed client over both Defender incident surfaces. Every call runs through the pipeline
 * retry/timeout → authorization → rate limit → transport (see docs/defender.md). The client
 * never logs; it publishes diagnostics_channel events.
 */
export class DefenderClient<S extends Surface = 'graph'> {
  readonly surface: S
  readonly tenant: string
  readonly baseUrl: string
  readonly resource: string
  readonly #execute: Execute

  constructor(options: DefenderClientOptions<S>) {
    const p = clientPipeline(options)
    this.surface = p.surface
    this.tenant = p.tenant
    this.baseUrl = p.baseUrl
    this.resource = p.resource
    this.#execute = p.execute
  }

  /** Incidents as an async iterable (`for await (const i of client.listIncidents())`), `.pages()` for pages. */
  listIncidents(options: ListIncidentsOptions = {}): PagedList<IncidentOf<S>> {
    // A small limit asks for a small page: no point transferring 100 incidents to show 5.
    const pageSize = options.pageSize ?? Math.min(MAX_PAGE_SIZE[this.surface], Math.max(1, options.limit ?? Infinity))
    const params = {
      baseUrl: this.baseUrl,
      surface: this.surface,
      top: pageSize,
      ...(options.filter && { filter: options.filter }),
      ...(options.rawFilter && { rawFilter: options.rawFilter }),
      ...(options.expandAlerts && { expandAlerts: true }),
      ...(options.orderBy && { orderBy: options.orderBy }),
    }
    listIncidentsRequest(params) // validate arguments now, not at the first iteration
    const signal = options.signal
    const run = (request: DefenderRequest) => this.#execute(request, (r) => processCollection<IncidentOf<S>>(r, request.url), signal ? { signal } : {})
    const pages =
      this.surface === 'legacy'
        ? () => skipPages((skip) => run(listIncidentsRequest({ ...params, skip })), pageSize)
        : () => nextLinkPages(() => run(listIncidentsRequest(params)), (url) => run({ ...listIncidentsRequest(params), url }), new URL(this.baseUrl).origin)
    return pagedList(pages, options.limit, (i) => String((i as Incident).incidentId ?? (i as GraphIncident).id))
  }

  /** One incident; ERR_HTTP_STATUS with status 404 when it does not exist. */
  getIncident(id: string | number, options: { expandAlerts?: boolean; signal?: AbortSignal } = {}): Promise<IncidentOf<S>> {
    const request = getIncidentRequest({ baseUrl: this.baseUrl, surface: this.surface, id, ...(options.expandAlerts && { expandAlerts: true }) })
    return this.#execute(request, (r) => processGetIncidentResponse(r, this.surface, request.url), options.signal ? { signal: options.signal } : {})
  }

  /**
   * Updates an incident (values validated before any call; see {@link IncidentUpdate}) and returns
   * it as the server now has it (`lastUpdateTime` bumped). Graph: a comment is a separate POST.
   */
  async updateIncident(id: string | number, update: IncidentUpdate, options: { signal?: AbortSignal } = {}): Promise<IncidentOf<S>> {
    const opts = options.signal ? { signal: options.signal } : {}
    const body = incidentUpdateBody(update, this.surface)
    if (this.surface === 'legacy' || Object.keys(body).length) {
      const request = updateIncidentRequest({ baseUrl: this.baseUrl, surface: this.surface, id, update: this.surface === 'graph' ? { ...update, comment: undefined } as IncidentUpdate : update })
      const updated = await this.#execute(request, (r) => processUpdateIncidentResponse(r, this.surface, request.url), opts)
      if (this.surface === 'legacy' || update.comment === undefined) return updated
    }
    const post = incidentCommentRequest({ baseUrl: this.baseUrl, id, comment: update.comment! })
    await this.#execute(post, (r) => processIncidentCommentResponse(r, post.url), opts)
    return this.getIncident(id, options)
  }

  /** Graph alerts_v2 list. The legacy surface has no alert list (alerts come inside incidents). */
  listAlerts(options: ListAlertsOptions = {}): PagedList<GraphAlert> {
    this.#requireGraph('listAlerts')
    const params = { baseUrl: this.baseUrl, ...(options.filter && { filter: options.filter }), ...(options.rawFilter && { rawFilter: options.rawFilter }), ...(options.pageSize && { top: options.pageSize }), ...(options.orderBy && { orderBy: options.orderBy }) }
    const first = listAlertsRequest(params)
    const opts = options.signal ? { signal: options.signal } : {}
    const run = (request: DefenderRequest) => this.#execute(request, (r) => processListAlertsResponse(r, request.url), opts) as Promise<Page<GraphAlert>>
    return pagedList(() => nextLinkPages(() => run(first), (url) => run({ ...first, url }), new URL(this.baseUrl).origin), options.limit, (a) => a.id)
  }

  /** Graph alerts_v2 get. */
  getAlert(id: string, options: { signal?: AbortSignal } = {}): Promise<GraphAlert> {
    this.#requireGraph('getAlert')
    const request = getAlertRequest({ baseUrl: this.baseUrl, id })
    return this.#execute(request, (r) => processGetAlertResponse(r, request.url), options.signal ? { signal: options.signal } : {})
  }

  /** Graph: updates an alert (status, assignedTo, classification/determination) and returns it as the server now has it. */
  updateAlert(id: string, update: AlertUpdate, options: { signal?: AbortSignal } = {}): Promise<GraphAlert> {
    this.#requireGraph('updateAlert')
    const request = updateAlertRequest({ baseUrl: this.baseUrl, id, update })
    return this.#execute(request, (r) => processUpdateAlertResponse(r, request.url), options.signal ? { signal: options.signal } : {})
  }

  /** Graph: adds a comment to an alert; resolves to every comment of the alert. */
  commentAlert(id: string, comment: string, options: { signal?: AbortSignal } = {}): Promise<GraphComment[]> {
    this.#requireGraph('commentAlert')
    const request = alertCommentRequest({ baseUrl: this.baseUrl, id, comment })
    return this.#execute(request, (r) => processCommentsResponse(r, request.url), options.signal ? { signal: options.signal } : {})
  }

  /**
   * Adds a comment to an incident. Graph: `POST …/incidents/{id}/comments`, resolving to every
   * comment of the incident; legacy: a PATCH with `comment`, resolving to the incident's comments.
   */
  async commentIncident(id: string | number, comment: string, options: { signal?: AbortSignal } = {}): Promise<GraphComment[] | Comment[]> {
    const opts = options.signal ? { signal: options.signal } : {}
    if (this.surface === 'legacy') return ((await this.updateIncident(id, { comment }, options)) as Incident).comments ?? []
    const request = incidentCommentRequest({ baseUrl: this.baseUrl, id, comment })
    return this.#execute(request, (r) => processCommentsResponse(r, request.url), opts)
  }

  #requireGraph(what: string): void {
    if (this.surface !== 'graph')
      throw new M365dArgumentError(`${what} needs the Graph surface`, { hint: "create the client with surface: 'graph' (the legacy API returns alerts inside incidents)" })
  }
}

/** The surface a client uses: Graph unless the caller opts into legacy (which warns once per process). */
export function resolveSurface(surface: Surface | undefined): Surface {
  const s = surface ?? 'graph'
  if (s !== 'legacy' && s !== 'graph') throw new M365dArgumentError(`unknown surface "${String(s)}"`, { hint: "use 'graph' (default) or 'legacy'" })
  if (s === 'legacy') warnLegacyUse()
  return s
}

/** What a client is built on: its surface, tenant, base URL and audience, and the call pipeline. */
export interface ClientPipeline<S extends Surface> {
  surface: S
  tenant: string
  baseUrl: string
  resource: string
  clock: Clock
  execute: Execute
}

/**
 * The pipeline of every client (DefenderClient, HuntingClient): retry/timeout → authorization →
 * rate limit → transport, for one tenant on one surface. `defaultTimeoutMs` is the per-attempt
 * timeout when the options give none (default the executor's).
 */
export function clientPipeline<S extends Surface>(options: DefenderClientOptions<S>, defaultTimeoutMs?: number): ClientPipeline<S> {
  const surface = resolveSurface(options.surface) as S
  if (!options.tenant) throw new M365dArgumentError('tenant is required')
  const cloud = options.cloud ?? COMMERCIAL
  const tenant = options.tenant
  const baseUrl = trim(options.baseUrl ?? (surface === 'graph' ? cloud.graphApi : cloud.defenderApi))
  const resource = options.resource ?? (surface === 'graph' ? cloud.graphResource : cloud.defenderResource)
  const clock = options.clock ?? systemClock
  const limiter = options.limits === false ? undefined : (options.rateLimiter ?? new RateLimiter({ ...(options.limits && { limits: options.limits }), clock }))
  const layers = [
    authorization({
      tokenProvider: options.tokenProvider,
      tenant,
      resource,
      apiName: surface === 'graph' ? 'Microsoft Graph' : 'Microsoft Threat Protection',
      ...(options.refreshOn403 !== undefined && { refreshOn403: options.refreshOn403 }),
    }),
    ...(limiter ? [rateLimit(limiter, `${new URL(baseUrl).origin}|${tenant}`)] : []),
  ]
  const timeoutMs = options.timeoutMs ?? defaultTimeoutMs
  const execute = createExecutor({
    send: compose(...layers)(transport(options.fetch)),
    clock,
    ...(options.retry && { retry: options.retry }),
    ...(timeoutMs !== undefined && { timeoutMs }),
  })
  return { surface, tenant, baseUrl, resource, clock, execute }
}

function trim(url: string): string {
  return url.endsWith('/') ? url.slice(0, -1) : url
}
