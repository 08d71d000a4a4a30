/**
 * Advanced hunting, one request (defender-api.md §3): legacy `POST /api/advancedhunting/run`
 * {"Query"} → {"Stats","Schema":[{Name,Type}],"Results"}, Graph `POST /v1.0/security/runHuntingQuery`
 * {"Query","Timespan"?} → {"schema":[{name,type}],"results"}. Stateless: build the request, turn
 * the response into typed rows. Windows, splitting and the pipeline are in hunt_client.ts.
 */
import type { DefenderRequest, Surface } from './call.js'
import { DefenderApiError, InvalidBodyError } from './errors.js'
import { apiError, expectObject, readText } from './response.js'
import { HuntQueryError, HuntResultTooLargeError } from './hunt_errors.js'
import { warnLegacyUse } from './legacy_warning.js'

export const HUNT_PERMISSIONS: Readonly<Record<Surface, readonly string[]>> = {
  legacy: ['AdvancedHunting.Read.All'],
  graph: ['ThreatHunting.Read.All'],
}

/** "Results can return up to 100,000 rows" (defender-api.md §3.2). */
export const MAX_HUNT_ROWS = 100_000
/** Graph's result cap (peers.md §3: "same quotas + 50 MB result cap"). */
export const GRAPH_MAX_RESULT_BYTES = 50 * 1024 * 1024

export interface HuntRequestParams {
  baseUrl: string
  surface: Surface
  query: string
  /** Graph only: ISO-8601 interval, e.g. `2026-01-01T00:00:00Z/2026-01-02T00:00:00Z` or `P7D`. */
  timespan?: string
}

export function huntRequest(params: HuntRequestParams): DefenderRequest {
  const base = params.baseUrl.replace(/\/$/, '')
  const legacy = params.surface === 'legacy'
  if (legacy) warnLegacyUse()
  // Body parameters are case-sensitive: `Query`, `Timespan` (DD api-error-codes.md).
  const body = legacy ? { Query: params.query } : { Query: params.query, ...(params.timespan !== undefined && { Timespan: params.timespan }) }
  return {
    method: 'POST',
    url: legacy ? `${base}/api/advancedhunting/run` : `${base}/v1.0/security/runHuntingQuery`,
    body: JSON.stringify(body),
    surface: params.surface,
    group: 'hunting',
    // A query only reads, so repeating it after a network error or 5xx is safe.
    idempotent: true,
    permissions: HUNT_PERMISSIONS[params.surface],
  }
}

/** A column of the result, with the API's type name (`DateTime`, `String`, `Int64`, …). */
export interface HuntColumn {
  name: string
  type: string
}

export type HuntRow = Record<string, unknown>

export interface HuntTyping {
  /** `Int64` columns as JS numbers (default) or bigint. JSON numbers above 2^53 lose precision either way. */
  longs?: 'number' | 'bigint'
  /** `DateTime` columns as Date (default) or the API's ISO string. */
  dates?: 'date' | 'string'
}

export interface HuntResponse {
  schema: HuntColumn[]
  rows: HuntRow[]
  /** Legacy `Stats`, as sent. */
  stats?: Record<string, unknown>
  /** CPU time the query used, from legacy `Stats.resource_usage.cpu["total cpu"]`. */
  cpuMs?: number
  /** Size of the response body in bytes. */
  bytes: number
}

export interface ProcessHuntOptions extends HuntTyping {
  /** Refuse bodies larger than this (bytes); checked on Content-Length first, then on the text. */
  maxBytes?: number
}

