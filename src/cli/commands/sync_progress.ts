import type { DaemonEvent } from '../../sync/index.js'

/**
 * The first-backfill progress bar (issue 4 §3, issue 11 §1) on a terminal. Only a real backfill
 * (a stream's first pass: no watermark yet) draws it, never an incremental pass. Per tenant, how
 * far back the pass has reached in the backfill window (passes list newest first, so the oldest
 * creation time seen walks from now towards now − backfill), rolled up over the tenants still
 * backfilling. The numbers are the log's: records = incidents inserted or updated plus alerts
 * written, exactly what `pass finished` logs as `records`.
 *
 * One bar for every tenant backfilling at the same time: a tenant only shows it is backfilling with
 * its first page, which may come after another tenant already finished (PGlite serializes the
 * commits). So when every tenant in the bar is done, the bar still waits for the passes that were
 * running then and have not reported yet; it ends once they finished or joined it (passes started
 * later do not hold it up, so a busy daemon cannot keep it open).
 *
 * It only produces lines; the caller shows them in a LiveRegion (src/cli/output/live_region.ts),
 * which keeps them apart from log lines.
 */
export class BackfillProgress {
  readonly #fraction = new Map<string, number>()
  readonly #stored = new Map<string, number>()
  readonly #finished = new Set<string>()
  readonly #failed = new Set<string>()
  /** Tenants with a pass running (started, not yet ended), backfill or not. */
  readonly #running = new Set<string>()
  /** Once every tenant in the bar is done: the passes that were running then, not yet heard from. */
  #pending: Set<string> | undefined
  #lastDraw = 0

  constructor(
    private readonly o: {
      backfillMs: number
      /** Shows the bar (a LiveRegion's `set`). */
      show(lines: string[]): void
      /** The bar is over: `line` is its summary, to keep on screen. */
      done(line: string): void
      now?: () => number
      width?: number
    },
  ) {}

  onEvent(e: DaemonEvent): void {
    const now = (this.o.now ?? Date.now)()
    if (e.type === 'pass.started') return void this.#running.add(e.tenantId)
    if (e.type === 'pass.finished' || e.type === 'pass.failed' || e.type === 'pass.aborted') {
      this.#running.delete(e.tenantId)
      if (this.#pending?.delete(e.tenantId) && !this.#fraction.has(e.tenantId)) this.draw(now)
    }
    if (e.type === 'pass.progress' && e.stream.endsWith(':incidents')) {
      if (!e.backfill) return
      this.#pending?.delete(e.tenantId)
      this.#stored.set(e.tenantId, e.stored ?? 0)
      if (e.oldestCreated !== undefined) this.#fraction.set(e.tenantId, Math.min(1, Math.max(0, (now - e.oldestCreated) / this.o.backfillMs)))
      else if (!this.#fraction.has(e.tenantId)) this.#fraction.set(e.tenantId, 0)
      // Progress events come per page: redraw at most 5 times a second.
      if (now - this.#lastDraw >= 200) this.draw(now)
    } else if ((e.type === 'pass.finished' || e.type === 'pass.failed') && this.#fraction.has(e.tenantId)) {
      this.#fraction.set(e.tenantId, 1)
      this.#finished.add(e.tenantId)
      if (e.type === 'pass.finished') this.#stored.set(e.tenantId, e.records)
      else this.#failed.add(e.tenantId)
      this.draw(now)
    }
  }

  /** The bar's line, or undefined when no backfill is running. */
  line(): string | undefined {
    if (!this.#fraction.size) return undefined
    const values = [...this.#fraction.values()]
    const overall = values.reduce((a, b) => a + b, 0) / values.length
    const width = this.o.width ?? 30
    const filled = Math.round(overall * width)
    return `backfill [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${Math.round(overall * 100)}%  ${this.#finished.size}/${values.length} tenants  ${this.#total()} records`
  }

  draw(now = (this.o.now ?? Date.now)()): void {
    const line = this.line()
    if (line === undefined) return
    this.#lastDraw = now
    if (this.#finished.size === this.#fraction.size) {
      this.#pending ??= new Set([...this.#running].filter((t) => !this.#fraction.has(t)))
      if (!this.#pending.size) return this.finish()
    }
    this.o.show([line])
  }

  /** Ends the bar once every tenant in it finished its first pass (or at exit). */
  finish(): void {
    if (!this.#fraction.size) return
    const n = this.#fraction.size
    const failed = this.#failed.size ? ` (${this.#failed.size} failed: see the log)` : ''
    this.o.done(`backfill: ${this.#finished.size - this.#failed.size}/${n} tenant${n === 1 ? '' : 's'} done${failed}, ${this.#total()} records`)
    this.#fraction.clear()
    this.#stored.clear()
    this.#finished.clear()
    this.#failed.clear()
    this.#pending = undefined
  }

  #total(): number {
    return [...this.#stored.values()].reduce((a, b) => a + b, 0)
  }
}
