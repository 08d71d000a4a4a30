/**
 * Scalar functions: a per-instance registry of `{minArgs, maxArgs, resultName, bind}` where `bind`
 * checks argument types once (at bind time) and returns the compiled closure. Result names follow
 * Kusto.Language's ResultNameKind (FirstArgument for tostring/bin/…, NameAndFirstArgument for strlen).
 */
import { createHash } from 'node:crypto'
import type { BoundExpr, Compiled, RuntimeRef } from './compiled.js'
import { isNumeric, widerNumeric, type ScalarType } from './types.js'
import { kustoRegex, RegexSyntaxError, type KustoRegex } from './regex.js'
import { asText, compareValues, convert, equalValues, fromDynamic, parseJson, toDynamic, toKustoString } from './values.js'

export interface FunctionContext {
  readonly rt: RuntimeRef
  /** Offset of the call in the query text (for runtime errors). */
  readonly pos: number
  /** Reports an argument error at the call site. */
  fail(code: string, message: string): never
}

export interface ScalarFunction {
  readonly minArgs: number
  readonly maxArgs: number
  readonly resultName?: 'first' | 'nameAndFirst'
  /**
   * Functions with several results (series_stats, series_decompose_anomalies) return an array of
   * them; in `extend` each becomes a column named `fn_Arg_suffix` unless names are given.
   */
  readonly outputs?: readonly { readonly suffix: string; readonly type: ScalarType }[]
  bind(args: readonly BoundExpr[], ctx: FunctionContext): { type: ScalarType; eval: Compiled }
}

const DAY = 86400000
/** 0001-01-01T00:00:00Z in Unix milliseconds: the origin of Kusto's datetime ticks. */
const TICK_EPOCH = -62135596800000
const str = (a: BoundExpr): Compiled => (a.type === 'string' ? a.eval : (c, r) => toKustoString(a.eval(c, r), a.type))
const dyn = (a: BoundExpr): Compiled => (a.type === 'dynamic' ? a.eval : a.type === 'string' ? (c, r) => parseJson(a.eval(c, r)) : (c, r) => toDynamic(a.eval(c, r), a.type))
const num = (a: BoundExpr): Compiled => (a.type === 'dynamic' || a.type === 'string' ? (c, r) => convert(a.eval(c, r), a.type, 'real') : a.eval)

/**
 * The regex of argument `a` for each row: compiled once at bind time when `a` is a constant, else
 * per row (cached in regex.ts). An invalid pattern fails with ERR_KQL_REGEX at the call site.
 */
export function regexArg(a: BoundExpr, ctx: FunctionContext, flags = '', wrap: (re: string) => string = (re) => re): (c: readonly unknown[][], r: number) => KustoRegex {
  const compile = (pattern: string): KustoRegex => {
    try {
      return kustoRegex(wrap(pattern), flags)
    } catch (e) {
      if (e instanceof RegexSyntaxError) return ctx.fail('ERR_KQL_REGEX', `the regular expression '${pattern}' is not valid RE2: ${e.message}`)
      throw e
    }
  }
  if (a.constant !== undefined) {
    const re = compile(asText(a.constant.value))
    return () => re
  }
  const ev = str(a)
  return (c, r) => compile(ev(c, r) as string)
}

/** A function of fixed return type with null propagation over its evaluated arguments. */
function fixed(type: ScalarType, min: number, max: number, impl: (...v: unknown[]) => unknown, prep: (a: BoundExpr, i: number) => Compiled = (a) => a.eval, resultName?: 'first' | 'nameAndFirst'): ScalarFunction {
  return {
    minArgs: min,
    maxArgs: max,
    ...(resultName ? { resultName } : {}),
    bind(args) {
      const ev = args.map(prep)
      if (ev.length === 1) {
        const a = ev[0]!
        return { type, eval: (c, r) => impl(a(c, r)) }
      }
      if (ev.length === 2) {
        const [a, b] = ev as [Compiled, Compiled]
        return { type, eval: (c, r) => impl(a(c, r), b(c, r)) }
      }
      return { type, eval: (c, r) => impl(...ev.map((e) => e(c, r))) }
    },
  }
}
const strFn = (type: ScalarType, min: number, max: number, impl: (...v: any[]) => unknown, resultName?: 'first' | 'nameAndFirst'): ScalarFunction =>
  fixed(type, min, max, impl, (a, i) => (i === 0 ? str(a) : a.type === 'string' ? a.eval : a.type === 'dynamic' ? dyn(a) : a.eval), resultName)

const toType = (to: ScalarType): ScalarFunction => ({
  minArgs: 1,
  maxArgs: 2,
  resultName: 'first',
  bind([a]) {
    const from = a!.type
    const ev = a!.eval
    return { type: to, eval: (c, r) => convert(ev(c, r), from, to) }
  },
})

function binValue(v: unknown, size: unknown): unknown {
  if (typeof v !== 'number' || typeof size !== 'number' || size <= 0) return null
  return Math.floor(v / size) * size
}

function startOf(unit: 'day' | 'week' | 'month' | 'year', v: unknown, offset: unknown): unknown {
  if (typeof v !== 'number') return null
  const d = new Date(v)
  const o = typeof offset === 'number' ? offset : 0
  if (unit === 'day') return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + o)
  if (unit === 'week') return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() - d.getUTCDay() + 7 * o)
  if (unit === 'month') return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + o, 1)
  return Date.UTC(d.getUTCFullYear() + o, 0, 1)
}

