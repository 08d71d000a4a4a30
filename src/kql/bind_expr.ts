/**
 * Scalar expression binding: resolves names against the row schema and the let-scope, checks
 * types, and compiles each expression to one closure (operators pick their implementation here,
 * once, from the static operand types).
 */
import type { Expr, FunctionParam, Query } from './ast.js'
import type { AggregateFunction } from './aggregates.js'
import { constant, type BoundExpr, type Compiled, type RuntimeRef } from './compiled.js'
import { kustoRegex, quoteRegex } from './regex.js'
import { regexArg, type FunctionContext, type ScalarFunction } from './functions.js'
import type { Plan } from './plan.js'
import { isNumeric, typeFromName, widerNumeric, type Column, type ScalarType } from './types.js'
import { asText, compareValues, convert, equalValues, hasPrefix, hasSuffix, hasTerm, parseJson, toDynamic, toKustoString } from './values.js'

/**
 * Thrown (internally) when an open schema must grow a column; the engine re-binds with the column
 * declared on the operator at `source` (Kusto keeps such schemas open in the same way).
 */
export class NeedColumn {
  /** `pos`: where the column is referenced (for the error when it cannot be supplied). */
  constructor(readonly source: number, readonly name: string, readonly pos: number) {}
}

export type Binding =
  | { readonly kind: 'scalar'; readonly expr: BoundExpr }
  | { readonly kind: 'tabular'; readonly plan: Plan }
  | { readonly kind: 'function'; readonly params: readonly FunctionParam[]; readonly body: Query; readonly env: Env }

export interface Env {
  readonly vars: Map<string, Binding>
  readonly parent: Env | undefined
}

export function lookup(env: Env | undefined, name: string): Binding | undefined {
  for (let e = env; e; e = e.parent) {
    const b = e.vars.get(name)
    if (b) return b
  }
  return undefined
}

/** The services the scalar binder needs from the engine/tabular binder. */
export interface BindHost {
  readonly rt: RuntimeRef
  readonly functions: ReadonlyMap<string, ScalarFunction>
  readonly aggregates: ReadonlyMap<string, AggregateFunction>
  fail(code: string, message: string, pos: number): never
  /** Binds an expression that must be tabular (subquery, let name, function call). */
  bindTabular(e: Expr, env: Env): Plan
  /** Returns true if the expression denotes a table (without binding errors). */
  isTabular(e: Expr, env: Env): boolean
  /** Records a subquery evaluated from a closure (toscalar, `in (T)`): column pruning must keep all its columns. */
  noteSubquery(plan: Plan): void
  /** Binds a user function call whose body is scalar. */
  callScalarFunction(fn: Binding & { kind: 'function' }, args: readonly BoundExpr[], pos: number): BoundExpr
}

export interface Scope {
  readonly columns: readonly Column[]
  readonly env: Env
  /** In `summarize` expressions: binds aggregate calls (returns undefined elsewhere). */
  readonly aggregate?: (call: Expr & { kind: 'call' }) => BoundExpr
  /** Position of the open-schema operator (bag_unpack, pivot) that can supply unknown columns. */
  readonly open?: number
  /** Collects the indices of the input columns the bound expressions read (for column pruning). */
  readonly reads?: Set<number>
}

/** Kusto's result name for an unnamed expression (Kusto.Language ResultNameKind rules). */
export function exprName(e: Expr, functions: ReadonlyMap<string, ScalarFunction>, aggregates?: ReadonlyMap<string, AggregateFunction>): string | undefined {
  switch (e.kind) {
    case 'name':
      return e.name
    case 'member': {
      const t = exprName(e.target, functions, aggregates)
      return t === undefined ? undefined : `${t}_${e.member}`
    }
    case 'index': {
      const t = exprName(e.target, functions, aggregates)
      if (t === undefined || e.index.kind !== 'literal') return undefined
      return `${t}_${String(e.index.value)}`
    }
    case 'call': {
      // bin(Name = Timestamp, 5m): a named first argument names the result
      const namedFirst = e.named?.find((n) => n.expr === e.args[0])
      if (namedFirst?.names?.[0] !== undefined && functions.get(e.name)?.resultName === 'first') return namedFirst.names[0]
      if ((e.name === 'column_ifexists' || e.name === 'columnifexists') && e.args[0]?.kind === 'literal') return String(e.args[0].value)
      const agg = functions.has(e.name) ? undefined : aggregates?.get(e.name)
      if (agg?.prefix) return `${agg.prefix}_${e.args[0] ? exprName(e.args[0], functions, aggregates) ?? '' : ''}`
      const fn = functions.get(e.name)
      if (!fn?.resultName || e.args.length === 0) return undefined
      const first = exprName(e.args[0]!, functions, aggregates)
      if (fn.resultName === 'first') return first
      return first === undefined ? undefined : `${e.name}_${first}`
    }
    default:
      return undefined
  }
}

