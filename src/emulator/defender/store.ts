import type { Clock } from '../../lib/clock.js'
import { generateIncidents, maxSeverity, mergeInto, newAlert, newIncident, Prng, tenantSeed } from './generator.js'
import { defaultLimits, mergeLimits, RateLimiter, type DefenderLimits, type DefenderLimitsInput } from './limits.js'
import type { Incident } from './model.js'

export interface DefenderStoreOptions {
  /** Generator seed (default 1). Same seed + tenant id → same incidents. */
  seed?: number
  /** Incidents generated per tenant on its first access (default 250). */
  incidentsPerTenant?: number
  /** Changes to the default limits (documented quotas, see limits.ts); quotas merge per operation. */
  limits?: DefenderLimitsInput
}

interface TenantData {
  incidents: Map<number, Incident>
  nextId: number
  domain: string
  live: Prng
}

const DAY = 86_400_000

/** One change made by live mode: the incident it touched and when (epoch ms, the incident's new lastUpdateTime). */
export interface LiveChange {
  tenantId: string
  action: string
  incidentId: number
  at: number
}

/**
 * Incidents per tenant, generated lazily on first access. The only writer of incident data:
 * API PATCHes, control routes and live mode all go through here.
 */
export class DefenderStore {
  readonly #tenants = new Map<string, TenantData>()
  readonly limiter = new RateLimiter()
  limits: DefenderLimits
  seed: number
  incidentsPerTenant: number
  #liveTimer: ReturnType<typeof setInterval> | undefined
  #liveIntervalMs = 1000
  #liveCursor = 0
  /** Told about every change live mode makes, with its time (benchmarks time how fast each reaches a store). */
  onLiveChange: ((changes: LiveChange[]) => void) | undefined

  constructor(
    private readonly clock: Clock,
    private readonly domainOf: (tenantId: string) => string,
    options: DefenderStoreOptions = {},
  ) {
    this.seed = options.seed ?? 1
    this.incidentsPerTenant = options.incidentsPerTenant ?? 250
    this.limits = options.limits ? mergeLimits(defaultLimits(), options.limits) : defaultLimits()
  }