const PART_MS: Record<string, number> = { day: DAY, hour: 3600000, minute: 60000, second: 1000, millisecond: 1, week: 7 * DAY }
function datetimeDiff(part: unknown, a: unknown, b: unknown): unknown {
  if (typeof a !== 'number' || typeof b !== 'number' || typeof part !== 'string') return null
  const p = part.toLowerCase()
  const da = new Date(a)
  const db = new Date(b)
  if (p === 'year') return da.getUTCFullYear() - db.getUTCFullYear()
  if (p === 'quarter') return Math.floor(da.getUTCMonth() / 3) - Math.floor(db.getUTCMonth() / 3) + 4 * (da.getUTCFullYear() - db.getUTCFullYear())
  if (p === 'month') return da.getUTCMonth() - db.getUTCMonth() + 12 * (da.getUTCFullYear() - db.getUTCFullYear())
  // weeks start on Sunday (startofweek)
  if (p === 'week') return Math.round(((startOf('week', a, 0) as number) - (startOf('week', b, 0) as number)) / (7 * DAY))
  const unit = PART_MS[p]
  if (unit === undefined) return null
  return Math.floor(a / unit) - Math.floor(b / unit)
}

function datetimeAdd(part: unknown, n: unknown, d: unknown): unknown {
  if (typeof d !== 'number' || typeof n !== 'number' || typeof part !== 'string') return null
  const p = part.toLowerCase()
  const dt = new Date(d)
  if (p === 'year' || p === 'month' || p === 'quarter') {
    // .NET AddMonths semantics: the day is clamped to the target month's length (Jan 31 + 1 month = Feb 29).
    const months = p === 'year' ? 12 * n : p === 'quarter' ? 3 * n : n
    const y = dt.getUTCFullYear()
    const m = dt.getUTCMonth() + months
    const lastDay = new Date(Date.UTC(y, m + 1, 0)).getUTCDate()
    return Date.UTC(y, m, Math.min(dt.getUTCDate(), lastDay), dt.getUTCHours(), dt.getUTCMinutes(), dt.getUTCSeconds(), dt.getUTCMilliseconds())
  }
  const unit = PART_MS[p]
  return unit === undefined ? null : d + n * unit
}

function formatDt(v: unknown, fmt: unknown): unknown {
  if (typeof v !== 'number' || typeof fmt !== 'string') return ''
  const d = new Date(v)
  const p = (n: number, w = 2): string => String(n).padStart(w, '0')
  return fmt.replace(/yyyy|yy|MM|M|dd|d|HH|H|hh|h|mm|m|ss|s|fff|ff|f|tt/g, (t) => {
    switch (t) {
      case 'yyyy': return p(d.getUTCFullYear(), 4)
      case 'yy': return p(d.getUTCFullYear() % 100)
      case 'MM': return p(d.getUTCMonth() + 1)
      case 'M': return String(d.getUTCMonth() + 1)
      case 'dd': return p(d.getUTCDate())
      case 'd': return String(d.getUTCDate())
      case 'HH': return p(d.getUTCHours())
      case 'H': return String(d.getUTCHours())
      case 'hh': return p(d.getUTCHours() % 12 || 12)
      case 'h': return String(d.getUTCHours() % 12 || 12)
      case 'mm': return p(d.getUTCMinutes())
      case 'm': return String(d.getUTCMinutes())
      case 'ss': return p(d.getUTCSeconds())
      case 's': return String(d.getUTCSeconds())
      case 'fff': return p(d.getUTCMilliseconds(), 3)
      case 'ff': return p(Math.floor(d.getUTCMilliseconds() / 10))
      case 'f': return String(Math.floor(d.getUTCMilliseconds() / 100))
      default: return d.getUTCHours() < 12 ? 'AM' : 'PM'
    }
  })
}

function ipv4ToNumber(ip: string): number | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip.trim())
  if (!m) return null
  const parts = m.slice(1).map(Number)
  if (parts.some((p) => p > 255)) return null
  return ((parts[0]! << 24) >>> 0) + (parts[1]! << 16) + (parts[2]! << 8) + parts[3]!
}
function ipv4InRange(ip: unknown, range: unknown): unknown {
  if (typeof ip !== 'string' || typeof range !== 'string') return null
  const n = ipv4ToNumber(ip.split('/')[0]!)
  const [base, bitsRaw] = range.split('/')
  const b = ipv4ToNumber(base ?? '')
  if (n === null || b === null) return null
  const bits = bitsRaw === undefined ? 32 : Number(bitsRaw)
  if (bits === 0) return true
  const mask = bits >= 32 ? 0xffffffff : ~((1 << (32 - bits)) - 1) >>> 0
  return ((n & mask) >>> 0) === ((b & mask) >>> 0)
}
function ipv4IsPrivate(ip: unknown): unknown {
  if (typeof ip !== 'string') return null
  if (ipv4ToNumber(ip) === null) return null
  return ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'].some((r) => ipv4InRange(ip, r) === true)
}

