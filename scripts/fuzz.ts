/**
 * Long fuzz runs (issue 10 §8):
 *
 *   node --import tsx scripts/fuzz.ts <target|all> [--seconds N] [--seed S]
 *
 * Targets are listed in test/fuzz/targets.ts. Each runs in a worker thread; the main thread is a
 * watchdog that counts inputs through shared memory, so an input that never returns (an infinite
 * loop the per-input deadline cannot interrupt) is reported as a hang with the seed and input
 * number instead of freezing the run. Prints inputs/s and the total per target; exit 1 on any
 * crash or hang. Runs one target at a time (the machine may be shared).
 */
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads'
import { fuzz, type FuzzReport } from '../test/fuzz/target.js'
import { TARGETS } from '../test/fuzz/targets.js'

interface Job {
  name: string
  seconds: number
  seed: number
  counter: SharedArrayBuffer
}

/** No input finished for this long: the worker is stuck. */
const STALL_MS = 60_000

if (!isMainThread) {
  const job = workerData as Job
  const count = new Int32Array(job.counter)
  const target = TARGETS.find((t) => t.name === job.name)!
  const report = await fuzz(target, { seconds: job.seconds, seed: job.seed, onInput: () => Atomics.add(count, 0, 1) })
  parentPort!.postMessage(report)
} else {
  const args = process.argv.slice(2)
  const option = (name: string) => {
    const i = args.indexOf(name)
    return i >= 0 ? args[i + 1] : undefined
  }
  const which = args.find((a, i) => !a.startsWith('--') && !args[i - 1]?.startsWith('--'))
  const names = which === undefined || which === 'all' ? TARGETS.map((t) => t.name) : [which]
  const unknown = names.filter((n) => !TARGETS.some((t) => t.name === n))
  if (unknown.length || args.includes('--help')) {
    console.error(`usage: node --import tsx scripts/fuzz.ts <${TARGETS.map((t) => t.name).join('|')}|all> [--seconds N] [--seed S]`)
    for (const t of TARGETS) console.error(`  ${t.name.padEnd(14)} ${t.description}`)
    process.exit(2)
  }
  const seconds = Number(option('--seconds') ?? 60)
  const seed = Number(option('--seed') ?? Date.now() % 2 ** 31)
  let failed = false
  for (const name of names) {
    const report = await runOne({ name, seconds, seed, counter: new SharedArrayBuffer(4) })
    const result = report.failure ? `FAIL ${report.failure.message}` : 'ok (no crash, no hang)'
    console.log(
      `${name.padEnd(14)} ${String(report.runs).padStart(9)} inputs in ${report.seconds.toFixed(1)} s = ${Math.round(report.inputsPerSecond).toLocaleString('en')} /s, slowest ${report.slowestMs.toFixed(1)} ms, seed ${report.seed}: ${result}`,
    )
    if (report.failure) {
      failed = true
      console.log(`  input: ${report.failure.counterexample}\n  replay: M365D_FUZZ_SEED=${report.seed} (fast-check path ${report.failure.path ?? '-'})`)
    }
  }
  process.exit(failed ? 1 : 0)
}

function runOne(job: Job): Promise<FuzzReport> {
  const count = new Int32Array(job.counter)
  // Node 20 does not pass `--import tsx` to workers: the worker registers tsx itself, then loads this file.
  const self = import.meta.url
  const boot = self.endsWith('.ts')
    ? `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((m) => { m.register(); return import(${JSON.stringify(self)}) })`
    : `import(${JSON.stringify(self)})`
  const worker = new Worker(boot, { eval: true, workerData: job })
  return new Promise((resolve, reject) => {
    let last = 0
    let lastChange = Date.now()
    const watchdog = setInterval(() => {
      const now = Atomics.load(count, 0)
      if (now !== last) {
        last = now
        lastChange = Date.now()
      } else if (Date.now() - lastChange > STALL_MS) {
        clearInterval(watchdog)
        void worker.terminate()
        resolve({
          target: job.name,
          seed: job.seed,
          runs: now,
          seconds: job.seconds,
          inputsPerSecond: 0,
          slowestMs: STALL_MS,
          failure: { message: `hang: input #${now + 1} did not return within ${STALL_MS / 1000} s`, counterexample: '(see the seed and input number)', path: undefined },
        })
      }
    }, 1000)
    worker.once('message', (report: FuzzReport) => {
      clearInterval(watchdog)
      void worker.terminate()
      resolve(report)
    })
    worker.once('error', (e) => {
      clearInterval(watchdog)
      reject(e)
    })
  })
}
