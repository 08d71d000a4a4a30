/**
 * Hunting queries off the main thread (issue 10 §1): a small pool of worker threads (worker.ts),
 * each with a heap cap, so the emulator's API — tokens, incidents, /healthz — answers while a
 * query runs, and a query that exhausts its worker's heap or passes the hard timeout costs that
 * worker only: it is terminated and a fresh one takes its place.
 *
 * Idle workers are unref'd (they never keep a process alive) and ref'd while they run a job (an
 * awaited in-process query must not let the process exit). `close()` terminates them.
 */
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'
import type { Table } from '../../kql/index.js'
import { RESOURCES_MESSAGE, TIMEOUT_MESSAGE, UNKNOWN_MESSAGE, type QueryJob, type QueryOutcome } from './query.js'
import type { WorkerRequest } from './worker.js'

export interface PoolOptions {
  /** Worker threads (default 2). */
  workers?: number
  /** Heap cap of each worker (V8 old generation, default 768 MB). */
  maxOldGenerationSizeMb?: number
  /** How long after a job's deadline its worker is terminated (default 2 s). */
  graceMs?: number
}

interface Job {
  id: number
  tenant: string
  version: number
  tables: () => Map<string, Table>
  job: QueryJob
  hardTimeoutMs: number
  resolve: (o: QueryOutcome) => void
}

interface Slot {
  worker: Worker
  /** Tenant → table version this worker holds. */
  has: Map<string, number>
  job?: Job
  timer?: NodeJS.Timeout
  started: number
}

/**
 * The worker's entry: worker.js next to this module (tsc output: npm start, the tests). Running
 * from source under tsx there is only worker.ts, and Node 20 does not apply the parent's
 * `--import tsx` hooks to a worker's entry, so a one-line module registers tsx's loader first.
 */
function workerEntry(): URL {
  const js = new URL('./worker.js', import.meta.url)
  if (existsSync(fileURLToPath(js))) return js
  const ts = new URL('./worker.ts', import.meta.url).href
  const api = import.meta.resolve('tsx/esm/api')
  return new URL(`data:text/javascript,${encodeURIComponent(`import { register } from ${JSON.stringify(api)}; register(); await import(${JSON.stringify(ts)})`)}`)
}

/**
 * The parent's node flags minus those a file worker refuses or must not inherit (`node
 * --input-type=module -e …` would fail every worker with ERR_INPUT_TYPE_NOT_ALLOWED); loaders such
 * as `--import tsx` stay, so the worker runs from source where its parent does.
 */
function workerExecArgv(): string[] {
  const drop = /^--(input-type|eval|print|test|watch|inspect|experimental-test)/
  const out: string[] = []
  const argv = process.execArgv
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!
    if (a === '-e' || a === '-p') { i++; continue }
    if (drop.test(a)) continue
    out.push(a)
  }
  return out
}

export class HuntingPool {
  readonly #size: number
  readonly #heapMb: number
  readonly #graceMs: number
  readonly #slots: Slot[] = []
  readonly #queue: Job[] = []
  #nextId = 1
  #closed = false
  /** Workers replaced after a hard timeout or a crash (exposed for tests and /_emulator). */
  replaced = 0

  constructor(options: PoolOptions = {}) {
    this.#size = Math.max(1, options.workers ?? 2)
    this.#heapMb = options.maxOldGenerationSizeMb ?? 768
    this.#graceMs = options.graceMs ?? 2_000
  }

