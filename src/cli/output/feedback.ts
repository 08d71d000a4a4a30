/**
 * Steps and notices for people watching a command: on stderr, so stdout stays data. On a terminal
 * a step is a spinner line that becomes `✓ label (2.3s)`; when stderr is not a terminal a step
 * that takes more than a second prints `label…` and then `label: done (2.3s)`, and quick steps
 * print nothing. Every step longer than a second is therefore visible either way (issue 11:
 * "a line or spinner for every step that takes more than a second").
 */
import { LiveRegion, SPINNER, type TerminalStream } from './live_region.js'

export interface FeedbackOptions {
  /** Ms before a step is announced when stderr is not a terminal. */
  announceAfterMs?: number
  /** Symbols off (NO_COLOR does not matter here, TERM=dumb does). */
  ascii?: boolean
}

export class Feedback {
  #region: LiveRegion | undefined
  constructor(
    private readonly stream: TerminalStream,
    private readonly options: FeedbackOptions = {},
  ) {}

  get tty(): boolean {
    return this.stream.isTTY === true
  }

  /** One line on stderr (above any live region). */
  notice(text: string): void {
    const line = text.endsWith('\n') ? text : `${text}\n`
    if (this.#region) this.#region.log(line)
    else this.stream.write(line)
  }

  /** Runs `work`, showing `label` while it runs (see the file comment). */
  async step<T>(label: string, work: () => Promise<T>): Promise<T> {
    const started = Date.now()
    const seconds = () => `${((Date.now() - started) / 1000).toFixed(1)}s`
    const ok = this.options.ascii ? 'ok' : '✓'
    const fail = this.options.ascii ? 'failed' : '✗'
    if (!this.tty || this.#region) {
      // Not a terminal (or a spinner already runs): announce only slow steps, as plain lines.
      let announced = false
      const timer = setTimeout(() => {
        announced = true
        this.notice(`${label}…`)
      }, this.options.announceAfterMs ?? 1000)
      timer.unref?.()
      try {
        const result = await work()
        if (announced) this.notice(`${label}: done (${seconds()})`)
        return result
      } catch (e) {
        if (announced) this.notice(`${label}: failed (${seconds()})`)
        throw e
      } finally {
        clearTimeout(timer)
      }
    }
    const region = new LiveRegion(this.stream)
    this.#region = region
    let frame = 0
    const draw = () => region.set([`${this.options.ascii ? '-\\|/'[frame++ % 4] : SPINNER[frame++ % SPINNER.length]} ${label}… ${seconds()}`])
    draw()
    const timer = setInterval(draw, 100)
    timer.unref?.()
    try {
      const result = await work()
      region.set([`${ok} ${label} (${seconds()})`])
      return result
    } catch (e) {
      region.set([`${fail} ${label} (${seconds()})`])
      throw e
    } finally {
      clearInterval(timer)
      region.done()
      this.#region = undefined
    }
  }

  /** A live region on stderr when it is a terminal (for progress bars); undefined otherwise. */
  region(): LiveRegion | undefined {
    if (!this.tty) return undefined
    this.#region = new LiveRegion(this.stream)
    return this.#region
  }

  /** Ends the region from {@link region}: notices print as plain lines again. */
  release(region: LiveRegion, keep = false): void {
    if (keep) region.done()
    else region.clear()
    if (this.#region === region) this.#region = undefined
  }
}
