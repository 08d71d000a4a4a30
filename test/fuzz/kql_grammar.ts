/**
 * KQL inputs for fuzzing (issue 10 §8), drawn from a random source so any driver (fast-check's
 * seeds, a plain PRNG) can use them: queries built from the grammar — sources, tabular operators,
 * every registered scalar and aggregate function with any arity, literals of every type, nested
 * expressions and subqueries — and real queries mutated token by token.
 */
import { tokenize, type Token } from '../../src/kql/index.js'

export type Rnd = () => number

/** Used when the public corpus is not on this machine (CI): a few queries of each shape. */
export const FALLBACK_QUERIES = [
  'DeviceProcessEvents | where Timestamp > ago(7d) and FileName =~ "powershell.exe" | summarize count() by DeviceName, bin(Timestamp, 1h)',
  'let x = dynamic(["a", "b"]); DeviceNetworkEvents | where RemoteIP in (x) | join kind=leftouter (DeviceInfo | project DeviceId, OSPlatform) on DeviceId',
  'DeviceFileEvents | extend p = parse_json(AdditionalFields) | mv-expand p | project-away AdditionalFields | top 10 by Timestamp desc',
  'EmailEvents | where Subject matches regex @"(?i)invoice\\s+\\d+" | extend d = extract(@"@(.+)$", 1, SenderFromAddress) | summarize make_set(d) by RecipientEmailAddress',
  'DeviceLogonEvents | make-series n = count() default = 0 on Timestamp from ago(7d) to now() step 1h by DeviceName | extend s = series_stats(n)',
  'IdentityLogonEvents | parse kind=regex AdditionalFields with * "Port\\":" port:long * | summarize dcount(AccountUpn) by port',
]

/** The fuzz schema: two tables shaped like the hunting ones (test/kql/helpers.ts). */
export const FUZZ_SCHEMA = {
  Proc: [['Timestamp', 'datetime'], ['DeviceId', 'string'], ['DeviceName', 'string'], ['FileName', 'string'], ['ProcessCommandLine', 'string'], ['FileSize', 'long'], ['AdditionalFields', 'dynamic']],
  Net: [['Timestamp', 'datetime'], ['DeviceId', 'string'], ['RemoteIP', 'string'], ['RemotePort', 'int']],
} as const