function parseUrl(v: unknown): unknown {
  if (typeof v !== 'string' || v === '') return {}
  try {
    const u = new URL(v)
    const query: Record<string, string> = {}
    u.searchParams.forEach((val, key) => (query[key] = val))
    return {
      Scheme: u.protocol.replace(/:$/, ''), Host: u.hostname, Port: u.port, Path: decodeURIComponent(u.pathname),
      Username: u.username, Password: u.password, 'Query Parameters': query, Fragment: u.hash.replace(/^#/, ''),
    }
  } catch {
    return {}
  }
}

function parsePath(v: unknown): unknown {
  const s = typeof v === 'string' ? v : ''
  const sep = s.includes('\\') ? '\\' : '/'
  const idx = s.lastIndexOf(sep)
  const file = idx >= 0 ? s.slice(idx + 1) : s
  const dot = file.lastIndexOf('.')
  return {
    Scheme: '', RootPath: /^[A-Za-z]:/.test(s) ? s.slice(0, 2) : '', DirectoryPath: idx >= 0 ? s.slice(0, idx) : '',
    DirectoryName: idx >= 0 ? s.slice(0, idx).split(sep).pop() ?? '' : '', Filename: file, Extension: dot >= 0 ? file.slice(dot + 1) : '', AlternateDataStreamName: '',
  }
}

const arr = (v: unknown): unknown[] | null => (Array.isArray(v) ? v : null)
function setOf(values: unknown[]): unknown[] {
  const out: unknown[] = []
  const seen = new Set<string>()
  for (const v of values) {
    const k = JSON.stringify(v)
    if (!seen.has(k)) {
      seen.add(k)
      out.push(v)
    }
  }
  return out
}

function hashString(s: string): number {
  let h = 0
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0
  return Math.abs(h)
}

/** Creates the built-in function table (a fresh object per engine instance). */
export function builtinFunctions(): Map<string, ScalarFunction> {
  const f = new Map<string, ScalarFunction>()
  const def = (names: string | string[], fn: ScalarFunction): void => {
    for (const n of Array.isArray(names) ? names : [names]) f.set(n, fn)
  }
  // --- conversions (FirstArgument result names)
  def('tostring', toType('string'))
  def(['toint'], toType('int'))
  def(['tolong'], toType('long'))
  def(['todouble', 'toreal'], toType('real'))
  def(['todecimal'], toType('decimal'))
  def(['tobool', 'toboolean'], toType('bool'))
  def(['todatetime'], toType('datetime'))
  def(['totimespan', 'totime'], toType('timespan'))
  def(['toguid'], toType('guid'))
  def(['parse_json', 'parsejson', 'todynamic', 'toobject'], { minArgs: 1, maxArgs: 1, resultName: 'first', bind: ([a]) => ({ type: 'dynamic', eval: dyn(a!) }) })
  // --- time
  def('now', { minArgs: 0, maxArgs: 1, bind: (args, ctx) => {
    const off = args[0]?.eval
    return { type: 'datetime', eval: off ? (c, r) => ctx.rt.now + ((off(c, r) as number) ?? 0) : () => ctx.rt.now }
  } })
  def('ago', { minArgs: 1, maxArgs: 1, bind: ([a], ctx) => {
    if (a!.type !== 'timespan' && a!.type !== 'dynamic' && !isNumeric(a!.type)) ctx.fail('ERR_KQL_TYPE', `ago(): argument must be a timespan, got ${a!.type}`)
    const ev = a!.eval
    return { type: 'datetime', eval: (c, r) => { const v = ev(c, r); return typeof v === 'number' ? ctx.rt.now - v : null } }
  } })
  def(['bin', 'floor'], { minArgs: 2, maxArgs: 2, resultName: 'first', bind: ([a, b]) => {
    const va = a!.eval
    const vb = b!.eval
    const size = b!.constant?.value
    // The usual `bin(Timestamp, 1h)`: a constant positive size, floored inline per row (issue 5 §5
    // profiling: the generic path cost two closure calls and a type check of the size per row).
    if (typeof size === 'number' && size > 0 && a!.type !== 'dynamic') {
      const at = a!.type === 'datetime' ? TICK_EPOCH : 0
      return { type: a!.type, eval: (c, r) => { const v = va(c, r); return typeof v === 'number' ? Math.floor((v - at) / size) * size + at : null } }
    }
    if (a!.type === 'datetime') {
      // Kusto bins datetimes from 0001-01-01 (its tick epoch), not 1970: it matters for 7d bins.
      return { type: 'datetime', eval: (c, r) => { const v = va(c, r); const b = binValue(typeof v === 'number' ? v - TICK_EPOCH : v, vb(c, r)); return typeof b === 'number' ? b + TICK_EPOCH : null } }
    }
    return { type: a!.type === 'dynamic' ? 'real' : a!.type, eval: (c, r) => binValue(va(c, r), vb(c, r)) }
  } })
  def('bin_at', { minArgs: 3, maxArgs: 3, resultName: 'first', bind: ([a, b, at]) => ({ type: a!.type, eval: (c, r) => {
    const v = a!.eval(c, r); const s = b!.eval(c, r); const o = at!.eval(c, r)
    if (typeof v !== 'number' || typeof s !== 'number' || typeof o !== 'number') return null
    return Math.floor((v - o) / s) * s + o
  } }) })
  def('startofday', fixed('datetime', 1, 2, (v, o) => startOf('day', v, o), undefined, 'first'))
  def('startofweek', fixed('datetime', 1, 2, (v, o) => startOf('week', v, o)))
  def('startofmonth', fixed('datetime', 1, 2, (v, o) => startOf('month', v, o)))
  def('startofyear', fixed('datetime', 1, 2, (v, o) => startOf('year', v, o)))
  def('endofday', fixed('datetime', 1, 2, (v, o) => { const s = startOf('day', v, o); return typeof s === 'number' ? s + DAY - 0.0001 : null }))
  def('datetime_diff', fixed('long', 3, 3, datetimeDiff))
  def('datetime_add', fixed('datetime', 3, 3, datetimeAdd))
  def('format_datetime', fixed('string', 2, 2, formatDt, undefined, 'first'))
  def('format_timespan', fixed('string', 2, 2, (v) => (typeof v === 'number' ? toKustoString(v, 'timespan') : ''), undefined, 'first'))
  def(['hourofday'], fixed('int', 1, 1, (v) => (typeof v === 'number' ? new Date(v).getUTCHours() : null)))
  def(['dayofweek'], fixed('timespan', 1, 1, (v) => (typeof v === 'number' ? new Date(v).getUTCDay() * DAY : null)))
  def(['dayofmonth'], fixed('int', 1, 1, (v) => (typeof v === 'number' ? new Date(v).getUTCDate() : null)))
  def(['getmonth', 'monthofyear'], fixed('int', 1, 1, (v) => (typeof v === 'number' ? new Date(v).getUTCMonth() + 1 : null)))
  def(['getyear'], fixed('int', 1, 1, (v) => (typeof v === 'number' ? new Date(v).getUTCFullYear() : null)))
  def('unixtime_seconds_todatetime', fixed('datetime', 1, 1, (v) => (typeof v === 'number' ? v * 1000 : null)))
  def('unixtime_milliseconds_todatetime', fixed('datetime', 1, 1, (v) => (typeof v === 'number' ? v : null)))
  def('ingestion_time', fixed('datetime', 0, 0, () => null))
  // --- strings
  def('strlen', strFn('long', 1, 1, (s: string) => s.length, 'nameAndFirst'))
  def('string_size', strFn('long', 1, 1, (s: string) => Buffer.byteLength(s), 'nameAndFirst'))
  def('tolower', strFn('string', 1, 1, (s: string) => s.toLowerCase()))
  def('toupper', strFn('string', 1, 1, (s: string) => s.toUpperCase()))
  def('strcat', { minArgs: 1, maxArgs: 10000, bind: (args) => {
    const ev = args.map(str)
    return { type: 'string', eval: (c, r) => { let s = ''; for (const e of ev) s += e(c, r) as string; return s } }
  } })
  def('strcat_delim', { minArgs: 2, maxArgs: 64, bind: (args) => {
    const ev = args.map(str)
    return { type: 'string', eval: (c, r) => ev.slice(1).map((e) => e(c, r)).join(ev[0]!(c, r) as string) }
  } })
  def(['strcat_array', 'array_strcat'], fixed('string', 2, 2, (a, d) => (arr(a)?.map((x) => asText(x)).join(asText(d)) ?? ''), (a, i) => (i === 0 ? dyn(a) : str(a))))
  def('substring', strFn('string', 2, 3, (s: string, start: unknown, len: unknown) => {
    if (typeof start !== 'number') return ''
    const st = Math.max(0, start)
    return typeof len === 'number' ? s.substr(st, Math.max(0, len)) : s.slice(st)
  }))
  def('indexof', strFn('long', 2, 5, (s: string, n: unknown, start: unknown) => {
    const i = s.indexOf(asText(n), typeof start === 'number' ? start : 0)
    return i
  }))
  def('split', { minArgs: 2, maxArgs: 3, resultName: 'first', bind: ([a, d, idx]) => {
    const ea = str(a!)
    const ed = str(d!)
    const ei = idx?.eval
    return { type: 'dynamic', eval: (c, r) => {
      const parts = (ea(c, r) as string).split(ed(c, r) as string)
      if (!ei) return parts
      const i = ei(c, r)
      return typeof i === 'number' && i >= 0 && i < parts.length ? [parts[i]] : []
    } }
  } })
  // Regex functions (regex.ts: RE2, linear time). A constant pattern compiles at bind time, so an
  // invalid one is a semantic error before any row is read.
  const trimFn = (wrap: (re: string) => string): ScalarFunction => ({ minArgs: 2, maxArgs: 2, bind: ([re, s], ctx) => {
    const rx = regexArg(re!, ctx, '', wrap)
    const es = str(s!)
    return { type: 'string', eval: (c, r) => rx(c, r).replace(es(c, r) as string, '') }
  } })
  def('trim', trimFn((re) => `^(?:${re})+|(?:${re})+$`))
  def('trim_start', trimFn((re) => `^(?:${re})+`))
  def('trim_end', trimFn((re) => `(?:${re})+$`))
  def('replace_string', strFn('string', 3, 3, (s: string, a: unknown, b: unknown) => s.split(asText(a)).join(asText(b))))
  // replace_regex(source, regex, rewrite); the deprecated replace(regex, rewrite, source)
  const replaceFn = (order: readonly [number, number, number]): ScalarFunction => ({ minArgs: 3, maxArgs: 3, bind: (args, ctx) => {
    const es = str(args[order[0]]!)
    const rx = regexArg(args[order[1]]!, ctx)
    const ew = str(args[order[2]]!)
    return { type: 'string', eval: (c, r) => rx(c, r).replace(es(c, r) as string, ew(c, r) as string) }
  } })
  f.set('replace_regex', replaceFn([0, 1, 2]))
  f.set('replace', replaceFn([2, 0, 1]))
  def('reverse', strFn('string', 1, 1, (s: string) => [...s].reverse().join('')))
  def('countof', { minArgs: 2, maxArgs: 3, bind: ([s, n, kind], ctx) => {
    const es = str(s!)
    const en = str(n!)
    const ek = kind?.eval
    const rx = kind?.constant?.value === 'regex' ? regexArg(n!, ctx) : undefined
    return { type: 'long', eval: (c, r) => {
      const h = es(c, r) as string
      const needle = en(c, r) as string
      if (needle === '') return 0
      if (rx !== undefined || (ek !== undefined && ek(c, r) === 'regex')) return (rx ?? regexArg(n!, ctx))(c, r).count(h)
      let count = 0
      for (let i = h.indexOf(needle); i >= 0; i = h.indexOf(needle, i + needle.length)) count++
      return count
    } }
  } })
  def('extract', { minArgs: 3, maxArgs: 4, bind: ([re, g, s, t], ctx) => {
    const rx = regexArg(re!, ctx)
    const eg = g!.eval
    const es = str(s!)
    const type = (t?.constant?.value as ScalarType | undefined) ?? 'string'
    return { type: t ? type : 'string', eval: (c, r) => {
      const m = rx(c, r).exec(es(c, r) as string)
      const gi = eg(c, r)
      const v = m && typeof gi === 'number' ? m[gi] : undefined
      return v === undefined ? (type === 'string' ? '' : null) : convert(v, 'string', type)
    } }
  } })
  def(['extract_all', 'extractall'], { minArgs: 2, maxArgs: 3, bind: (args, ctx) => {
    const rx = regexArg(args[0]!, ctx)
    const es = str(args[args.length - 1]!)
    return { type: 'dynamic', eval: (c, r) => {
      const out: unknown[] = []
      for (const m of rx(c, r).all(es(c, r) as string)) out.push(m.length > 2 ? m.slice(1) : m.length === 2 ? m[1] : m[0])
      if (out.length) ctx.rt.budget.build(out.length, ctx.pos, 'extract_all()')
      return out.length ? out : null
    } }
  } })
  def(['extractjson', 'extract_json'], { minArgs: 2, maxArgs: 3, bind: ([p, s, t]) => {
    const type = (t?.constant?.value as ScalarType | undefined) ?? 'string'
    const ep = str(p!)
    const es = str(s!)
    return { type, eval: (c, r) => {
      let v: unknown = parseJson(es(c, r))
      for (const part of (ep(c, r) as string).replace(/^\$\.?/, '').split(/\.|\[['"]?|['"]?\]/).filter(Boolean)) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[part] : null
      return fromDynamic(v ?? null, type)
    } }
  } })
  def(['base64_decode_tostring', 'base64_decodestring'], strFn('string', 1, 1, (s: string) => Buffer.from(s, 'base64').toString('utf8')))
  def(['base64_encode_tostring', 'base64_encodestring'], strFn('string', 1, 1, (s: string) => Buffer.from(s, 'utf8').toString('base64')))
  def('url_decode', strFn('string', 1, 1, (s: string) => { try { return decodeURIComponent(s.replace(/\+/g, ' ')) } catch { return '' } }))
  def('url_encode', strFn('string', 1, 1, (s: string) => encodeURIComponent(s)))
  def(['parse_url', 'parseurl'], fixed('dynamic', 1, 1, parseUrl, str))
  def('parse_path', fixed('dynamic', 1, 1, parsePath, str))
  def('parse_command_line', fixed('dynamic', 2, 2, (s) => (asText(s).match(/"[^"]*"|\S+/g) ?? []).map((x) => x.replace(/^"|"$/g, '')), str))
  def('hash_sha256', fixed('string', 1, 1, (s) => createHash('sha256').update(asText(s)).digest('hex'), str))
  def('hash_md5', fixed('string', 1, 1, (s) => createHash('md5').update(asText(s)).digest('hex'), str))
  def('hash_sha1', fixed('string', 1, 1, (s) => createHash('sha1').update(asText(s)).digest('hex'), str))
  def('hash', fixed('long', 1, 2, (s, m) => { const h = hashString(asText(s)); return typeof m === 'number' ? h % m : h }))
  def('parse_csv', fixed('dynamic', 1, 1, (s) => asText(s).split(','), str))
  def('make_string', fixed('string', 1, 64, (...cps) => String.fromCodePoint(...cps.flat().filter((x): x is number => typeof x === 'number')), dyn))
  def('unicode_codepoints_from_string', fixed('dynamic', 1, 1, (s) => [...asText(s)].map((ch) => ch.codePointAt(0)), str))
  def('parse_version', fixed('decimal', 1, 1, (s) => {
    const p = asText(s).split('.')
    if (p.length < 1 || p.length > 4 || p.some((x) => !/^\d+$/.test(x))) return null
    while (p.length < 4) p.push('0')
    return p.reduce((acc, x) => acc * 1e8 + Number(x), 0)
  }, str))
  // --- logic
  def(['iff', 'iif'], { minArgs: 2, maxArgs: 3, bind: ([p, a, b0], ctx) => {
    const b = b0 ?? { type: a!.type, eval: () => (a!.type === 'string' ? '' : null), constant: { value: null } }
    const type = unify([a!, b!], ctx)
    const ep = p!.eval
    const ea = coerceTo(a!, type)
    const eb = coerceTo(b!, type)
    return { type, eval: (c, r) => (ep(c, r) === true ? ea(c, r) : eb(c, r)) }
  } })
  def('case', { minArgs: 3, maxArgs: 257, bind: (args, ctx) => {
    const values = args.filter((_, i) => i % 2 === 1 || i === args.length - 1)
    const type = unify(values, ctx)
    const ev = args.map((a, i) => (i % 2 === 1 || i === args.length - 1 ? coerceTo(a, type) : a.eval))
    return { type, eval: (c, r) => {
      for (let i = 0; i + 1 < ev.length; i += 2) if (ev[i]!(c, r) === true) return ev[i + 1]!(c, r)
      return ev[ev.length - 1]!(c, r)
    } }
  } })
  def('coalesce', { minArgs: 1, maxArgs: 64, bind: (args, ctx) => {
    const type = unify(args, ctx)
    const ev = args.map((a) => coerceTo(a, type))
    return { type, eval: (c, r) => {
      for (const e of ev) { const v = e(c, r); if (v !== null && v !== undefined && v !== '') return v }
      return type === 'string' ? '' : null
    } }
  } })
  def('not', fixed('bool', 1, 1, (v) => (typeof v === 'boolean' ? !v : null)))
  def(['isempty'], fixed('bool', 1, 1, (v) => v === null || v === undefined || v === ''))
  def(['isnotempty', 'notempty'], fixed('bool', 1, 1, (v) => !(v === null || v === undefined || v === '')))
  def(['isnull'], fixed('bool', 1, 1, (v) => v === null || v === undefined))
  def(['isnotnull', 'notnull'], fixed('bool', 1, 1, (v) => !(v === null || v === undefined)))
  def('isnan', fixed('bool', 1, 1, (v) => typeof v === 'number' && Number.isNaN(v)))
  def('max_of', { minArgs: 1, maxArgs: 64, bind: (args, ctx) => { const type = unify(args, ctx); const ev = args.map((a) => coerceTo(a, type)); return { type, eval: (c, r) => ev.map((e) => e(c, r)).filter((v) => v !== null).reduce((m: unknown, v) => (m === null || compareValues(v, m) > 0 ? v : m), null) } } })
  def('min_of', { minArgs: 1, maxArgs: 64, bind: (args, ctx) => { const type = unify(args, ctx); const ev = args.map((a) => coerceTo(a, type)); return { type, eval: (c, r) => ev.map((e) => e(c, r)).filter((v) => v !== null).reduce((m: unknown, v) => (m === null || compareValues(v, m) < 0 ? v : m), null) } } })
  // --- math
  def('round', { minArgs: 1, maxArgs: 2, resultName: 'first', bind: ([a, p]) => {
    const ea = num(a!)
    const ep = p?.eval
    return { type: 'real', eval: (c, r) => {
      const v = ea(c, r)
      if (typeof v !== 'number') return null
      const d = ep ? (ep(c, r) as number) : 0
      const m = 10 ** d
      // half away from zero, like .NET Math.Round(x, MidpointRounding.AwayFromZero)
      return (Math.sign(v) * Math.round(Math.abs(v) * m)) / m
    } }
  } })
  const math = (fn: (x: number) => number, type: ScalarType = 'real'): ScalarFunction => fixed(type, 1, 1, (v) => (typeof v === 'number' ? fn(v) : null), num, 'first')
  def('abs', { minArgs: 1, maxArgs: 1, resultName: 'first', bind: ([a]) => ({ type: a!.type === 'dynamic' ? 'real' : a!.type, eval: (c, r) => { const v = a!.eval(c, r); return typeof v === 'number' ? Math.abs(v) : null } }) })
  def('sqrt', math(Math.sqrt))
  def('log', math(Math.log))
  def('log10', math(Math.log10))
  def('log2', math(Math.log2))
  def('exp', math(Math.exp))
  def('ceiling', math(Math.ceil))
  def('pow', fixed('real', 2, 2, (a, b) => (typeof a === 'number' && typeof b === 'number' ? a ** b : null), num, 'first'))
  def('rand', fixed('real', 0, 1, (n) => (typeof n === 'number' ? Math.floor(Math.random() * n) : Math.random())))
  def('binary_and', fixed('long', 2, 2, (a, b) => (typeof a === 'number' && typeof b === 'number' ? Number(BigInt(Math.trunc(a)) & BigInt(Math.trunc(b))) : null), undefined, 'first'))
  def('binary_or', fixed('long', 2, 2, (a, b) => (typeof a === 'number' && typeof b === 'number' ? Number(BigInt(Math.trunc(a)) | BigInt(Math.trunc(b))) : null), undefined, 'first'))
  def('binary_shift_left', fixed('long', 2, 2, (a, b) => (typeof a === 'number' && typeof b === 'number' ? Number(BigInt(Math.trunc(a)) << BigInt(b)) : null), undefined, 'first'))
  def('binary_shift_right', fixed('long', 2, 2, (a, b) => (typeof a === 'number' && typeof b === 'number' ? Number(BigInt(Math.trunc(a)) >> BigInt(b)) : null), undefined, 'first'))
  // --- dynamic / arrays / bags
  def(['array_length', 'arraylength'], fixed('long', 1, 1, (v) => (Array.isArray(v) ? v.length : null), dyn))
  def('array_concat', fixed('dynamic', 1, 64, (...vs) => (vs.every(Array.isArray) ? (vs as unknown[][]).flat(1) : null), dyn))
  def('array_sort_asc', fixed('dynamic', 1, 2, (v) => (Array.isArray(v) ? [...v].sort(compareValues) : null), dyn))
  def('array_sort_desc', fixed('dynamic', 1, 2, (v) => (Array.isArray(v) ? [...v].sort((a, b) => compareValues(b, a)) : null), dyn))
  def('array_index_of', fixed('long', 2, 2, (v, x) => (Array.isArray(v) ? v.findIndex((e) => equalValues(e, x)) : null), dyn))
  def('array_slice', fixed('dynamic', 3, 3, (v, s, e) => {
    if (!Array.isArray(v) || typeof s !== 'number' || typeof e !== 'number') return null
    const n = v.length
    const st = s < 0 ? n + s : s
    const en = e < 0 ? n + e : e
    return v.slice(st, en + 1)
  }, (a, i) => (i === 0 ? dyn(a) : a.eval)))
  def('array_reverse', fixed('dynamic', 1, 1, (v) => (Array.isArray(v) ? [...v].reverse() : null), dyn))
  def('array_sum', fixed('real', 1, 1, (v) => (Array.isArray(v) ? v.reduce((s: number, x) => s + (typeof x === 'number' ? x : 0), 0) : null), dyn))
  def(['pack_array'], fixed('dynamic', 1, 10000, (...vs) => vs, dyn))
  def(['pack', 'bag_pack', 'pack_dictionary'], { minArgs: 0, maxArgs: 128, bind: (args) => {
    const ev = args.map((a, i) => (i % 2 === 0 ? str(a) : dyn(a)))
    return { type: 'dynamic', eval: (c, r) => {
      const o: Record<string, unknown> = {}
      for (let i = 0; i + 1 < ev.length; i += 2) o[ev[i]!(c, r) as string] = ev[i + 1]!(c, r)
      return o
    } }
  } })
  def('bag_keys', fixed('dynamic', 1, 1, (v) => (v && typeof v === 'object' && !Array.isArray(v) ? Object.keys(v) : null), dyn))
  def('bag_has_key', fixed('bool', 2, 2, (v, k) => (v && typeof v === 'object' && !Array.isArray(v) ? Object.hasOwn(v, asText(k)) : false), dyn))
  def('bag_merge', fixed('dynamic', 1, 64, (...vs) => Object.assign({}, ...vs.filter((v) => v && typeof v === 'object' && !Array.isArray(v))), dyn))
  def('bag_remove_keys', fixed('dynamic', 2, 2, (v, ks) => {
    if (!v || typeof v !== 'object' || Array.isArray(v)) return null
    const o = { ...(v as Record<string, unknown>) }
    for (const k of arr(ks) ?? []) delete o[asText(k)]
    return o
  }, dyn))
  def('set_has_element', fixed('bool', 2, 2, (v, x) => (Array.isArray(v) ? v.some((e) => equalValues(e, x)) : null), dyn))
  def('set_union', fixed('dynamic', 1, 64, (...vs) => setOf(vs.flatMap((v) => arr(v) ?? [])), dyn))
  def('set_intersect', fixed('dynamic', 1, 64, (...vs) => {
    const [first, ...rest] = vs.map((v) => arr(v) ?? [])
    return setOf(first ?? []).filter((x) => rest.every((a) => a.some((e) => equalValues(e, x))))
  }, dyn))
  def('set_difference', fixed('dynamic', 1, 64, (...vs) => {
    const [first, ...rest] = vs.map((v) => arr(v) ?? [])
    return setOf(first ?? []).filter((x) => !rest.some((a) => a.some((e) => equalValues(e, x))))
  }, dyn))
  def('zip', fixed('dynamic', 2, 16, (...vs) => {
    const as = vs.map((v) => arr(v) ?? [])
    const n = Math.max(...as.map((a) => a.length))
    return Array.from({ length: n }, (_, i) => as.map((a) => a[i] ?? null))
  }, dyn))
  def('gettype', fixed('string', 1, 1, (v) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v === 'object' ? 'dictionary' : typeof v === 'number' ? (Number.isInteger(v) ? 'long' : 'real') : typeof v === 'boolean' ? 'bool' : 'string'), dyn))
  // --- network
  def('ipv4_is_private', fixed('bool', 1, 1, ipv4IsPrivate, str))
  def('ipv4_is_in_range', fixed('bool', 2, 2, ipv4InRange, str))
  def('ipv4_is_in_any_range', fixed('bool', 2, 64, (ip, ...ranges) => ranges.flat().some((r) => ipv4InRange(ip, r) === true), (a, i) => (i === 0 ? str(a) : a.type === 'dynamic' ? a.eval : str(a))))
  def('ipv4_is_match', fixed('bool', 2, 3, (a, b) => ipv4InRange(a, b), str))
  def('ipv4_compare', fixed('long', 2, 3, (a, b) => { const x = ipv4ToNumber(asText(a)); const y = ipv4ToNumber(asText(b)); return x === null || y === null ? null : Math.sign(x - y) }, str))
  def('parse_ipv4', fixed('long', 1, 1, (s) => ipv4ToNumber(asText(s)), str))
  def('format_ipv4', fixed('string', 1, 2, (n) => (typeof n === 'number' ? [24, 16, 8, 0].map((s) => (n >>> s) & 255).join('.') : ''), undefined))
  def('geo_info_from_ip_address', fixed('dynamic', 1, 1, (ip) => (ipv4ToNumber(asText(ip)) === null ? null : { country: 'United States', state: 'Washington', city: 'Redmond', latitude: 47.67, longitude: -122.12 }), str))
  def('base64_decode_toarray', fixed('dynamic', 1, 1, (s) => [...Buffer.from(asText(s), 'base64')], str))
  def('parse_xml', fixed('dynamic', 1, 1, () => null, str))
  def('parse_user_agent', fixed('dynamic', 2, 2, (s) => {
    const ua = asText(s)
    const browser = /Edg\//.test(ua) ? 'Edge' : /Chrome\//.test(ua) ? 'Chrome' : /Firefox\//.test(ua) ? 'Firefox' : /Safari\//.test(ua) ? 'Safari' : 'Other'
    const os = /Windows/.test(ua) ? 'Windows' : /Mac OS X/.test(ua) ? 'Mac OS X' : /Android/.test(ua) ? 'Android' : /Linux/.test(ua) ? 'Linux' : 'Other'
    return { Browser: { Family: browser }, OperatingSystem: { Family: os }, Device: { Family: 'Other' } }
  }, str))
  def('jaccard_index', fixed('real', 2, 2, (a, b) => {
    const x = setOf(arr(a) ?? [])
    const y = setOf(arr(b) ?? [])
    const inter = x.filter((v) => y.some((w) => equalValues(v, w))).length
    const union = x.length + y.length - inter
    return union === 0 ? null : inter / union
  }, dyn))
  def(['datetime_part', 'datepart'], fixed('int', 2, 2, (part, v) => {
    if (typeof v !== 'number') return null
    const d = new Date(v)
    switch (asText(part).toLowerCase()) {
      case 'year': return d.getUTCFullYear()
      case 'quarter': return Math.floor(d.getUTCMonth() / 3) + 1
      case 'month': return d.getUTCMonth() + 1
      case 'day': return d.getUTCDate()
      case 'dayofyear': return Math.floor((v - Date.UTC(d.getUTCFullYear(), 0, 1)) / DAY) + 1
      case 'hour': return d.getUTCHours()
      case 'minute': return d.getUTCMinutes()
      case 'second': return d.getUTCSeconds()
      case 'millisecond': return d.getUTCMilliseconds()
      default: return null
    }
  }))
  def('dayofyear', fixed('int', 1, 1, (v) => (typeof v === 'number' ? Math.floor((v - Date.UTC(new Date(v).getUTCFullYear(), 0, 1)) / DAY) + 1 : null)))
  def('series_stats', { ...fixed('dynamic', 1, 2, (series) => {
    const xs = (arr(series) ?? []).filter((x): x is number => typeof x === 'number')
    if (xs.length === 0) return [null, null, null, null, null, null, null]
    let min = 0
    let max = 0
    xs.forEach((x, i) => { if (x < xs[min]!) min = i; if (x > xs[max]!) max = i })
    const avg = xs.reduce((a, b) => a + b, 0) / xs.length
    const variance = xs.length > 1 ? xs.reduce((a, b) => a + (b - avg) ** 2, 0) / (xs.length - 1) : 0
    return [xs[min], min, xs[max], max, avg, Math.sqrt(variance), variance]
  }, dyn), outputs: [
    { suffix: 'min', type: 'real' }, { suffix: 'min_idx', type: 'long' }, { suffix: 'max', type: 'real' }, { suffix: 'max_idx', type: 'long' },
    { suffix: 'avg', type: 'real' }, { suffix: 'stdev', type: 'real' }, { suffix: 'variance', type: 'real' },
  ] })
  def('series_decompose_anomalies', { outputs: [{ suffix: 'ad_flag', type: 'dynamic' }, { suffix: 'ad_score', type: 'dynamic' }, { suffix: 'baseline', type: 'dynamic' }], ...fixed('dynamic', 1, 5, (series, threshold) => {
    // Simplified: z-scores against the series mean stand in for Kusto's seasonal decomposition.
    const xs = (arr(series) ?? []).map((x) => (typeof x === 'number' ? x : 0))
    const t = typeof threshold === 'number' ? threshold : 1.5
    const mean = xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length)
    const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, xs.length)) || 1
    const score = xs.map((x) => (x - mean) / sd)
    return [score.map((z) => (z > t ? 1 : z < -t ? -1 : 0)), score, xs.map(() => mean)]
  }, (a, i) => (i === 0 ? dyn(a) : a.eval)) })
  def('row_number', { minArgs: 0, maxArgs: 2, bind: () => ({ type: 'long', eval: (_c, r) => r + 1 }) })
  return f
}

/** Common type of branches (iff/case/coalesce): numeric widening, else the first non-dynamic type. */
export function unify(args: readonly BoundExpr[], ctx: FunctionContext): ScalarType {
  let t: ScalarType | undefined
  for (const a of args) {
    if (a.constant && a.constant.value === null && a.type !== 'string') continue
    if (t === undefined) t = a.type
    else if (t !== a.type) {
      if (isNumeric(t) && isNumeric(a.type)) t = widerNumeric(t, a.type)
      // Kusto.Language types a dynamic/typed mix as the typed branch (values are converted).
      else if (t === 'dynamic') t = a.type
      else if (a.type === 'dynamic') continue
      else ctx.fail('ERR_KQL_TYPE', `Branches have different types: ${t} and ${a.type}`)
    }
  }
  return t ?? args[0]?.type ?? 'unknown'
}

export function coerceTo(a: BoundExpr, type: ScalarType): Compiled {
  if (a.type === type) return a.eval
  const from = a.type
  const ev = a.eval
  return (c, r) => convert(ev(c, r), from, type)
}

