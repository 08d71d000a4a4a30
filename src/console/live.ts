import type { Database } from '../sync/index.js'
import type { LiveEvent } from './api_types.js'
import { refreshDirtyRollups, refreshRollups, tenantsWithoutRollup } from './sql/rollups.js'

/**
 * Live updates: polls cheap sequence numbers in the store (the incident history id, the newest
 * tenant check, the write-back audit and health event ids) so changes by ANY worker on a shared
 * PostgreSQL reach the browser, refreshes the rollups of the tenants the writers marked dirty
 * (migration 5), and fans the news out to the open `/console/api/events` streams (server-sent events).
 */
export class LiveHub {
  readonly #clients = new Set<ReadableStreamDefaultController<Uint8Array>>()
  readonly #encoder = new TextEncoder()
  #last: { history: number; tenants: string; actions: number; health: number } | undefined
  #seq = 0
  #timer: ReturnType<typeof setInterval> | undefined
  #heartbeat: ReturnType<typeof setInterval> | undefined
  #fullTimer: ReturnType<typeof setInterval> | undefined
  #busy = false
  lastError: string | null = null

  constructor(private readonly db: Database, private readonly o: { pollMs: number; fullRefreshMs: number }) {}

  start(): void {
    this.#timer = setInterval(() => void this.poll(), this.o.pollMs)
    this.#heartbeat = setInterval(() => this.#send(': keep-alive\n\n'), 15_000)
    if (this.o.fullRefreshMs > 0) this.#fullTimer = setInterval(() => void refreshRollups(this.db, null).catch((e) => this.#noteError(e)), this.o.fullRefreshMs)
    for (const t of [this.#timer, this.#heartbeat, this.#fullTimer]) t?.unref?.()
    void this.poll()
  }

  close(): void {
    for (const t of [this.#timer, this.#heartbeat, this.#fullTimer]) if (t) clearInterval(t)
    for (const c of this.#clients) {
      try {
        c.close()
      } catch {
        // already closed by the browser
      }
    }
    this.#clients.clear()
  }

  /** One poll: compare sequences, refresh rollups of changed tenants, notify. Never overlaps itself. */
  async poll(): Promise<void> {
    if (this.#busy) return
    this.#busy = true
    try {
      const { rows } = await this.db.query<{ history: string; tenants: string | null; actions: string; health: string }>(
        `SELECT (SELECT coalesce(max(id), 0) FROM m365d_incident_history) AS history,
           (SELECT max(checked_at)::text || ':' || count(*) || ':' || count(*) FILTER (WHERE enabled) FROM m365d_tenants) AS tenants,
           (SELECT coalesce(max(id), 0) FROM m365d_console_actions) AS actions,
           (SELECT coalesce(max(id), 0) FROM m365d_health_events) AS health`,
      )
      const now = { history: Number(rows[0]!.history), tenants: rows[0]!.tenants ?? '', actions: Number(rows[0]!.actions), health: Number(rows[0]!.health) }
      const before = this.#last
      this.#last = now
      // Tenants whose incidents changed (marked in the writing transaction, by any worker) and
      // tenants added since: their rollups are recomputed before anyone is told.
      const missing = await tenantsWithoutRollup(this.db)
      if (missing.length) await refreshRollups(this.db, missing)
      const changedTenants = [...new Set([...missing, ...(await refreshDirtyRollups(this.db))])]
      if (!before) return
      if (now.history !== before.history || now.actions !== before.actions) this.emit({ type: 'incidents', seq: ++this.#seq })
      if (now.tenants !== before.tenants || changedTenants.length) this.emit({ type: 'tenants', seq: ++this.#seq })
      if (now.health !== before.health) this.emit({ type: 'health', seq: ++this.#seq })
      this.lastError = null
    } catch (e) {
      this.#noteError(e)
    } finally {
      this.#busy = false
    }
  }

  emit(e: LiveEvent): void {
    this.#send(`event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`)
  }

  /** The SSE response for one browser tab. */
  stream(signal: AbortSignal): Response {
    let controller: ReadableStreamDefaultController<Uint8Array> | undefined
    const body = new ReadableStream<Uint8Array>({
      start: (c) => {
        controller = c
        this.#clients.add(c)
        c.enqueue(this.#encoder.encode(`retry: 2000\nevent: hello\ndata: {"seq":${this.#seq}}\n\n`))
      },
      cancel: () => {
        if (controller) this.#clients.delete(controller)
      },
    })
    signal.addEventListener('abort', () => {
      if (!controller) return
      this.#clients.delete(controller)
      try {
        controller.close()
      } catch {
        // closed already
      }
    })
    return new Response(body, { headers: { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', 'x-accel-buffering': 'no' } })
  }

  get clients(): number {
    return this.#clients.size
  }

  #send(text: string): void {
    const bytes = this.#encoder.encode(text)
    for (const c of this.#clients) {
      try {
        c.enqueue(bytes)
      } catch {
        this.#clients.delete(c)
      }
    }
  }

  #noteError(e: unknown): void {
    this.lastError = e instanceof Error ? e.message : String(e)
  }
}
