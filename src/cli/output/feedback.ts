/**
 * Steps and notices for people watching a command: on stderr, so stdout stays data. On a terminal
 * a step is a spinner line that becomes `✓ label (2.3s)`; when stderr is not a terminal a step
 * that takes more than a second prints `label…` and then `label: done (2.3s)`, and quick steps
 * print nothing. Every step longer than a second is therefore visible either way (issue 11:
 * "a line or spinner for every step that takes more than a second").
 */
import { LiveRegion, SPINNER, type TerminalStream } from './live_region.js'
import { StepTicker } from './step_ticker.js'

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

  #sink: ((text: string) => void) | undefined

  /** One line on stderr (above any live region), or to the sink set with {@link redirect}. */
  notice(text: string): void {
    if (this.#sink) return this.#sink(text.replace(/\n$/, ''))
    this.write(text.endsWith('\n') ? text : `${text}\n`)
  }

  /** Writes whole lines to stderr as they are, above any live region (log lines use this). */
  write(lines: string): void {
    if (this.#region) this.#region.log(lines)
    else this.stream.write(lines)
  }

  /**
   * Sends notices (steps, warnings) elsewhere until the returned function is called: `m365d sync`
   * with JSON logs turns them into log records, so stderr stays JSON lines.
   */
  redirect(sink: (text: string) => void): () => void {
    this.#sink = sink
    return () => {
      if (this.#sink === sink) this.#sink = undefined
    }
  }

  /**
   * Runs `work`, showing `label` while it runs (see the file comment). `blocking`: the work holds the
   * event loop for long stretches (PGlite's WebAssembly), so timers cannot fire while it runs: the
   * line is printed at once when stderr is not a terminal, and on a terminal a worker thread keeps
   * the spinner turning (step_ticker.ts).
   */
  async step<T>(label: string, work: () => Promise<T>, options: { blocking?: boolean } = {}): Promise<T> {
    const started = Date.now()
    const seconds = () => `${((Date.now() - started) / 1000).toFixed(1)}s`
    const ok = this.options.ascii ? 'ok' : '✓'
    const fail = this.options.ascii ? 'failed' : '✗'
    if (!this.tty || this.#region || this.#sink) {
      // Not a terminal, a spinner already runs, or notices go to a sink (JSON logs, also on a
      // terminal): announce only slow steps, as plain lines (records).
      let announced = options.blocking === true
      if (announced) this.notice(`${label}…`)
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
    const frames = this.options.ascii ? ['-', '\\', '|', '/'] : SPINNER
    let frame = 0
    const spin = () => region.set([`${frames[frame++ % frames.length]} ${label}… ${seconds()}`])
    spin()
    // Only on the process's own stderr: the worker writes to its file descriptor.
    const ticker = options.blocking && this.stream === process.stderr ? new StepTicker({ fd: process.stderr.fd, label, frames, started, width: region.width }) : undefined
    const draw = () => (ticker ? ticker.draw(spin) : spin())
    const timer = setInterval(draw, 100)
    timer.unref?.()
    const last = (line: string) => (ticker ? ticker.stop(() => region.set([line])) : region.set([line]))
    try {
      const result = await work()
      last(`${ok} ${label} (${seconds()})`)
      return result
    } catch (e) {
      last(`${fail} ${label} (${seconds()})`)
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

  /** Uses a region drawn elsewhere (e.g. on stdout): notices and log lines go above it until released. */
  adopt(region: LiveRegion): void {
    this.#region = region
  }

  /** Ends the region from {@link region}: notices print as plain lines again. */
  release(region: LiveRegion, keep = false): void {
    if (keep) region.done()
    else region.clear()
    if (this.#region === region) this.#region = undefined
  }
}