const STRING_OPS = new Set(['has', 'has_cs', 'hasprefix', 'hasprefix_cs', 'hassuffix', 'hassuffix_cs', 'contains', 'contains_cs', 'startswith', 'startswith_cs', 'endswith', 'endswith_cs', 'matches regex', 'like'])

/** The scalar binder for one query. */
export class ExprBinder {
  constructor(private readonly host: BindHost) {}

  bind(e: Expr, scope: Scope): BoundExpr {
    switch (e.kind) {
      case 'literal':
        return constant(e.type, e.value)
      case 'name':
        return this.bindName(e.name, e.pos, scope)
      case 'unary': {
        const a = this.bind(e.operand, scope)
        if (e.op === '+') return a
        if (!isNumeric(a.type) && a.type !== 'timespan' && a.type !== 'dynamic') this.host.fail('ERR_KQL_TYPE', `Unary '-' requires a number or timespan, got ${a.type}`, e.pos)
        const ev = a.eval
        return { type: a.type === 'dynamic' ? 'real' : a.type, eval: (c, r) => { const v = ev(c, r); return typeof v === 'number' ? -v : null } }
      }
      case 'binary':
        return this.bindBinary(e.op, e.left, e.right, e.pos, scope)
      case 'between':
        return this.bindBetween(e, scope)
      case 'in':
        return this.bindIn(e.op, e.left, e.list, e.pos, scope)
      case 'member':
      case 'index':
        return this.bindAccess(e, scope)
      case 'call':
        return this.bindCall(e, scope)
      case 'star':
        return this.host.fail('ERR_KQL_SYNTAX', "'*' is not valid here", e.pos)
      case 'tabular':
        return this.host.fail('ERR_KQL_TYPE', 'A tabular expression is not valid in a scalar context', e.pos)
    }
  }

  private bindName(name: string, pos: number, scope: Scope): BoundExpr {
    let idx = scope.columns.findIndex((c) => c.name === name)
    // TimeGenerated is accepted as an alias of Timestamp in Defender advanced hunting (issue 5 §1).
    if (idx < 0 && name === 'TimeGenerated') idx = scope.columns.findIndex((c) => c.name === 'Timestamp')
    if (idx >= 0) {
      scope.reads?.add(idx)
      const col = scope.columns[idx]!
      return { type: col.type, eval: (c, r) => c[idx]![r], name, column: idx }
    }
    const b = lookup(scope.env, name)
    if (b?.kind === 'scalar') return { ...b.expr, name }
    if (b?.kind === 'tabular') return this.host.fail('ERR_KQL_TYPE', `'${name}' is a tabular expression and cannot be used as a scalar`, pos)
    if (scope.open !== undefined) throw new NeedColumn(scope.open, name, pos)
    return this.host.fail('ERR_KQL_UNKNOWN_COLUMN', `Failed to resolve scalar expression named '${name}'`, pos)
  }