const pick = <T>(rnd: Rnd, xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!
const int = (rnd: Rnd, lo: number, hi: number): number => lo + Math.floor(rnd() * (hi - lo + 1))

const COLUMNS = ['Timestamp', 'DeviceId', 'DeviceName', 'FileName', 'ProcessCommandLine', 'FileSize', 'AdditionalFields', 'RemoteIP', 'RemotePort', 'x', 'a', 'Count', 'n']
const BINARY = ['+', '-', '*', '/', '%', '==', '!=', '<', '<=', '>', '>=', 'and', 'or', '=~', '!~', 'has', '!has', 'has_cs', 'contains', '!contains', 'startswith', 'endswith', 'hasprefix', 'hassuffix', 'matches regex', 'in', '!in', 'in~', 'between']
const REGEXES = ['"(a+)+$"', '"^(\\\\w+)\\\\.exe$"', '"(?i)power.*shell"', '"("', '"[a-"', '"(?P<n>\\\\d+)"', '"\\\\bcmd\\\\b"', '"(a|aa)*b"', '@"\\d{1,3}(\\.\\d{1,3}){3}"', '"(a)\\\\1"', '"(?<=a)b"', '""']
const TIMESPANS = ['1ms', '1s', '1m', '1h', '1d', '7d', '0s', '-1h', '100ms', '1tick', '365d']
const STRINGS = ['"x"', '""', '"powershell.exe"', '"a,b,c"', "'it''s'", '@"C:\\Windows"', '"{\\"k\\": [1, 2]}"', '"10.0.0.1"', '"ünïcödé"', '"\\u0000"']

function literal(rnd: Rnd): string {
  switch (int(rnd, 0, 11)) {
    case 0: return String(int(rnd, -5, 1000))
    case 1: return pick(rnd, ['0', '-1', '1e18', '9223372036854775807', '1.5', '-0.0', '1e308', '0x7f', 'real(nan)', 'real(+inf)'])
    case 2: return pick(rnd, STRINGS)
    case 3: return pick(rnd, ['true', 'false', 'bool(null)'])
    case 4: return pick(rnd, ['datetime(2024-01-01)', 'datetime(2015-01-01T00:00:00Z)', 'datetime(null)', 'now()', 'ago(1d)', 'datetime(9999-12-31)', 'datetime(1601-01-01)'])
    case 5: return pick(rnd, TIMESPANS)
    case 6: return pick(rnd, ['dynamic([1, 2, 3])', 'dynamic({"a": 1, "b": [true, null]})', 'dynamic(null)', 'dynamic([])', 'dynamic({})', 'pack_array(1, "a")'])
    case 7: return pick(rnd, ['long(null)', 'int(null)', 'string(null)', 'guid(00000000-0000-0000-0000-000000000000)', 'timespan(null)'])
    case 8: return pick(rnd, REGEXES)
    case 9: return `range(${int(rnd, -3, 10)}, ${pick(rnd, ['10', '1000000000', '-5', '3'])}, ${pick(rnd, ['1', '0', '-1', '2', '0.5'])})`
    case 10: return pick(rnd, ['1d', '1h']) + ' * ' + int(rnd, 0, 5)
    default: return pick(rnd, COLUMNS)
  }
}

export function expr(rnd: Rnd, depth: number, fns: readonly string[]): string {
  if (depth <= 0 || rnd() < 0.3) return literal(rnd)
  switch (int(rnd, 0, 6)) {
    case 0:
    case 1: {
      const op = pick(rnd, BINARY)
      const r = op === 'matches regex' ? pick(rnd, REGEXES) : op.endsWith('in') || op === 'in~' ? `(${Array.from({ length: int(rnd, 0, 3) }, () => expr(rnd, depth - 1, fns)).join(', ')})` : op === 'between' ? `(${expr(rnd, depth - 1, fns)} .. ${expr(rnd, depth - 1, fns)})` : expr(rnd, depth - 1, fns)
      return `${expr(rnd, depth - 1, fns)} ${op} ${r}`
    }
    case 2:
    case 3: {
      const f = pick(rnd, fns)
      return `${f}(${Array.from({ length: int(rnd, 0, 4) }, () => expr(rnd, depth - 1, fns)).join(', ')})`
    }
    case 4: return `(${expr(rnd, depth - 1, fns)})`
    case 5: return `not(${expr(rnd, depth - 1, fns)})`
    default: return `${pick(rnd, ['iff', 'case', 'coalesce', 'strcat', 'tostring', 'toscalar'])}(${Array.from({ length: int(rnd, 1, 4) }, () => expr(rnd, depth - 1, fns)).join(', ')})`
  }
}

function source(rnd: Rnd, depth: number, g: Grammar): string {
  switch (int(rnd, 0, 7)) {
    case 0: return `range x from ${int(rnd, -10, 10)} to ${pick(rnd, ['100', '1000000000', '-3', '5'])} step ${pick(rnd, ['1', '0', '-1', '7', '0.001'])}`
    case 1: return `range t from datetime(2015-01-01) to datetime(2025-01-01) step ${pick(rnd, TIMESPANS)}`
    case 2: return `print ${Array.from({ length: int(rnd, 1, 3) }, (_, i) => `${pick(rnd, ['a', 'x', 'n'])}${i} = ${expr(rnd, depth, g.functions)}`).join(', ')}`
    case 3: return 'datatable(a:long, s:string, d:dynamic)[1, "x", dynamic([1,2]), 2, "y", dynamic({"k":"v"}), long(null), "", dynamic(null)]'
    case 4: return `union ${pick(rnd, ['Proc, Net', 'Proc, (Net | take 1)', 'withsource=T Proc, Net', 'kind=inner Proc, Net', 'P*', '*'])}`
    default: return pick(rnd, ['Proc', 'Net'])
  }
}

function operator(rnd: Rnd, depth: number, g: Grammar): string {
  const e = (): string => expr(rnd, depth, g.functions)
  const col = (): string => pick(rnd, COLUMNS)
  switch (int(rnd, 0, 21)) {
    case 0: return `where ${e()}`
    case 1: return `extend ${col()} = ${e()}`
    case 2: return `project ${Array.from({ length: int(rnd, 1, 3) }, () => (rnd() < 0.5 ? col() : `${col()} = ${e()}`)).join(', ')}`
    case 3: return `summarize ${pick(rnd, g.aggregates)}(${rnd() < 0.5 ? '' : e()}) by ${rnd() < 0.5 ? col() : `bin(${col()}, ${pick(rnd, TIMESPANS)})`}`
    case 4: return `take ${pick(rnd, ['0', '1', '5', '-1', '1000000000'])}`
    case 5: return `sort by ${col()} ${pick(rnd, ['asc', 'desc', 'nulls first', ''])}`
    case 6: return `top ${int(rnd, 0, 20)} by ${e()}`
    case 7: return `mv-expand ${col()}${rnd() < 0.3 ? ` limit ${int(rnd, 0, 5)}` : ''}`
    case 8: return `join kind=${pick(rnd, ['inner', 'innerunique', 'leftouter', 'rightouter', 'fullouter', 'leftanti', 'rightsemi'])} (${query(rnd, depth - 1, g)}) on ${pick(rnd, ['DeviceId', 'x', '$left.DeviceId == $right.DeviceId', 'a'])}`
    case 9: return `distinct ${col()}`
    case 10: return 'count'
    case 11: return `make-series n = count() on ${col()} from ${pick(rnd, ['datetime(2015-01-01)', 'ago(30d)', '0'])} to ${pick(rnd, ['datetime(2025-01-01)', 'now()', '10'])} step ${pick(rnd, TIMESPANS)}`
    case 12: return `parse ${rnd() < 0.5 ? 'kind=regex ' : ''}${col()} with ${pick(rnd, ['"a" x:string', '* "=" v:long', '"(" x', '"x" * "y" z:int'])}`
    case 13: return `mv-apply ${col()} on (${pick(rnd, ['take 1', 'summarize count()', 'where 1 == 1'])})`
    case 14: return `extend ${col()} = extract(${pick(rnd, REGEXES)}, ${int(rnd, 0, 2)}, tostring(${col()}))`
    case 15: return `evaluate ${pick(rnd, ['bag_unpack(AdditionalFields)', 'pivot(DeviceName)', 'nope()'])}`
    case 16: return `project-away ${col()}`
    case 17: return `as T | union T`
    case 18: return `summarize make_list(${e()}) by ${col()}`
    case 19: return `partition by ${col()} (${pick(rnd, ['take 1', 'count', 'top 1 by Timestamp'])})`
    case 20: return `serialize r = row_number()`
    default: return `extend ${col()} = toscalar(${query(rnd, depth - 1, g)} | count)`
  }
}

export interface Grammar {
  functions: readonly string[]
  aggregates: readonly string[]
}

/** A query from the grammar: `let` statements, a source, 0–5 piped operators; subqueries to `depth`. */
export function query(rnd: Rnd, depth: number, g: Grammar): string {
  const lets = rnd() < 0.2 ? `let v = ${expr(rnd, 2, g.functions)};\n` : ''
  const ops = Array.from({ length: int(rnd, 0, depth > 0 ? 5 : 2) }, () => operator(rnd, Math.max(0, depth - 1), g))
  return lets + [source(rnd, Math.max(0, depth - 1), g), ...ops].join(' | ')
}

/** A real query mutated token by token: drop, repeat, swap, truncate, or splice a random token in. */
export function mutate(q: string, rnd: Rnd): string {
  let toks: Token[]
  try {
    toks = tokenize(q).filter((t) => t.kind !== 'eof')
  } catch {
    return q.slice(0, Math.floor(rnd() * q.length))
  }
  const parts = toks.map((t) => q.slice(t.start, t.end))
  const n = 1 + Math.floor(rnd() * 3)
  for (let k = 0; k < n && parts.length > 1; k++) {
    const i = Math.floor(rnd() * parts.length)
    const j = Math.floor(rnd() * parts.length)
    switch (Math.floor(rnd() * 5)) {
      case 0: parts.splice(i, 1); break
      case 1: parts.splice(i, 0, parts[j]!); break
      case 2: [parts[i], parts[j]] = [parts[j]!, parts[i]!]; break
      case 3: parts.splice(i, 0, pick(rnd, ['(', ')', '|', '[', '"', "'", '//', '..', 'let', '=', ';', '\u0000', '9'.repeat(30)])); break
      default: parts.length = Math.max(1, i)
    }
  }
  return parts.join(' ')
}
