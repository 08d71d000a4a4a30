/**
 * Runtime value helpers shared by functions, aggregates and operators. Representation (types.ts):
 * datetimes/timespans are milliseconds, dynamic values are plain JSON, `null` is Kusto's null.
 */
import type { ScalarType } from './types.js'

/** `datetime(2024-01-02)`, `datetime(2024-01-02 10:00)`, `datetime(2024-01-02T10:00:00.5Z)` → ms (UTC). */
export function parseDatetimeLiteral(raw: string): number | undefined {
  let s = raw.trim().replace(/^"|"$/g, '')
  if (/^\d{4}-\d{1,2}-\d{1,2}$/.test(s)) s = s.replace(/-(\d)(?=-|$)/g, '-0$1') + 'T00:00:00Z'
  else {
    s = s.replace(' ', 'T')
    if (!/[zZ]$|[+-]\d\d:?\d\d$/.test(s)) s += 'Z'
    // JS accepts at most millisecond precision; Kusto accepts 7 fractional digits.
    s = s.replace(/(\.\d{3})\d+/, '$1')
  }
  const ms = Date.parse(s)
  if (Number.isNaN(ms)) {
    // Other .NET-parsable forms ("01/16/2022 00:00:00"), read as UTC.
    const alt = Date.parse(`${raw.trim()} UTC`)
    return Number.isNaN(alt) ? undefined : alt
  }
  return ms
}

/** `timespan(1d)`, `time(01:30:00)`, `time(2.10:00:00)`, `time(00:00:00.5)` → ms. */
export function parseTimespanLiteral(raw: string): number | undefined {
  const s = raw.trim()
  const unit = /^(-?\d+(?:\.\d+)?)\s*(d|h|m|s|ms|microsecond|tick)$/.exec(s)
  if (unit) {
    const f: Record<string, number> = { d: 86400000, h: 3600000, m: 60000, s: 1000, ms: 1, microsecond: 0.001, tick: 0.0001 }
    return Number(unit[1]) * f[unit[2]!]!
  }
  const m = /^(-)?(?:(\d+)\.)?(\d+):(\d+)(?::(\d+(?:\.\d+)?))?$/.exec(s)
  if (m) {
    const v = Number(m[2] ?? 0) * 86400000 + Number(m[3]) * 3600000 + Number(m[4]) * 60000 + Number(m[5] ?? 0) * 1000
    return m[1] ? -v : v
  }
  if (/^-?\d+(\.\d+)?$/.test(s)) return Number(s) * 86400000
  return undefined
}

/** Kusto's ISO rendering of a datetime (7 fractional digits, `Z`). */
export function formatDatetime(ms: number): string {
  // Kusto's datetimes span 0001-01-01 to 9999-12-31 (beyond is no datetime): rendered like null.
  if (!(ms >= -62135596800000 && ms < 253402300800000)) return ''
  const d = new Date(ms)
  const iso = d.toISOString()
  return `${iso.slice(0, 19)}.${iso.slice(20, 23)}0000Z`
}

/** Kusto's `[-][d.]hh:mm:ss[.fffffff]` rendering of a timespan. */
export function formatTimespan(ms: number): string {
  const neg = ms < 0
  let v = Math.abs(ms)
  const days = Math.floor(v / 86400000)
  v -= days * 86400000
  const h = Math.floor(v / 3600000)
  v -= h * 3600000
  const m = Math.floor(v / 60000)
  v -= m * 60000
  const s = Math.floor(v / 1000)
  const frac = Math.round((v - s * 1000) * 10000)
  const p2 = (n: number): string => String(n).padStart(2, '0')
  return `${neg ? '-' : ''}${days > 0 ? `${days}.` : ''}${p2(h)}:${p2(m)}:${p2(s)}${frac > 0 ? `.${String(frac).padStart(7, '0')}` : ''}`
}

/** `tostring()` of a value of a statically known type. Null becomes the empty string. */
export function toKustoString(v: unknown, type: ScalarType): string {
  if (v === null || v === undefined) return ''
  switch (type) {
    case 'datetime': return formatDatetime(v as number)
    case 'timespan': return formatTimespan(v as number)
    case 'string': return v as string
    case 'dynamic': return typeof v === 'string' ? v : JSON.stringify(v)
    case 'bool': return v ? 'true' : 'false'
    default: return typeof v === 'object' ? JSON.stringify(v) : String(v)
  }
}

/** Converts a value of static type `type` to a dynamic (JSON) value. */
export function toDynamic(v: unknown, type: ScalarType): unknown {
  if (v === null || v === undefined) return null
  if (type === 'datetime') return formatDatetime(v as number)
  if (type === 'timespan') return formatTimespan(v as number)
  return v
}

