import { channels } from '../../lib/diagnostics.js'
import { redact } from '../../lib/errors.js'
import { passContext } from './context.js'
import type { SyncDaemon } from './daemon.js'
import type { DaemonEvent } from './events.js'

export type LogLevel = 'debug' | 'info' | 'warn' | 'error'
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 }

export interface LoggerOptions {
  /** Where lines go (default process.stdout). */
  stream?: { write(line: string): unknown }
  /** Lowest level written (default info). */
  level?: LogLevel
  /** Also log the library's diagnostics channels: HTTP retries, token failures, … (default true). */
  diagnostics?: boolean
  /** Fields added to every line (e.g. `{ worker }`). */
  base?: Record<string, unknown>
  /** Lays out a sanitized record as a line (default: one JSON line). The CLI passes its human formatter on a terminal. */
  format?: (record: { time: string; level: LogLevel; msg: string } & Record<string, unknown>) => string
}

export interface Logger {
  log(level: LogLevel, msg: string, fields?: Record<string, unknown>): void
  /** Logs every event of `daemon` (and, with `diagnostics`, its HTTP/token activity); returns the unsubscribe. */
  attach(daemon: SyncDaemon): () => void
  close(): void
}

/** Keys whose values are credentials: dropped whatever they hold. */
const SECRET_KEY = /^(authorization|proxy-authorization|cookie|set-cookie|token|access_token|refresh_token|id_token|client_secret|secret|client_assertion|assertion|password|privateKey|private_key)$/i

/** Makes a value safe to log: credential-named keys dropped, every string passed through redact(). */
export function sanitize(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redact(value)
  if (value === null || typeof value !== 'object') return value
  if (depth > 6) return '[…]'
  if (value instanceof Date) return value.toISOString()
  if (value instanceof Error) return { name: value.name, message: redact(value.message), ...('code' in value && { code: (value as { code: unknown }).code }) }
  if (Array.isArray(value)) return value.map((v) => sanitize(v, depth + 1))
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(value)) out[k] = SECRET_KEY.test(k) ? '[redacted]' : sanitize(v, depth + 1)
  return out
}

/**
 * Structured JSON lines — `{"time","level","msg","worker","tenant",…}` — from daemon events and the
 * library's diagnostics channels. Nothing reaches the stream unsanitized: no token, secret,
 * assertion or Authorization value can be logged even if a future event carried one.
 */
export function createLogger(o: LoggerOptions = {}): Logger {
  const stream = o.stream ?? process.stdout
  const min = ORDER[o.level ?? 'info']
  const detach: (() => void)[] = []

  const log = (level: LogLevel, msg: string, fields: Record<string, unknown> = {}) => {
    if (ORDER[level] < min) return
    const line = { time: new Date().toISOString(), level, msg, ...(sanitize({ ...o.base, ...fields }) as Record<string, unknown>) }
    stream.write(o.format ? o.format(line) : JSON.stringify(line) + '\n')
  }

  const attach = (daemon: SyncDaemon) => {
    const worker = daemon.workerId
    const off = daemon.on((e) => {
      const [level, msg] = describe(e)
      const { type, tenantId, ...fields } = e as DaemonEvent & { tenantId?: string; durationMs?: number }
      // Whole milliseconds: performance.now() differences (2100.6135560000002) are noise in a log line.
      if (fields.durationMs !== undefined) fields.durationMs = Math.round(fields.durationMs)
      log(level, msg, { worker, event: type, ...(tenantId && { tenant: tenantId }), ...fields })
    })
    const subs: (() => void)[] = [off]
    if (o.diagnostics ?? true) {
      const on = (channel: { subscribe(fn: (m: unknown) => void): void; unsubscribe(fn: (m: unknown) => void): void }, fn: (m: Record<string, unknown>, tenant: string) => void) => {
        const handler = (m: unknown) => {
          const ctx = passContext.getStore()
          if (ctx && ctx.daemon === daemon) fn(m as Record<string, unknown>, ctx.tenantId)
        }
        channel.subscribe(handler)
        subs.push(() => channel.unsubscribe(handler))
      }
      on(channels.httpResponse, (m, tenant) => log('debug', 'api response', { worker, tenant, method: m.method, url: m.url, status: m.status, durationMs: Math.round(Number(m.durationMs)) }))
      on(channels.httpRetry, (m, tenant) => log('info', 'api call retried', { worker, tenant, method: m.method, url: m.url, status: m.status, error: m.error, attempt: m.attempt, delayMs: m.delayMs }))
      on(channels.rateLimitWait, (m, tenant) => log('debug', 'rate limit wait', { worker, tenant, delayMs: m.delayMs }))
      on(channels.tokenResponse, (m, tenant) => {
        if (m.error) log('warn', 'token request failed', { worker, tenant, resource: m.resource, error: m.error })
        else log('debug', 'token acquired', { worker, tenant, resource: m.resource, expiresAt: new Date(Number(m.expiresAt)).toISOString() })
      })
    }
    const undo = () => subs.splice(0).forEach((u) => u())
    detach.push(undo)
    return undo
  }

  return { log, attach, close: () => detach.splice(0).forEach((u) => u()) }
}

function describe(e: DaemonEvent): [LogLevel, string] {
  switch (e.type) {
    case 'worker.started':
      return ['info', 'worker started']
    case 'worker.stopping':
      return ['info', 'worker stopping']
    case 'worker.stopped':
      return [e.timedOut.length ? 'warn' : 'info', e.timedOut.length ? 'worker stopped with passes still running' : 'worker stopped']
    case 'lease.acquired':
      return ['info', 'lease acquired']
    case 'lease.released':
      return ['info', 'lease released']
    case 'lease.lost':
      return ['warn', 'lease lost to another worker; pass aborted']
    case 'pass.started':
      return ['debug', 'pass started']
    case 'pass.progress':
      return ['debug', 'pass progress']
    case 'pass.finished':
      return ['info', 'pass finished']
    case 'pass.failed':
      return [e.health === 'error' ? 'error' : 'warn', `pass failed: ${e.health}`]
    case 'pass.aborted':
      return ['info', `pass stopped between pages (${e.reason})`]
    case 'sink.delivered':
      return ['debug', 'records delivered']
    case 'sink.failed':
      return ['warn', 'sink delivery failed; records stay in the outbox']
    case 'loop.error':
      return ['error', `${e.loop} loop error`]
  }
}
