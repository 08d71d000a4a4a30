import type { DaemonEvent } from '../../sync/index.js'

/**
 * The first-backfill progress bar (issue 4 §3) on a TTY: per tenant, how far back the pass has
 * reached in the backfill window (passes list newest first, so the oldest creation time seen
 * walks from now towards now − backfill), rolled up over the tenants still backfilling.
 */
export class BackfillProgress {
  readonly #fraction = new Map<string, number>()
  readonly #records = new Map<string, number>()
  #lastDraw = 0
  #shown = false

  constructor(
    private readonly o: { backfillMs: number; write(text: string): void; now?: () => number; width?: number },
  ) {}

  onEvent(e: DaemonEvent): void {
    const now = (this.o.now ?? Date.now)()
    if (e.type === 'pass.progress' && e.stream.endsWith(':incidents')) {
      this.#records.set(e.tenantId, e.records)
      if (e.oldestCreated !== undefined) this.#fraction.set(e.tenantId, Math.min(1, Math.max(0, (now - e.oldestCreated) / this.o.backfillMs)))
      // Progress events come per page: redraw at most 5 times a second.
      if (now - this.#lastDraw >= 200) this.draw(now)
    } else if ((e.type === 'pass.finished' || e.type === 'pass.failed') && this.#records.has(e.tenantId)) {
      this.#fraction.set(e.tenantId, 1)
      this.draw(now)
    }
  }

  draw(now = (this.o.now ?? Date.now)()): void {
    if (!this.#fraction.size) return
    this.#lastDraw = now
    const values = [...this.#fraction.values()]
    const done = values.filter((f) => f >= 1).length
    const overall = values.reduce((a, b) => a + b, 0) / values.length
    const width = this.o.width ?? 30
    const filled = Math.round(overall * width)
    const records = [...this.#records.values()].reduce((a, b) => a + b, 0)
    this.o.write(`\r\x1b[2Kbackfill [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${Math.round(overall * 100)}%  ${done}/${values.length} tenants  ${records} records`)
    this.#shown = true
    if (done === values.length) this.finish()
  }

  /** Ends the bar's line once every tenant in it finished its first pass. */
  finish(): void {
    if (this.#shown) this.o.write('\n')
    this.#shown = false
    this.#fraction.clear()
    this.#records.clear()
  }
}
