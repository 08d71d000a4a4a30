#!/usr/bin/env node
/**
 * The `m365d` executable: builds the CLI's io from `process`, runs it, and exits. This is the only
 * file that calls `process.exit` (style.md §14), so everything else stays testable in-process.
 */
import { getEventListeners } from 'node:events'
import { installWarningHandler, warningText } from './output/warnings.js'
import { runMain } from './run_main.js'

installWarningHandler(process, (w) => void process.stderr.write(`${warningText(w)}\n`))

const stop = new AbortController()
let signals = 0
const onSignal = (signal: NodeJS.Signals) => {
  // Long-running commands (emulator, demo) watch io.signal and close gracefully on the first
  // signal; a command that does not watch it, or a second signal, ends the process at once.
  if (++signals > 1 || getEventListeners(stop.signal, 'abort').length === 0) process.exit(signal === 'SIGINT' ? 130 : 143)
  stop.abort(new Error(`received ${signal}`))
}
process.on('SIGINT', onSignal)
process.on('SIGTERM', onSignal)
// `m365d token inspect … | head -3`: the reader went away; that is not an error worth a stack.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0)
  throw e
})

const code = await runMain(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
  cwd: process.cwd(),
  isTTY: process.stdout.isTTY === true,
  signal: stop.signal,
})
// Exit only once stdout has flushed: on a pipe, writes are asynchronous and process.exit would cut them.
process.stdout.write('', () => process.exit(code))