  /**
   * Runs a job for a tenant; never rejects for query failures (they are outcomes). A job still
   * running `deadlineMs` + grace after it started gets "Query exceeded the timeout period." and
   * its worker is replaced.
   */
  run(tenant: string, version: number, tables: () => Map<string, Table>, job: QueryJob, deadlineMs: number): Promise<QueryOutcome> {
    const hardTimeoutMs = deadlineMs + this.#graceMs
    if (this.#closed) return Promise.reject(new Error('the hunting worker pool is closed'))
    return new Promise((resolve) => {
      this.#queue.push({ id: this.#nextId++, tenant, version, tables, job, hardTimeoutMs, resolve })
      this.#dispatch()
    })
  }

  /** Terminates every worker; queued jobs fail with the service's "unexpected error". */
  async close(): Promise<void> {
    this.#closed = true
    for (const j of this.#queue.splice(0)) j.resolve(failure(500, 'InternalServerError', UNKNOWN_MESSAGE, 0))
    const slots = this.#slots.splice(0)
    for (const s of slots) {
      if (s.timer) clearTimeout(s.timer)
      s.job?.resolve(failure(500, 'InternalServerError', UNKNOWN_MESSAGE, performance.now() - s.started))
      s.job = undefined
    }
    await Promise.all(slots.map((s) => s.worker.terminate()))
  }

  get workers(): number {
    return this.#slots.length
  }

  #dispatch(): void {
    while (this.#queue.length > 0 && !this.#closed) {
      let slot = this.#slots.find((s) => s.job === undefined)
      if (!slot) {
        if (this.#slots.length >= this.#size) return
        slot = this.#spawn()
      }
      const job = this.#queue.shift()!
      slot.job = job
      slot.started = performance.now()
      slot.worker.ref()
      slot.timer = setTimeout(() => this.#kill(slot!, failure(400, 'BadRequest', TIMEOUT_MESSAGE, job.hardTimeoutMs)), job.hardTimeoutMs)
      this.#post(slot, job, slot.has.get(job.tenant) !== job.version)
    }
  }

  #post(slot: Slot, job: Job, withTables: boolean): void {
    const msg: WorkerRequest = { id: job.id, tenant: job.tenant, version: job.version, job: job.job, ...(withTables && { tables: job.tables() }) }
    slot.worker.postMessage(msg)
    if (withTables) slot.has.set(job.tenant, job.version)
  }

  #spawn(): Slot {
    const worker = new Worker(workerEntry(), { execArgv: workerExecArgv(), resourceLimits: { maxOldGenerationSizeMb: this.#heapMb, stackSizeMb: 8 } })
    worker.unref()
    const slot: Slot = { worker, has: new Map(), started: 0 }
    worker.on('message', (msg: { id: number; need?: true; outcome?: QueryOutcome }) => {
      const job = slot.job
      if (job === undefined || msg.id !== job.id) return
      if (msg.need) return this.#post(slot, job, true)
      this.#finish(slot, msg.outcome!)
    })
    // ERR_WORKER_OUT_OF_MEMORY and anything else that kills a worker end its job, not the emulator.
    worker.on('error', (e: Error & { code?: string }) => {
      const elapsed = performance.now() - slot.started
      this.#kill(slot, e.code === 'ERR_WORKER_OUT_OF_MEMORY' ? failure(400, 'BadRequest', RESOURCES_MESSAGE, elapsed) : failure(500, 'InternalServerError', UNKNOWN_MESSAGE, elapsed))
    })
    worker.on('exit', () => this.#kill(slot, failure(500, 'InternalServerError', UNKNOWN_MESSAGE, performance.now() - slot.started)))
    this.#slots.push(slot)
    return slot
  }

  #finish(slot: Slot, outcome: QueryOutcome): void {
    const job = slot.job!
    clearTimeout(slot.timer)
    slot.job = undefined
    slot.worker.unref()
    job.resolve(outcome)
    this.#dispatch()
  }

  /** Ends a worker and answers its job with `outcome`; the next dispatch spawns a replacement. */
  #kill(slot: Slot, outcome: QueryOutcome): void {
    const i = this.#slots.indexOf(slot)
    if (i < 0) return
    this.#slots.splice(i, 1)
    clearTimeout(slot.timer)
    this.replaced++
    const job = slot.job
    slot.job = undefined
    void slot.worker.terminate()
    job?.resolve(outcome)
    this.#dispatch()
  }
}

function failure(status: number, apiCode: string, message: string, elapsedMs: number): QueryOutcome {
  return { ok: false, status, apiCode, message, elapsedMs }
}
