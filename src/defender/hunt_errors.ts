/**
 * Errors specific to advanced hunting. A query error keeps the server's message and, when the
 * message carries one, the position (`line 3, column 22` or Kusto's `[3,22]`).
 */
import { M365dError } from '../lib/errors.js'
import { DefenderApiError } from './errors.js'

function fieldsOf(e: DefenderApiError) {
  return {
    status: e.status,
    method: e.method,
    url: e.url,
    ...(e.serverCode !== undefined && { serverCode: e.serverCode }),
    ...(e.serverMessage !== undefined && { serverMessage: e.serverMessage }),
    ...(e.target !== undefined && { target: e.target }),
    ...(e.requestId !== undefined && { requestId: e.requestId }),
    ...(e.clientRequestId !== undefined && { clientRequestId: e.clientRequestId }),
  }
}

/**
 * 400 for the query itself: ERR_HUNT_QUERY (syntax or semantic error, with `line`/`column` when
 * the server gave them) or ERR_HUNT_TIMEOUT ("Query exceeded the timeout period", 3 minutes).
 */
export class HuntQueryError extends DefenderApiError {
  readonly line: number | undefined
  readonly column: number | undefined

  constructor(e: DefenderApiError) {
    const message = e.serverMessage ?? ''
    const timeout = /exceeded the timeout|timed? ?out/i.test(message)
    super(fieldsOf(e), {
      code: timeout ? 'ERR_HUNT_TIMEOUT' : 'ERR_HUNT_QUERY',
      hint: timeout
        ? 'narrow the time range (or let m365d split it into windows), filter early with where, and summarize instead of returning raw rows'
        : 'fix the KQL at the position shown; run it in the emulator (m365d emulator) to iterate offline',
    })
    const pos = /line (\d+), column (\d+)/i.exec(message) ?? /\[(\d+),\s*(\d+)\]/.exec(message)
    this.line = pos ? Number(pos[1]) : undefined
    this.column = pos ? Number(pos[2]) : undefined
  }
}

/** The result is over the size cap (Graph 50 MB), by the server's 400 or the client's own guard. */
export class HuntResultTooLargeError extends M365dError {
  readonly bytes: number | undefined
  readonly maxBytes: number | undefined
  readonly url: string

  constructor(o: { url: string; bytes?: number; maxBytes?: number; server?: DefenderApiError }) {
    const what = o.server ? `the server refused the result: ${o.server.serverMessage ?? 'result size limit exceeded'}` : `the result is ${o.bytes} bytes, above the ${o.maxBytes}-byte limit`
    super('ERR_HUNT_RESULT_TOO_LARGE', `advanced hunting query at ${o.url}: ${what}`, {
      hint: 'project fewer columns, summarize, or pass a time range so m365d can split the query into smaller windows',
      ...(o.server && { cause: o.server }),
    })
    this.url = o.url
    this.bytes = o.bytes
    this.maxBytes = o.maxBytes
  }
}

/** The result hit the 100,000-row cap and could not be split further (or splitting was off). */
export class HuntRowLimitError extends M365dError {
  readonly rows: number
  constructor(rows: number, detail: string) {
    super('ERR_HUNT_ROW_LIMIT', `advanced hunting returned ${rows} rows, the API's cap: the result is probably cut off (${detail})`, {
      hint: 'pass a time range (timeRange / --since) so m365d splits the query into windows, or rowLimit: "truncate" to accept the first 100,000 rows',
    })
    this.rows = rows
  }
}

/** A time range the query cannot take (the legacy API has no Timespan parameter). */
export class HuntTimeRangeError extends M365dError {
  constructor(message: string, hint: string) {
    super('ERR_HUNT_TIME_RANGE', message, { hint })
  }
}