/** Reads a hunting response: 2xx → typed rows; 400 → {@link HuntQueryError}; others → DefenderApiError. */
export async function processHuntResponse(response: Response, surface: Surface, url: string, options: ProcessHuntOptions = {}): Promise<HuntResponse> {
  const declared = Number(response.headers.get('content-length'))
  if (options.maxBytes !== undefined && response.ok && Number.isFinite(declared) && declared > options.maxBytes) {
    await response.body?.cancel().catch(() => {})
    throw new HuntResultTooLargeError({ url, bytes: declared, maxBytes: options.maxBytes })
  }
  const text = await readText(response, url)
  if (!response.ok) throw huntError(apiError(response, 'POST', url, text))
  const bytes = Buffer.byteLength(text)
  if (options.maxBytes !== undefined && bytes > options.maxBytes) throw new HuntResultTooLargeError({ url, bytes, maxBytes: options.maxBytes })
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (e) {
    throw new InvalidBodyError({ status: response.status, url, reason: 'response body is not valid JSON', cause: e })
  }
  const body = expectObject(json, response.status, url, 'a hunting result object')
  const legacy = surface === 'legacy'
  const rawSchema = body[legacy ? 'Schema' : 'schema'] ?? body[legacy ? 'schema' : 'Schema']
  const rawRows = body[legacy ? 'Results' : 'results'] ?? body[legacy ? 'results' : 'Results']
  if (!Array.isArray(rawSchema) || !Array.isArray(rawRows)) throw new InvalidBodyError({ status: response.status, url, reason: `expected ${legacy ? '"Schema" and "Results"' : '"schema" and "results"'} arrays` })
  // The Graph docs show both {name,type} and {Name,Type} spellings (security-security-runhuntingquery.md).
  const schema: HuntColumn[] = rawSchema.map((c: Record<string, unknown>) => ({ name: String(c?.name ?? c?.Name ?? ''), type: String(c?.type ?? c?.Type ?? '') }))
  const rows = typeRows(schema, rawRows as HuntRow[], options)
  const stats = legacy && body.Stats && typeof body.Stats === 'object' ? (body.Stats as Record<string, unknown>) : undefined
  const cpuMs = stats ? cpuOf(stats) : undefined
  return { schema, rows, bytes, ...(stats && { stats }), ...(cpuMs !== undefined && { cpuMs }) }
}

/** Converts values in place by column type: DateTime → Date, Int64 → number|bigint; others as sent. */
export function typeRows(schema: readonly HuntColumn[], rows: HuntRow[], typing: HuntTyping = {}): HuntRow[] {
  const converters: [string, (v: unknown) => unknown][] = []
  for (const c of schema) {
    const t = c.type.toLowerCase()
    if ((t === 'datetime' || t === 'system.datetime') && typing.dates !== 'string') converters.push([c.name, toDate])
    else if ((t === 'int64' || t === 'long' || t === 'system.int64') && typing.longs === 'bigint') converters.push([c.name, toBigInt])
  }
  if (converters.length === 0) return rows
  for (const row of rows) for (const [name, f] of converters) if (name in row) row[name] = f(row[name])
  return rows
}

function toDate(v: unknown): unknown {
  if (typeof v !== 'string' || v === '') return v === '' ? null : v
  // Kusto sends 7 fractional digits; Date keeps milliseconds.
  const ms = Date.parse(v.replace(/(\.\d{3})\d+/, '$1'))
  return Number.isFinite(ms) ? new Date(ms) : v
}

function toBigInt(v: unknown): unknown {
  if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v)
  if (typeof v === 'string' && /^-?\d+$/.test(v)) return BigInt(v)
  return v
}

/** `"00:00:19.0625000"` (.NET TimeSpan, optionally `d.`) → ms. */
function cpuOf(stats: Record<string, unknown>): number | undefined {
  const cpu = (stats.resource_usage as { cpu?: Record<string, unknown> } | undefined)?.cpu
  const total = cpu?.['total cpu']
  if (typeof total !== 'string') return undefined
  const m = /^(?:(\d+)\.)?(\d+):(\d+):(\d+(?:\.\d+)?)$/.exec(total)
  return m ? ((Number(m[1] ?? 0) * 24 + Number(m[2])) * 60 + Number(m[3])) * 60_000 + Number(m[4]) * 1000 : undefined
}

/** A 400 from the hunting endpoint is about the query: keep the server's text and its position. */
function huntError(e: DefenderApiError): Error {
  if (e.status !== 400) return e
  const message = e.serverMessage ?? ''
  if (/result size limit exceeded|exceeded the allowed result size/i.test(message)) return new HuntResultTooLargeError({ url: e.url, server: e })
  return new HuntQueryError(e)
}
