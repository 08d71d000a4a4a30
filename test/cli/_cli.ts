/**
 * Runs the real `m365d` executable as a child process: dist/src/cli/main.js when the tests run
 * compiled (`npm test`), or src/cli/main.ts through tsx in the dev loop. The child gets a clean
 * environment (no inherited M365D_*, HOME in a fresh temp dir) so a developer's own config never
 * leaks into a test.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const compiled = import.meta.url.endsWith('.js')
// test/cli → repo root; dist/test/cli → dist (which holds src/cli/main.js).
const root = resolve(here, '..', '..')
const entry = compiled ? [join(root, 'src', 'cli', 'main.js')] : ['--import', import.meta.resolve('tsx'), join(root, 'src', 'cli', 'main.ts')]

export interface CliResult {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

export interface CliOptions {
  env?: Record<string, string>
  /** Written to the child's stdin, which is then closed (closed empty when absent). */
  stdin?: string
  cwd?: string
  timeoutMs?: number
}

/** A fresh temp dir, e.g. for HOME or config files. */
export function tempDir(prefix = 'm365d-cli-'): string {
  return mkdtempSync(join(tmpdir(), prefix))
}

function childEnv(env: Record<string, string> = {}): Record<string, string> {
  return { PATH: process.env.PATH ?? '', HOME: tempDir('m365d-home-'), NO_COLOR: '1', ...env }
}

/** Starts the CLI and returns the live child (for long-running commands such as `emulator`). */
export function startCli(args: string[], options: CliOptions = {}): ChildProcessWithoutNullStreams {
  const child = spawn(process.execPath, [...entry, ...args], { cwd: options.cwd ?? tempDir(), env: childEnv(options.env) })
  child.stdin.end(options.stdin ?? '')
  return child
}

/** Runs the CLI to completion and collects its output. */
export function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  const child = startCli(args, options)
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d))
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
  let timedOut = false
  // Generous: on the shared 2-core machine a tsx child can take seconds just to start.
  const timer = setTimeout(() => {
    timedOut = true
    child.kill('SIGKILL')
  }, options.timeoutMs ?? 90_000)
  return new Promise((resolvePromise, reject) => {
    child.on('error', reject)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      if (timedOut) reject(new Error(`m365d ${args.join(' ')} timed out; stdout: ${stdout}; stderr: ${stderr}`))
      else resolvePromise({ code, signal, stdout, stderr })
    })
  })
}

/** Resolves with the first stdout match of `pattern` (e.g. the URL the emulator prints). */
export function waitForOutput(child: ChildProcessWithoutNullStreams, pattern: RegExp, timeoutMs = 90_000): Promise<RegExpMatchArray> {
  let seen = ''
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${pattern}; stdout so far: ${seen}`)), timeoutMs)
    const onData = (d: Buffer) => {
      seen += d.toString('utf8')
      const m = seen.match(pattern)
      if (m) {
        clearTimeout(timer)
        child.stdout.off('data', onData)
        resolvePromise(m)
      }
    }
    child.stdout.on('data', onData)
    child.on('close', (code) => {
      clearTimeout(timer)
      reject(new Error(`exited with ${code} before printing ${pattern}; stdout: ${seen}`))
    })
  })
}