  #tenant(tenantId: string): TenantData {
    const id = tenantId.toLowerCase()
    let t = this.#tenants.get(id)
    if (!t) t = this.generate(id, { count: this.incidentsPerTenant, seed: this.seed })
    return t
  }

  /** (Re)generates a tenant's incidents, replacing what it had. */
  generate(tenantId: string, options: { count: number; seed: number }): TenantData {
    const id = tenantId.toLowerCase()
    const domain = this.domainOf(id)
    const s = tenantSeed(options.seed, id)
    // Tenant-specific id range so one tenant's ids rarely exist in another (isolation is visible).
    const firstId = 1000 + (s % 9000) * 1000
    const list = generateIncidents({ tenantId: id, tenantDomain: domain, seed: options.seed, count: options.count, now: this.clock.now(), firstId })
    const t: TenantData = { incidents: new Map(list.map((i) => [i.incidentId, i])), nextId: firstId + list.length, domain, live: new Prng(s ^ 0x5bd1e995) }
    this.#tenants.set(id, t)
    return t
  }

  get generatedTenants(): string[] {
    return [...this.#tenants.keys()]
  }

  /** Every incident of the tenant, including those past retention (control API "raw" view). */
  all(tenantId: string): Incident[] {
    return [...this.#tenant(tenantId).incidents.values()]
  }

  /** Incidents the API shows: within retention (by lastUpdateTime). */
  visible(tenantId: string): Incident[] {
    const cutoff = this.clock.now() - this.limits.retentionDays * DAY
    return this.all(tenantId).filter((i) => i.lastUpdateTime >= cutoff)
  }

  get(tenantId: string, id: number, options: { includeExpired?: boolean } = {}): Incident | undefined {
    const inc = this.#tenant(tenantId).incidents.get(id)
    if (!inc) return undefined
    if (!options.includeExpired && inc.lastUpdateTime < this.clock.now() - this.limits.retentionDays * DAY) return undefined
    return inc
  }

  /** Adds a new incident (generated, with optional overrides); returns it. */
  create(tenantId: string, overrides: Partial<Incident> = {}): Incident {
    const t = this.#tenant(tenantId)
    const now = this.clock.now()
    const inc = newIncident(t.live, { tenantId: tenantId.toLowerCase(), domain: t.domain, id: t.nextId++, createdTime: now, now, status: overrides.status ?? 'Active' })
    Object.assign(inc, { lastUpdateTime: now }, overrides, { tenantId: tenantId.toLowerCase() })
    if (overrides.incidentId !== undefined) {
      if (t.incidents.has(overrides.incidentId)) throw new RangeError(`incident ${overrides.incidentId} already exists`)
      t.nextId = Math.max(t.nextId, overrides.incidentId + 1)
    }
    for (const a of inc.alerts) a.incidentId = inc.incidentId
    t.incidents.set(inc.incidentId, inc)
    return inc
  }

  delete(tenantId: string, id: number): boolean {
    return this.#tenant(tenantId).incidents.delete(id)
  }

  /** Every alert of the tenant's visible incidents. */
  alerts(tenantId: string): { alert: Incident['alerts'][number]; incident: Incident }[] {
    return this.visible(tenantId).flatMap((incident) => incident.alerts.map((alert) => ({ alert, incident })))
  }

  /**
   * Live mode, one step per generated tenant: open a new incident, change a status, add an alert
   * or merge two incidents. Deterministic for a given seed, clock and step count.
   */
  tick(steps = 1): { tenantId: string; action: string; incidentId: number }[] {
    const changes: { tenantId: string; action: string; incidentId: number }[] = []
    for (let s = 0; s < steps; s++) {
      for (const [tenantId, t] of this.#tenants) changes.push({ tenantId, ...this.#step(tenantId, t) })
    }
    return changes
  }

  #step(tenantId: string, t: TenantData): { action: string; incidentId: number } {
    const now = this.clock.now()
    const rng = t.live
    const open = [...t.incidents.values()].filter((i) => i.status === 'Active' || i.status === 'InProgress')
    const roll = rng.next()
    if (roll < 0.35 || open.length < 2) return { action: 'created', incidentId: this.create(tenantId).incidentId }
    const target = rng.pick(open)
    target.lastUpdateTime = Math.max(now, target.lastUpdateTime)
    if (roll < 0.65) {
      target.status = target.status === 'Active' ? 'InProgress' : 'Resolved'
      if (target.status === 'Resolved') {
        target.classification = 'TruePositive'
        target.determination = 'Malware'
        for (const a of target.alerts) Object.assign(a, { status: 'Resolved', resolvedTime: now, lastUpdatedTime: now })
      }
      return { action: `status:${target.status}`, incidentId: target.incidentId }
    }
    if (roll < 0.9) {
      target.alerts.push(newAlert(rng, { incidentId: target.incidentId, domain: t.domain, at: now }))
      target.severity = maxSeverity(target.alerts.map((a) => a.severity))
      return { action: 'alert-added', incidentId: target.incidentId }
    }
    const into = rng.pick(open.filter((i) => i !== target))
    mergeInto(target, into, now)
    return { action: `merged-into:${into.incidentId}`, incidentId: target.incidentId }
  }

  get live(): { running: boolean; intervalMs: number } {
    return { running: this.#liveTimer !== undefined, intervalMs: this.#liveIntervalMs }
  }

  /**
   * Starts/stops a real-time ticker: every generated tenant changes once per `intervalMs`. The
   * steps are spread over the interval (round-robin, a slice of the tenants every few ms) rather
   * than all tenants at the same instant, so 1,000 tenants change continuously instead of in one
   * burst per interval. Unref'd so it never keeps a process alive.
   */
  setLive(running: boolean, intervalMs = this.#liveIntervalMs): void {
    if (this.#liveTimer) clearInterval(this.#liveTimer)
    this.#liveTimer = undefined
    this.#liveIntervalMs = intervalMs
    if (running) {
      const tenants = Math.max(1, this.#tenants.size)
      // At most ~100 wake-ups per second, and never more often than one tenant per step.
      const periodMs = Math.max(10, Math.min(intervalMs, Math.floor(intervalMs / tenants)))
      const perPeriod = periodMs * tenants / intervalMs
      let owed = 0
      this.#liveTimer = setInterval(() => {
        owed += perPeriod
        const n = Math.floor(owed)
        owed -= n
        if (n > 0) this.#liveStep(n)
      }, periodMs)
      this.#liveTimer.unref()
    }
  }

  /** Steps the next `n` tenants in round-robin order (tenants generated later join the rotation). */
  #liveStep(n: number): void {
    const ids = [...this.#tenants.keys()]
    if (!ids.length) return
    const changes: LiveChange[] = []
    const at = this.clock.now()
    for (let i = 0; i < Math.min(n, ids.length); i++) {
      const tenantId = ids[this.#liveCursor++ % ids.length]!
      changes.push({ tenantId, ...this.#step(tenantId, this.#tenants.get(tenantId)!), at })
    }
    this.onLiveChange?.(changes)
  }
}
