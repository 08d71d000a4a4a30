import type { ChildProcessWithoutNullStreams } from 'node:child_process'
import { WELL_KNOWN } from '../../../src/emulator/index.js'

/**
 * Helpers for tests that run `m365d sync` / `m365d tenants` as child processes against an
 * emulator hosted in the test process.
 */

/** The child environment that points the CLI at the emulator with the well-known app. */
export function emulatorEnv(url: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    M365D_AUTHORITY_HOST: url,
    M365D_DEFENDER_API: url,
    M365D_GRAPH_API: url,
    M365D_CLIENT_ID: WELL_KNOWN.clientId,
    M365D_CLIENT_SECRET: WELL_KNOWN.clientSecret,
    M365D_TENANT_ID: WELL_KNOWN.homeTenantId,
    ...extra,
  }
}

export interface LogLine {
  time: string
  level: string
  msg: string
  event?: string
  tenant?: string
  worker?: string
  [key: string]: unknown
}

/** Collects the child's JSON log lines (stderr); `wait(pred)` resolves at the first matching line. */
export function collectLogs(child: ChildProcessWithoutNullStreams): {
  lines: LogLine[]
  raw(): string
  wait(pred: (l: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>
} {
  const lines: LogLine[] = []
  let buffer = ''
  let all = ''
  const waiters: { pred: (l: LogLine) => boolean; resolve: (l: LogLine) => void }[] = []
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    all += d
    buffer += d
    let nl: number
    while ((nl = buffer.indexOf('\n')) !== -1) {
      const text = buffer.slice(0, nl)
      buffer = buffer.slice(nl + 1)
      let line: LogLine
      try {
        line = JSON.parse(text) as LogLine
      } catch {
        continue
      }
      lines.push(line)
      for (const w of [...waiters]) if (w.pred(line)) (waiters.splice(waiters.indexOf(w), 1), w.resolve(line))
    }
  })
  return {
    lines,
    raw: () => all,
    wait(pred, timeoutMs = 30_000) {
      const found = lines.find(pred)
      if (found) return Promise.resolve(found)
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no matching log line within ${timeoutMs} ms; stderr:\n${all.slice(-3000)}`)), timeoutMs)
        waiters.push({ pred, resolve: (l) => (clearTimeout(timer), resolve(l)) })
      })
    },
  }
}

/** Resolves with the exit code and signal once the child ended. */
export function exited(child: ChildProcessWithoutNullStreams): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode })
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })))
}
