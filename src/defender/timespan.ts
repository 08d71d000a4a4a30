/**
 * Graph runHuntingQuery `Timespan` — ONE parser, used by the client (HuntOptions.timespan) and by
 * the emulator's runHuntingQuery, so both read a timespan the same way.
 * Forms (microsoft-graph-docs-contrib `security-security-runhuntingquery.md`, "Timespan format
 * examples"): "Date/Date", "Duration/EndDate", "Start/Duration", "Duration" (back from now) and a
 * single "Date" (from then to now). Without a Timespan the service queries the last 30 days.
 * Durations: ISO 8601 weeks, days, hours, minutes, seconds (`P7D`, `PT12H`, `P1DT6H`, `P2W`);
 * years and months are refused — they have no fixed length. Dates: ISO 8601 dates and date-times
 * (no zone = UTC).
 */

/** The range the service uses when no Timespan is sent: the last 30 days. */
export const DEFAULT_TIMESPAN_MS = 30 * 86_400_000

const DURATION = /^P(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/i

/** ISO 8601 duration → ms, or undefined when it is not one. */
export function parseIsoDuration(text: string): number | undefined {
  const t = text.trim()
  const m = DURATION.exec(t)
  if (!m || t.length <= 1 || /T$/i.test(t)) return undefined
  const [w, d, h, min, s] = m.slice(1).map((x) => Number(x ?? 0)) as [number, number, number, number, number]
  return (((w * 7 + d) * 24 + h) * 60 + min) * 60_000 + s * 1000
}

/** ISO 8601 date or date-time → epoch ms, or undefined. */
export function parseIsoDate(text: string): number | undefined {
  const t = text.trim()
  if (!/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/i.test(t)) return undefined
  const ms = Date.parse(/T|\s/.test(t) && !/Z|[+-]\d{2}:?\d{2}$/i.test(t) ? `${t}Z` : t)
  return Number.isFinite(ms) ? ms : undefined
}

/** A Timespan → [start, end) in epoch ms; undefined when the text is not a valid Timespan. */
export function parseTimespan(text: string, now: number): { start: number; end: number } | undefined {
  const parts = text.split('/')
  if (parts.length === 1) {
    const d = parseIsoDuration(parts[0]!)
    if (d !== undefined) return d > 0 ? { start: now - d, end: now } : undefined
    const s = parseIsoDate(parts[0]!)
    return s === undefined || s > now ? undefined : { start: s, end: now }
  }
  if (parts.length !== 2) return undefined
  const [a, b] = parts as [string, string]
  const da = parseIsoDuration(a)
  const db = parseIsoDuration(b)
  const ta = parseIsoDate(a)
  const tb = parseIsoDate(b)
  if (ta !== undefined && tb !== undefined) return ta < tb ? { start: ta, end: tb } : undefined
  if (da !== undefined && tb !== undefined) return da > 0 ? { start: tb - da, end: tb } : undefined
  if (ta !== undefined && db !== undefined) return db > 0 ? { start: ta, end: ta + db } : undefined
  return undefined
}

/** The window a request covers: its Timespan, or the last 30 days without one. */
export function timespanWindow(text: string | undefined, now: number): { start: number; end: number } | undefined {
  return text === undefined ? { start: now - DEFAULT_TIMESPAN_MS, end: now } : parseTimespan(text, now)
}
