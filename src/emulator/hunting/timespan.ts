/**
 * Graph runHuntingQuery `Timespan` (microsoft-graph-docs-contrib security-security-runhuntingquery.md,
 * "Timespan format examples"): "Date/Date", "Duration/EndDate", "Start/Duration", "Duration"
 * (back from now) and a single "Date" (from then to now). Returns [start, end) in epoch ms.
 */

const DURATION = /^P(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/i

/** ISO-8601 duration → ms (weeks, days, hours, minutes, seconds; no months/years: they have no fixed length). */
export function parseIsoDuration(text: string): number | undefined {
  const m = DURATION.exec(text.trim())
  if (!m || text.trim().length <= 1 || /T$/i.test(text.trim())) return undefined
  const [w, d, h, min, s] = m.slice(1).map((x) => Number(x ?? 0)) as [number, number, number, number, number]
  return (((w * 7 + d) * 24 + h) * 60 + min) * 60_000 + s * 1000
}

function parseDate(text: string): number | undefined {
  const t = text.trim()
  if (!/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/i.test(t)) return undefined
  const ms = Date.parse(/T|\s/.test(t) && !/Z|[+-]\d{2}:?\d{2}$/i.test(t) ? `${t}Z` : t)
  return Number.isFinite(ms) ? ms : undefined
}

export function parseTimespan(text: string, now: number): { start: number; end: number } | undefined {
  const parts = text.split('/')
  if (parts.length === 1) {
    const d = parseIsoDuration(parts[0]!)
    if (d !== undefined) return { start: now - d, end: now }
    const s = parseDate(parts[0]!)
    return s === undefined ? undefined : { start: s, end: now }
  }
  if (parts.length !== 2) return undefined
  const [a, b] = parts as [string, string]
  const da = parseIsoDuration(a)
  const db = parseIsoDuration(b)
  const ta = parseDate(a)
  const tb = parseDate(b)
  if (ta !== undefined && tb !== undefined) return ta <= tb ? { start: ta, end: tb } : undefined
  if (da !== undefined && tb !== undefined) return { start: tb - da, end: tb }
  if (ta !== undefined && db !== undefined) return { start: ta, end: ta + db }
  return undefined
}