  private bindAccess(e: Expr & { kind: 'member' | 'index' }, scope: Scope): BoundExpr {
    const target = this.bind(e.target, scope)
    const name = exprName(e, this.host.functions, this.host.aggregates)
    const t = target.type === 'dynamic' ? target.eval : target.type === 'string' ? ((tc: Compiled): Compiled => (c, r) => parseJson(tc(c, r)))(target.eval) : null
    if (t === null) return this.host.fail('ERR_KQL_TYPE', `Member access requires a dynamic value, got ${target.type}`, e.pos)
    if (e.kind === 'member') {
      const m = e.member
      return { type: 'dynamic', ...(name ? { name } : {}), eval: (c, r) => { const v = t(c, r); return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>)[m] ?? null : null } }
    }
    const idx = this.bind(e.index, scope)
    const ie = idx.eval
    return { type: 'dynamic', ...(name ? { name } : {}), eval: (c, r) => {
      const v = t(c, r)
      const k = ie(c, r)
      if (v === null || typeof v !== 'object') return null
      if (Array.isArray(v)) {
        if (typeof k !== 'number') return null
        return v[k < 0 ? v.length + k : k] ?? null
      }
      return (v as Record<string, unknown>)[asText(k)] ?? null
    } }
  }

  private bindCall(e: Expr & { kind: 'call' }, scope: Scope): BoundExpr {
    const name = e.name
    const agg = this.host.aggregates.get(name)
    if (agg && scope.aggregate && !this.host.functions.has(name)) return scope.aggregate(e)
    if (agg && !this.host.functions.has(name)) return this.host.fail('ERR_KQL_TYPE', `Aggregate function '${name}' is only valid in summarize`, e.pos)
    switch (name) {
      case 'typeof': {
        const a = e.args[0]
        const t = a?.kind === 'name' ? typeFromName(a.name) : undefined
        if (t === undefined) return this.host.fail('ERR_KQL_SYNTAX', 'typeof() expects a type name', e.pos)
        return constant('string', t)
      }
      case 'toscalar': {
        if (e.args.length !== 1) return this.host.fail('ERR_KQL_ARGUMENTS', 'toscalar() expects 1 argument', e.pos)
        if (!this.host.isTabular(e.args[0]!, scope.env)) return this.bind(e.args[0]!, scope)
        const plan = this.host.bindTabular(e.args[0]!, scope.env)
        this.host.noteSubquery(plan)
        const type = plan.schema[0]?.type ?? 'unknown'
        const rt = this.host.rt
        const key = {}
        return { type, eval: () => {
          const memo = rt.memo
          if (memo.has(key)) return memo.get(key)
          const t = rt.execute(plan)
          const v = t.rowCount > 0 ? t.data[0]![0] ?? null : null
          memo.set(key, v)
          return v
        } }
      }
      case 'column_ifexists':
      case 'columnifexists': {
        const n = e.args.length === 2 ? this.bind(e.args[0]!, { columns: [], env: scope.env }) : undefined
        const colName = n?.constant?.value ?? (n ? n.eval([], 0) : undefined)
        if (typeof colName !== 'string') return this.host.fail('ERR_KQL_ARGUMENTS', 'column_ifexists() expects a column name and a default value', e.pos)
        const idx = scope.columns.findIndex((c) => c.name === colName)
        if (idx >= 0) scope.reads?.add(idx)
        if (idx >= 0) return { type: scope.columns[idx]!.type, eval: (c, r) => c[idx]![r], column: idx }
        return this.bind(e.args[1]!, scope)
      }
      case 'pack_all':
      case 'bag_pack_columns': {
        const cols = name === 'pack_all' ? scope.columns.map((_, i) => i) : e.args.map((a) => this.bind(a, scope).column ?? -1)
        for (const i of cols) if (i >= 0) scope.reads?.add(i)
        if (cols.includes(-1)) return this.host.fail('ERR_KQL_ARGUMENTS', `${name}() expects column names`, e.pos)
        const cs = scope.columns
        return { type: 'dynamic', eval: (c, r) => {
          const o: Record<string, unknown> = {}
          for (const i of cols) {
            const v = c[i]![r]
            if (name === 'pack_all' && (v === null || v === '')) continue
            o[cs[i]!.name] = toDynamic(v, cs[i]!.type)
          }
          return o
        } }
      }
      case '$search_term': {
        // `search "term"`: any string or dynamic column has the term (`*` is a wildcard).
        const term = String((e.args[0] as Expr & { kind: 'literal' }).value)
        const cols = scope.columns.map((c, i) => ({ c, i })).filter(({ c }) => c.type === 'string' || c.type === 'dynamic')
        for (const { i } of cols) scope.reads?.add(i)
        // several `*` would backtrack polynomially in a JS RegExp: RE2 matches in linear time
        const re = term.includes('*') ? kustoRegex(term.split('*').map((p) => quoteRegex(p)).join('.*'), 'is') : undefined
        return { type: 'bool', eval: (c, r) => cols.some(({ i }) => { const s = asText(c[i]![r]); return re ? re.test(s) : hasTerm(s, term, false) }) }
      }
      case 'prev':
      case 'next': {
        const a = this.bind(e.args[0]!, scope)
        const off = e.args[1] ? Number(this.bind(e.args[1], scope).constant?.value ?? 1) : 1
        const def = e.args[2] ? this.bind(e.args[2], scope).eval : () => null
        const d = name === 'prev' ? -off : off
        const ev = a.eval
        return { type: a.type, eval: (c, r) => {
          const j = r + d
          return j >= 0 && j < (c[0]?.length ?? 0) ? ev(c, j) : def(c, r)
        } }
      }
      case 'range': {
        const [a, b, s] = e.args.map((x) => this.bind(x, scope))
        if (!a || !b) return this.host.fail('ERR_KQL_ARGUMENTS', 'range() expects start, stop[, step]', e.pos)
        const rt = this.host.rt
        return { type: 'dynamic', eval: (c, r) => {
          const st = a.eval(c, r)
          const en = b.eval(c, r)
          const sp = s ? (s.eval(c, r) as number) : 1
          if (typeof st !== 'number' || typeof en !== 'number' || typeof sp !== 'number' || !sp || !Number.isFinite(sp)) return null
          // "The range function supports a maximum of 1,048,576 (2^20) results" and truncates
          // (Learn, range-function); the elements count against the run's value budget.
          const span = (en - st) / sp
          const n = span < 0 ? 0 : Math.min(1048576, Math.floor(span + 1e-9) + 1)
          rt.budget.build(n, e.pos, 'range()')
          const out = new Array<unknown>(n)
          for (let i = 0; i < n; i++) out[i] = toDynamic(st + i * sp, a.type)
          return out
        } }
      }
    }
    const user = lookup(scope.env, name)
    if (user?.kind === 'function') {
      const args = e.args.map((a) => this.bind(a, scope))
      return this.host.callScalarFunction(user, args, e.pos)
    }
    const fn = this.host.functions.get(name)
    if (!fn) return this.host.fail('ERR_KQL_UNKNOWN_FUNCTION', `Unknown function: '${name}'`, e.pos)
    if (e.args.length < fn.minArgs || e.args.length > fn.maxArgs) {
      return this.host.fail('ERR_KQL_ARGUMENTS', `Function '${name}' expects ${fn.minArgs === fn.maxArgs ? fn.minArgs : `${fn.minArgs} to ${fn.maxArgs}`} arguments, got ${e.args.length}`, e.pos)
    }
    const args = e.args.map((a) => this.bind(a, scope))
    const ctx: FunctionContext = { rt: this.host.rt, pos: e.pos, fail: (code, message) => this.host.fail(code, `${name}(): ${message}`, e.pos) }
    const out = fn.bind(args, ctx)
    const n = exprName(e, this.host.functions, this.host.aggregates)
    return n === undefined ? out : { ...out, name: n }
  }

  private bindBinary(op: string, le: Expr, re: Expr, pos: number, scope: Scope): BoundExpr {
    const l = this.bind(le, scope)
    const r = this.bind(re, scope)
    const a = l.eval
    const b = r.eval
    switch (op) {
      case 'and':
        return { type: 'bool', eval: (c, i) => { const x = a(c, i); if (x === false) return false; const y = b(c, i); if (y === false) return false; return x === null || y === null || x === undefined || y === undefined ? null : true } }
      case 'or':
        return { type: 'bool', eval: (c, i) => { const x = a(c, i); if (x === true) return true; const y = b(c, i); if (y === true) return true; return x === null || y === null || x === undefined || y === undefined ? null : false } }
      case '==':
      case '!=': {
        const neg = op === '!='
        const [ca, cb] = this.comparable(l, r)
        return { type: 'bool', eval: (c, i) => {
          const x = ca(c, i)
          const y = cb(c, i)
          if (x === null || y === null || x === undefined || y === undefined) return null
          return equalValues(x, y) !== neg
        } }
      }
      case '=~':
      case '!~': {
        const neg = op === '!~'
        const sa = this.text(l)
        const sb = this.text(r)
        const k = r.constant && typeof r.constant.value === 'string' ? r.constant.value.toLowerCase() : undefined
        if (k !== undefined) return { type: 'bool', eval: (c, i) => ((sa(c, i) as string).toLowerCase() === k) !== neg }
        return { type: 'bool', eval: (c, i) => ((sa(c, i) as string).toLowerCase() === (sb(c, i) as string).toLowerCase()) !== neg }
      }
      case '<':
      case '<=':
      case '>':
      case '>=': {
        const [ca, cb] = this.comparable(l, r)
        const test = op === '<' ? (d: number) => d < 0 : op === '<=' ? (d: number) => d <= 0 : op === '>' ? (d: number) => d > 0 : (d: number) => d >= 0
        return { type: 'bool', eval: (c, i) => {
          const x = ca(c, i)
          const y = cb(c, i)
          if (x === null || y === null || x === undefined || y === undefined) return null
          return test(compareValues(x, y))
        } }
      }
      case '+':
      case '-':
      case '*':
      case '/':
      case '%':
        return this.arith(op, l, r, pos)
    }
    const neg = op.startsWith('!')
    const base = neg ? op.slice(1) : op
    if (STRING_OPS.has(base)) return this.stringOp(base, neg, l, r, re.pos)
    return this.host.fail('ERR_KQL_SYNTAX', `Unknown operator '${op}'`, pos)
  }

  /** Makes both sides comparable: dynamic/string against typed values are converted to the typed side. */
  private comparable(l: BoundExpr, r: BoundExpr): [Compiled, Compiled] {
    if (l.type === r.type || (isNumeric(l.type) && isNumeric(r.type))) return [l.eval, r.eval]
    if (l.type === 'dynamic' && r.type !== 'dynamic') return [this.coerce(l, r.type), r.eval]
    if (r.type === 'dynamic' && l.type !== 'dynamic') return [l.eval, this.coerce(r, l.type)]
    if (l.type === 'string' && (r.type === 'datetime' || r.type === 'timespan' || isNumeric(r.type) || r.type === 'bool')) return [this.coerce(l, r.type), r.eval]
    if (r.type === 'string' && (l.type === 'datetime' || l.type === 'timespan' || isNumeric(l.type) || l.type === 'bool')) return [l.eval, this.coerce(r, l.type)]
    if (l.type === 'guid' || r.type === 'guid') return [this.text(l), this.text(r)]
    return [l.eval, r.eval]
  }

  private coerce(e: BoundExpr, to: ScalarType): Compiled {
    const from = e.type
    const ev = e.eval
    return (c, r) => convert(ev(c, r), from, to)
  }

  /** The string form of an operand, for string operators. */
  text(e: BoundExpr): Compiled {
    if (e.type === 'string' && e.column !== undefined) {
      const k = e.column
      return (c, r) => c[k]![r] ?? ''
    }
    if (e.type === 'string') {
      const ev = e.eval
      return (c, r) => ev(c, r) ?? ''
    }
    const ev = e.eval
    const t = e.type
    return t === 'dynamic' ? (c, r) => asText(ev(c, r)) : (c, r) => toKustoString(ev(c, r), t)
  }

  private stringOp(op: string, neg: boolean, l: BoundExpr, r: BoundExpr, pos: number): BoundExpr {
    const hay = this.text(l)
    const needleC = this.text(r)
    const cs = op.endsWith('_cs')
    const base = cs ? op.slice(0, -3) : op
    const k = r.constant && typeof r.constant.value === 'string' ? r.constant.value : undefined
    let test: (h: string, n: string) => boolean
    if (k !== undefined && k !== '' && (base === 'has' || base === 'hasprefix' || base === 'hassuffix')) {
      // A constant needle compiles to one regex with term boundaries (alphanumerics; non-ASCII counts as a term character).
      const esc = k.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
      const term = (ch: string): boolean => /[A-Za-z0-9\u0080-\uffff]/.test(ch)
      const pre = term(k[0]!) ? '(?:^|[^A-Za-z0-9\\u0080-\\uffff])' : ''
      const post = term(k[k.length - 1]!) && base !== 'hasprefix' ? '(?![A-Za-z0-9\\u0080-\\uffff])' : ''
      const re = new RegExp(`${base === 'hassuffix' ? '' : pre}${esc}${post}`, cs ? '' : 'i')
      return { type: 'bool', eval: (c, i) => re.test(hay(c, i) as string) !== neg }
    }
    switch (base) {
      case 'has': test = (h, n) => hasTerm(h, n, cs); break
      case 'hasprefix': test = (h, n) => hasPrefix(h, n, cs); break
      case 'hassuffix': test = (h, n) => hasSuffix(h, n, cs); break
      case 'contains': test = cs ? (h, n) => h.includes(n) : (h, n) => h.toLowerCase().includes(n.toLowerCase()); break
      case 'startswith': test = cs ? (h, n) => h.startsWith(n) : (h, n) => h.toLowerCase().startsWith(n.toLowerCase()); break
      case 'endswith': test = cs ? (h, n) => h.endsWith(n) : (h, n) => h.toLowerCase().endsWith(n.toLowerCase()); break
      default: {
        // matches regex (RE2, regex.ts): the pattern is compiled once when it is a constant
        const rx = regexArg(r, { rt: this.host.rt, pos, fail: (code, message) => this.host.fail(code, `'matches regex' operator: ${message}`, pos) })
        test = (h) => rx([], 0).test(h)
        if (r.constant === undefined) return { type: 'bool', eval: (c, i) => rx(c, i).test(hay(c, i) as string) !== neg }
      }
    }
    if (k !== undefined && !cs && (base === 'contains' || base === 'startswith' || base === 'endswith')) {
      const kl = k.toLowerCase()
      const fast = base === 'contains' ? (h: string) => h.toLowerCase().includes(kl) : base === 'startswith' ? (h: string) => h.toLowerCase().startsWith(kl) : (h: string) => h.toLowerCase().endsWith(kl)
      return { type: 'bool', eval: (c, i) => fast(hay(c, i) as string) !== neg }
    }
    if (k !== undefined) return { type: 'bool', eval: (c, i) => test(hay(c, i) as string, k) !== neg }
    return { type: 'bool', eval: (c, i) => test(hay(c, i) as string, needleC(c, i) as string) !== neg }
  }

  private arith(op: string, l: BoundExpr, r: BoundExpr, pos: number): BoundExpr {
    const lt = l.type === 'dynamic' ? 'real' : l.type
    const rt = r.type === 'dynamic' ? 'real' : r.type
    let type: ScalarType
    if (isNumeric(lt) && isNumeric(rt)) type = widerNumeric(lt, rt)
    else if (lt === 'datetime' && rt === 'datetime' && op === '-') type = 'timespan'
    else if ((lt === 'datetime' && rt === 'timespan') || (lt === 'timespan' && rt === 'datetime' && op === '+')) type = 'datetime'
    else if (lt === 'timespan' && rt === 'timespan') type = op === '/' ? 'real' : 'timespan'
    else if (lt === 'timespan' && isNumeric(rt) && (op === '*' || op === '/')) type = 'timespan'
    else if (isNumeric(lt) && rt === 'timespan' && op === '*') type = 'timespan'
    else if ((lt === 'datetime' || lt === 'timespan') && isNumeric(rt) && (op === '+' || op === '-')) type = lt
    else if (lt === 'string' && rt === 'string' && op === '+') return this.host.fail('ERR_KQL_TYPE', "Operator '+' is not defined on strings; use strcat()", pos)
    else return this.host.fail('ERR_KQL_TYPE', `Operator '${op}' cannot be applied to ${l.type} and ${r.type}`, pos)
    const a = l.type === 'dynamic' ? this.coerce(l, 'real') : l.eval
    const b = r.type === 'dynamic' ? this.coerce(r, 'real') : r.eval
    // Arithmetic on dynamic operands is typed dynamic (the value is still computed numerically).
    if (l.type === 'dynamic' || r.type === 'dynamic') type = 'dynamic'
    const intDiv = type === 'long' || type === 'int'
    let f: (x: number, y: number) => number | null
    switch (op) {
      case '+': f = (x, y) => x + y; break
      case '-': f = (x, y) => x - y; break
      case '*': f = (x, y) => x * y; break
      case '/': f = intDiv ? (x, y) => (y === 0 ? null : Math.trunc(x / y)) : (x, y) => x / y; break
      default: f = (x, y) => (y === 0 ? null : x % y)
    }
    return { type, eval: (c, i) => {
      const x = a(c, i)
      const y = b(c, i)
      return typeof x === 'number' && typeof y === 'number' ? f(x, y) : null
    } }
  }

  private bindBetween(e: Expr & { kind: 'between' }, scope: Scope): BoundExpr {
    const v = this.bind(e.left, scope)
    const lo = this.bind(e.low, scope)
    let hi = this.bind(e.high, scope)
    if (v.type === 'datetime' && hi.type === 'timespan') {
      const l0 = lo.eval
      const h0 = hi.eval
      hi = { type: 'datetime', eval: (c, r) => { const a = l0(c, r); const b = h0(c, r); return typeof a === 'number' && typeof b === 'number' ? a + b : null } }
    }
    const [va, la] = this.comparable(v, lo)
    const [, ha] = this.comparable(v, hi)
    const neg = e.negated
    return { type: 'bool', eval: (c, r) => {
      const x = va(c, r)
      const a = la(c, r)
      const b = ha(c, r)
      if (x === null || a === null || b === null || x === undefined) return null
      return (compareValues(x, a) >= 0 && compareValues(x, b) <= 0) !== neg
    } }
  }

  /** `in`, `!in`, `in~`, `!in~`, `has_any`, `has_all` over literals, dynamic arrays and subqueries. */
  private bindIn(op: string, le: Expr, list: readonly Expr[], pos: number, scope: Scope): BoundExpr {
    const l = this.bind(le, scope)
    const ci = op.endsWith('~') || op === 'has_any' || op === 'has_all'
    const sources: (() => unknown[])[] = []
    const rowSources: Compiled[] = []
    const rt = this.host.rt
    const norm = (v: unknown): unknown => (ci && typeof v === 'string' ? v.toLowerCase() : v)
    for (const item of list) {
      if (this.host.isTabular(item, scope.env)) {
        const plan = this.host.bindTabular(item, scope.env)
        this.host.noteSubquery(plan)
        if (plan.schema.length < 1) this.host.fail('ERR_KQL_TYPE', 'The subquery has no columns', item.pos)
        sources.push(() => { const t = rt.execute(plan); return t.data[0]!.slice(0, t.rowCount) })
        continue
      }
      const itemReads = new Set<number>()
      const b = this.bind(item, { ...scope, reads: itemReads })
      for (const i of itemReads) scope.reads?.add(i)
      if (b.constant) {
        const v = b.constant.value
        sources.push(() => (Array.isArray(v) ? v : [v]))
      } else if (itemReads.size === 0) {
        // no column involved (a let-bound list, a function of constants): evaluated once per run
        const ev = b.eval
        sources.push(() => { const v = ev([], 0); return Array.isArray(v) ? v : [v] })
      } else rowSources.push(b.eval)
    }
    const key = {}
    const terms = op === 'has_any' || op === 'has_all'
    const values = (): { set: Set<unknown>; list: string[] } => {
      const memo = rt.memo
      let got = memo.get(key) as { set: Set<unknown>; list: string[] } | undefined
      if (!got) {
        const all = sources.flatMap((s) => s())
        const set = new Set<unknown>()
        const budget = rt.budget
        // up to millions of elements (range() in the list): the run's deadline holds in here too
        for (let i = 0; i < all.length; i++) {
          if ((i & 4095) === 4095) budget.tick(pos)
          const v = all[i]
          if (v === null || v === undefined) continue
          set.add(norm(typeof v === 'object' ? JSON.stringify(v) : v))
        }
        got = { set, list: terms ? all.filter((v) => v !== null && v !== undefined).map((v) => (typeof v === 'string' ? v : asText(v))) : [] }
        memo.set(key, got)
      }
      return got
    }
    const lv = l.type === 'string' ? l.eval : l.type === 'dynamic' || l.type === 'datetime' || l.type === 'timespan' ? this.text(l) : l.eval
    if (op === 'has_any' || op === 'has_all') {
      const all = op === 'has_all'
      const hay = this.text(l)
      return { type: 'bool', eval: (c, r) => {
        const h = hay(c, r) as string
        const needles = [...values().list, ...rowSources.flatMap((s) => { const v = s(c, r); return Array.isArray(v) ? v.map(asText) : [asText(v)] })]
        return all ? needles.every((n) => hasTerm(h, n, false)) : needles.some((n) => hasTerm(h, n, false))
      } }
    }
    const neg = op.startsWith('!')
    return { type: 'bool', eval: (c, r) => {
      const v = lv(c, r)
      if (v === null || v === undefined) return neg ? true : false
      const k = norm(typeof v === 'object' ? JSON.stringify(v) : v)
      const set = values().set
      // a number matches its string form and back ("1" in (1)): converted on the probe side, so a
      // list of a million numbers is not held twice
      let hit = set.has(k) || (typeof k === 'number' ? set.has(String(k)) : typeof k === 'string' && k !== '' && String(Number(k)) === k && set.has(Number(k)))
      if (!hit) {
        for (const s of rowSources) {
          const v = s(c, r)
          if (Array.isArray(v) ? v.some((x) => norm(x) === k) : norm(v) === k) { hit = true; break }
        }
      }
      return hit !== neg
    } }
  }
}

