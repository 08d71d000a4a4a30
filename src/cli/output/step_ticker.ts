/**
 * Keeps a step's spinner turning while the main thread cannot: PGlite creates and opens the
 * embedded database in WebAssembly, which holds the event loop for seconds (~15 s for the first
 * run's initdb on a small machine), so the spinner's interval never fires and the screen shows
 * "⠴ Creating the embedded database… 2.0s" frozen — a hung command, to the user (issue 11 §2: "a
 * line or spinner for every step that takes more than a second").
 *
 * A worker thread draws the same one-line frame directly on the terminal's file descriptor
 * (`fs.writeSync`, which does not go through the blocked main thread) whenever the main thread has
 * not drawn for a while. The two never write at once, and the worker never writes after the step
 * ended: every write on either side happens under a lock in shared memory (Atomics), and the main
 * thread sets `stopped` under that lock before it draws the step's last frame. The worker writes
 * exactly what LiveRegion writes to replace a one-row frame (carriage return, cursor up, erase the
 * row, the line, newline), so the region's own bookkeeping stays true.
 */
import { Worker } from 'node:worker_threads'

const LOCK = 0
const STOPPED = 1
/** Ms after the step's start when the main thread last drew. */
const MAIN_DREW = 2

/** Worker source (CommonJS, eval'd): nothing to resolve from dist/ at run time. */
const SOURCE = `
const { workerData } = require('node:worker_threads')
const { writeSync } = require('node:fs')
const { shared, fd, label, frames, started, width, quietMs } = workerData
const state = new Int32Array(shared)
let frame = 0
const cut = (s) => ([...s].length > width ? [...s].slice(0, width - 1).join('') + '…' : s)
const timer = setInterval(() => {
  if (Atomics.load(state, ${STOPPED})) return clearInterval(timer)
  const elapsed = Date.now() - started
  if (elapsed - Atomics.load(state, ${MAIN_DREW}) < quietMs) return
  if (Atomics.compareExchange(state, ${LOCK}, 0, 1) !== 0) return
  try {
    if (Atomics.load(state, ${STOPPED})) return clearInterval(timer)
    const line = cut(frames[frame++ % frames.length] + ' ' + label + '… ' + (elapsed / 1000).toFixed(1) + 's')
    writeSync(fd, '\\r\\u001b[1A\\u001b[2K' + line + '\\n')
  } catch {
    clearInterval(timer)
  } finally {
    Atomics.store(state, ${LOCK}, 0)
    Atomics.notify(state, ${LOCK})
  }
}, 100)
`

export class StepTicker {
  readonly #state = new Int32Array(new SharedArrayBuffer(3 * Int32Array.BYTES_PER_ELEMENT))
  readonly #worker: Worker
  readonly #started: number

  /**
   * Starts the worker for a step already drawn as a one-row frame on `fd` (a terminal). It draws
   * `frames[i] label… 12.3s`, cut to `width` columns, every 100 ms once the main thread has been
   * quiet for `quietMs`.
   */
  constructor(o: { fd: number; label: string; frames: readonly string[]; started: number; width: number; quietMs?: number }) {
    this.#started = o.started
    this.#worker = new Worker(SOURCE, {
      eval: true,
      workerData: { shared: this.#state.buffer, fd: o.fd, label: o.label, frames: [...o.frames], started: o.started, width: o.width, quietMs: o.quietMs ?? 300 },
      stdout: false,
      stderr: false,
    })
    this.#worker.unref()
    // A worker that cannot start (resource limits) only means a spinner that may pause.
    this.#worker.on('error', () => undefined)
  }

  /** Runs a draw of the main thread under the lock, and records that the main thread is alive. */
  draw(fn: () => void): void {
    this.#locked(() => {
      Atomics.store(this.#state, MAIN_DREW, Date.now() - this.#started)
      fn()
    })
  }

  /** Ends the ticker: after this returns the worker writes nothing more; then `last` draws the final frame. */
  stop(last: () => void): void {
    this.#locked(() => {
      Atomics.store(this.#state, STOPPED, 1)
      last()
    })
    void this.#worker.terminate()
  }

  #locked(fn: () => void): void {
    // The worker holds the lock only for one write of a line: wait for it in steps of 1 ms.
    while (Atomics.compareExchange(this.#state, LOCK, 0, 1) !== 0) Atomics.wait(this.#state, LOCK, 1, 1)
    try {
      fn()
    } finally {
      Atomics.store(this.#state, LOCK, 0)
    }
  }
}