/** `parse_json`/`todynamic` of a string: JSON, or the string itself when it is not JSON (Kusto behaviour). */
export function parseJson(v: unknown): unknown {
  if (v === null || v === undefined) return null
  if (typeof v !== 'string') return v
  const s = v.trim()
  if (s === '') return null
  if (!/^[[{"\d-]|^(true|false|null)$/.test(s)) return v
  try {
    return JSON.parse(s)
  } catch {
    return v
  }
}

/** Converts a dynamic value to a scalar of `type` (for dynamic → typed conversions like `tostring(d.x)`). */
export function fromDynamic(v: unknown, type: ScalarType): unknown {
  if (v === null || v === undefined) return type === 'string' ? '' : null
  switch (type) {
    case 'string': return typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v)
    case 'long':
    case 'int': {
      const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : typeof v === 'boolean' ? Number(v) : NaN
      return Number.isFinite(n) ? Math.trunc(n) : null
    }
    case 'real':
    case 'decimal': {
      const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : typeof v === 'boolean' ? Number(v) : NaN
      return Number.isNaN(n) ? null : n
    }
    case 'bool':
      if (typeof v === 'boolean') return v
      if (typeof v === 'number') return v !== 0
      if (typeof v === 'string') return v.toLowerCase() === 'true' ? true : v.toLowerCase() === 'false' ? false : v.trim() !== '' && !Number.isNaN(Number(v)) ? Number(v) !== 0 : null
      return null
    case 'datetime': return typeof v === 'string' ? parseDatetimeLiteral(v) ?? null : typeof v === 'number' ? v : null
    case 'timespan': return typeof v === 'string' ? parseTimespanLiteral(v) ?? null : typeof v === 'number' ? v : null
    case 'guid': return typeof v === 'string' ? v : null
    default: return v
  }
}

/** Converts between static types (tolong(string), todouble(long), …). */
export function convert(v: unknown, from: ScalarType, to: ScalarType): unknown {
  if (from === to) return v
  if (to === 'string') return toKustoString(v, from)
  if (to === 'dynamic') return toDynamic(v, from)
  if (v === null || v === undefined) return null
  if (from === 'dynamic' || from === 'string') return fromDynamic(v, to)
  if (to === 'long' || to === 'int') {
    if (typeof v === 'boolean') return v ? 1 : 0
    return typeof v === 'number' ? Math.trunc(v) : null
  }
  if (to === 'real' || to === 'decimal') return typeof v === 'boolean' ? (v ? 1 : 0) : typeof v === 'number' ? v : null
  if (to === 'bool') return typeof v === 'number' ? v !== 0 : null
  if (to === 'datetime' || to === 'timespan') return typeof v === 'number' ? (from === 'long' || from === 'int' ? v / 10000 : v) : null
  return null
}

/** Total order used by sort/top/min/max: numbers, strings (ordinal), booleans; nulls handled by callers. */
export function compareValues(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b)
  const sa = typeof a === 'object' ? JSON.stringify(a) : String(a)
  const sb = typeof b === 'object' ? JSON.stringify(b) : String(b)
  return sa < sb ? -1 : sa > sb ? 1 : 0
}

/** Equality of dynamic values (deep). */
export function equalValues(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false
  return JSON.stringify(a) === JSON.stringify(b)
}

/** A key for grouping/joining on one or more values (distinguishes types and nulls). */
export function groupKey(values: readonly unknown[]): string {
  if (values.length === 1) {
    const v = values[0]
    return typeof v === 'string' ? `s${v}` : v === null || v === undefined ? 'n' : typeof v === 'object' ? `o${JSON.stringify(v)}` : `${typeof v}${String(v)}`
  }
  return JSON.stringify(values.map((v) => (v === undefined ? null : v)))
}

const isAlnum = (c: number): boolean => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c > 127

/**
 * Whether `needle` occurs in `hay` at a place `bounded` accepts (case-insensitive unless asked):
 * the one scan behind `has`, `hasprefix` and `hassuffix`, which differ only in the term boundaries
 * they require around the match.
 */
function occursBounded(hay: string, needle: string, caseSensitive: boolean, bounded: (h: string, idx: number, n: string) => boolean): boolean {
  const h = caseSensitive ? hay : hay.toLowerCase()
  const n = caseSensitive ? needle : needle.toLowerCase()
  let from = 0
  for (;;) {
    const idx = h.indexOf(n, from)
    if (idx < 0) return false
    if (bounded(h, idx, n)) return true
    from = idx + 1
  }
}

/** A term starts at `idx` (the haystack's start or a non-alphanumeric before it). */
const termStart = (h: string, idx: number): boolean => idx === 0 || !isAlnum(h.charCodeAt(idx - 1))
/** A term ends at `end` (the haystack's end or a non-alphanumeric after it). */
const termEnd = (h: string, end: number): boolean => end >= h.length || !isAlnum(h.charCodeAt(end))

/**
 * Kusto `has`: the needle must match a whole term of the haystack, where terms are maximal runs of
 * alphanumeric characters. A needle that itself contains non-alphanumerics must appear with term
 * boundaries at both ends (Kusto docs "String operators — what is a term").
 */
export function hasTerm(hay: string, needle: string, caseSensitive: boolean): boolean {
  if (needle === '') return true
  const startsAlnum = isAlnum(needle.charCodeAt(0))
  const endsAlnum = isAlnum(needle.charCodeAt(needle.length - 1))
  return occursBounded(hay, needle, caseSensitive, (h, idx, n) => (!startsAlnum || termStart(h, idx)) && (!endsAlnum || termEnd(h, idx + n.length)))
}

/** `hasprefix`: some term starts with the needle. */
export function hasPrefix(hay: string, needle: string, caseSensitive: boolean): boolean {
  return occursBounded(hay, needle, caseSensitive, termStart)
}

/** `hassuffix`: some term ends with the needle. */
export function hasSuffix(hay: string, needle: string, caseSensitive: boolean): boolean {
  return occursBounded(hay, needle, caseSensitive, (h, idx, n) => termEnd(h, idx + n.length))
}

/** String form used by string operators on non-string operands (Kusto converts implicitly). */
export function asText(v: unknown): string {
  if (v === null || v === undefined) return ''
  if (typeof v === 'string') return v
  if (typeof v === 'object') return JSON.stringify(v)
  return String(v)
}
