/**
 * The binder: resolves tables, columns, functions and types of a parsed query against the schema,
 * computes every operator's output schema exactly as Kusto names it, and compiles expressions, so
 * all semantic errors surface before a single row is read.
 */
import type { Expr, Query, Tabular } from './ast.js'
import { exprName, lookup, type Binding, type Env } from './bind_expr.js'
import { OperatorBinder, uniqueName } from './bind_operators.js'
import { constant, type BoundExpr, type Compiled } from './compiled.js'
import type { Plan } from './plan.js'
import type { Column } from './types.js'
import { convert } from './values.js'

export type { BinderOptions } from './bind_operators.js'

/** Operators that keep an open schema open (they pass unknown columns through). */
const KEEPS_OPEN = new Set(['where', 'extend', 'serialize', 'sort', 'take', 'top', 'project-away', 'project-rename', 'project-reorder', 'mv-expand', 'parse', 'as', 'render', 'invoke', 'join', 'lookup'])

export class Binder extends OperatorBinder {
  private depth = 0

  /** Binds all statements; returns the plan of the last tabular statement. */
  bindQuery(q: Query, parent?: Env): Plan {
    const env: Env = { vars: new Map(), parent }
    let result: Plan | undefined
    let scalar: BoundExpr | undefined
    for (const s of q.statements) {
      if (s.kind === 'let') {
        env.vars.set(s.name, this.bindLet(s.value, env))
      } else if (s.kind === 'letfn') {
        env.vars.set(s.name, { kind: 'function', params: s.params, body: s.body, env })
      } else if (s.kind === 'query') {
        if (this.isTabular(s.expr, env)) result = this.bindTabular(s.expr, env)
        else scalar = this.exprs.bind(s.expr, { columns: [], env })
      }
    }
    if (result) return result
    if (scalar) {
      // A scalar result (e.g. a function body) becomes a one-row table `print_0`.
      const ev = scalar.eval
      return { op: 'lazy', pos: 0, schema: [{ name: 'print_0', type: scalar.type }], build: () => ({ columns: [{ name: 'print_0', type: scalar!.type }], data: [[ev([], 0)]], rowCount: 1 }) }
    }
    return this.fail('ERR_KQL_SYNTAX', 'The query has no tabular expression', 0)
  }

  private bindLet(value: Expr, env: Env): Binding {
    if (this.isTabular(value, env)) return { kind: 'tabular', plan: this.bindTabular(value, env) }
    const b = this.exprs.bind(value, { columns: [], env })
    if (b.constant) return { kind: 'scalar', expr: b }
    // Row-independent: evaluate once per run.
    const key = {}
    const ev = b.eval
    const rt = this.rt
    return { kind: 'scalar', expr: { type: b.type, eval: () => {
      if (rt.memo.has(key)) return rt.memo.get(key)
      const v = ev([], 0)
      rt.memo.set(key, v)
      return v
    } } }
  }

  isTabular(e: Expr, env: Env): boolean {
    switch (e.kind) {
      case 'tabular':
        return true
      case 'name': {
        const b = lookup(env, e.name)
        if (b) return b.kind === 'tabular' || (b.kind === 'function' && b.params.length === 0 && this.fnIsTabular(b))
        return this.opts.schema.has(e.name)
      }
      case 'call': {
        if (e.name === 'materialize' || e.name === 'table' || e.name === 'view' || e.name === '$wildcard') return true
        const b = lookup(env, e.name)
        return b?.kind === 'function' && this.fnIsTabular(b)
      }
      default:
        return false
    }
  }

  private fnIsTabular(fn: Binding & { kind: 'function' }): boolean {
    const last = [...fn.body.statements].reverse().find((s) => s.kind === 'query')
    if (!last || last.kind !== 'query') return false
    const env: Env = { vars: new Map(fn.params.map((p) => [p.name, p.type === null ? { kind: 'tabular', plan: { op: 'const', pos: 0, schema: [], table: { columns: [], data: [], rowCount: 0 } } } : { kind: 'scalar', expr: constant(p.type, null) }] as [string, Binding])), parent: fn.env }
    for (const s of fn.body.statements) if (s.kind === 'let') env.vars.set(s.name, { kind: 'scalar', expr: constant('unknown', null) })
    for (const s of fn.body.statements) if (s.kind === 'let' && (s.value.kind === 'tabular' || (s.value.kind === 'name' && this.isTabular(s.value, fn.env)))) env.vars.set(s.name, { kind: 'tabular', plan: { op: 'const', pos: 0, schema: [], table: { columns: [], data: [], rowCount: 0 } } })
    return this.isTabular(last.expr, env)
  }

  bindTabular(e: Expr, env: Env): Plan {
    if (++this.depth > 64) this.fail('ERR_KQL_LIMIT', 'The query nests too deeply', e.pos)
    try {
      return this.bindTabularInner(e, env)
    } finally {
      this.depth--
    }
  }

  private bindTabularInner(e: Expr, env: Env): Plan {
    switch (e.kind) {
      case 'tabular':
        return this.bindSource(e.query, env)
      case 'name': {
        const b = lookup(env, e.name)
        if (b?.kind === 'tabular') return b.plan
        if (b?.kind === 'function') return this.callTabularFunction(b, [], e.pos, env)
        const cols = this.opts.schema.get(e.name)
        if (cols) return { op: 'scan', pos: e.pos, schema: cols, table: e.name }
        return this.fail('ERR_KQL_UNKNOWN_TABLE', `Failed to resolve table or column expression named '${e.name}'`, e.pos)
      }
      case 'call': {
        if (e.name === 'materialize') {
          if (e.args.length !== 1) this.fail('ERR_KQL_ARGUMENTS', 'materialize() expects 1 argument', e.pos)
          const input = this.bindTabular(e.args[0]!, env)
          return { op: 'memo', pos: e.pos, schema: input.schema, input }
        }
        if (e.name === 'table') {
          const n = e.args[0]
          if (n?.kind !== 'literal' || typeof n.value !== 'string') return this.fail('ERR_KQL_ARGUMENTS', 'table() expects a table name', e.pos)
          return this.bindTabular({ kind: 'name', pos: e.pos, name: n.value }, env)
        }
        if (e.name === '$wildcard') {
          const prefix = String((e.args[0] as Expr & { kind: 'literal' }).value)
          const names = [...this.opts.schema.keys()].filter((n) => n.startsWith(prefix))
          if (names.length === 0) this.fail('ERR_KQL_UNKNOWN_TABLE', `No table matches '${prefix}*'`, e.pos)
          return this.bindSource({ kind: 'union', pos: e.pos, outer: true, tables: names.map((n) => ({ kind: 'source', pos: e.pos, expr: { kind: 'name', pos: e.pos, name: n } })) }, env)
        }
        const b = lookup(env, e.name)
        if (b?.kind === 'function') return this.callTabularFunction(b, e.args, e.pos, env)
        if (this.opts.schema.has(e.name) && e.args.length === 0) return this.bindTabular({ kind: 'name', pos: e.pos, name: e.name }, env)
        return this.fail('ERR_KQL_UNKNOWN_FUNCTION', `Unknown function: '${e.name}'`, e.pos)
      }
      default:
        return this.fail('ERR_KQL_TYPE', 'Expected a tabular expression', e.pos)
    }
  }

  private functionEnv(fn: Binding & { kind: 'function' }, args: readonly Expr[], pos: number, env: Env): Env {
    if (args.length > fn.params.length) this.fail('ERR_KQL_ARGUMENTS', `The function expects ${fn.params.length} arguments, got ${args.length}`, pos)
    const vars = new Map<string, Binding>()
    fn.params.forEach((p, i) => {
      const a = args[i] ?? p.defaultValue
      if (a === undefined) return this.fail('ERR_KQL_ARGUMENTS', `Missing argument '${p.name}'`, pos)
      if (p.type === null) vars.set(p.name, { kind: 'tabular', plan: this.bindTabular(a, env) })
      else {
        const b = this.exprs.bind(a, { columns: [], env })
        vars.set(p.name, { kind: 'scalar', expr: b.type === p.type || p.type === 'dynamic' ? b : { type: p.type, eval: ((ev, from, to) => (c: readonly unknown[][], r: number) => convert(ev(c, r), from, to))(b.eval, b.type, p.type) } })
      }
    })
    return { vars, parent: fn.env }
  }

  protected callTabularFunction(fn: Binding & { kind: 'function' }, args: readonly Expr[], pos: number, env: Env): Plan {
    if (++this.depth > 64) this.fail('ERR_KQL_LIMIT', 'Recursive function calls are not supported', pos)
    try {
      return this.bindQuery(fn.body, this.functionEnv(fn, args, pos, env))
    } finally {
      this.depth--
    }
  }

  callScalarFunction(fn: Binding & { kind: 'function' }, args: readonly BoundExpr[], pos: number): BoundExpr {
    const vars = new Map<string, Binding>()
    fn.params.forEach((p, i) => {
      const a = args[i]
      if (a) vars.set(p.name, { kind: 'scalar', expr: a })
      else if (p.defaultValue) vars.set(p.name, { kind: 'scalar', expr: this.exprs.bind(p.defaultValue, { columns: [], env: fn.env }) })
      else this.fail('ERR_KQL_ARGUMENTS', `Missing argument '${p.name}'`, pos)
    })
    const env: Env = { vars, parent: fn.env }
    let result: BoundExpr | undefined
    for (const s of fn.body.statements) {
      if (s.kind === 'let') env.vars.set(s.name, this.bindLet(s.value, env))
      else if (s.kind === 'letfn') env.vars.set(s.name, { kind: 'function', params: s.params, body: s.body, env })
      else if (s.kind === 'query') result = this.exprs.bind(s.expr, { columns: [], env })
    }
    if (!result) return this.fail('ERR_KQL_TYPE', 'The function has no result expression', pos)
    return result
  }

  // ---- tabular sources ----------------------------------------------------------------------
  protected bindSource(t: Tabular, env: Env): Plan {
    switch (t.kind) {
      case 'source':
        return this.bindTabular(t.expr, env)
      case 'pipe': {
        const input = this.bindSource(t.input, env)
        if (t.op.op === 'as') {
          // `T | as Name`: the rest of the query can refer to this intermediate result by name.
          const memo: Plan = { op: 'memo', pos: t.op.pos, schema: input.schema, input }
          env.vars.set(t.op.name, { kind: 'tabular', plan: memo })
          return memo
        }
        const out = this.bindOp(input, t.op, env)
        return input.open !== undefined && out.open === undefined && KEEPS_OPEN.has(t.op.op) && out !== input ? { ...out, open: input.open } : out
      }
      case 'union':
        return this.bindUnion(t.tables.map((x) => this.bindSource(x, env)), t.outer, t.withSource, t.tables, t.pos)
      case 'datatable': {
        const n = t.columns.length
        if (n === 0 || t.values.length % n !== 0) this.fail('ERR_KQL_ARGUMENTS', `datatable: ${t.values.length} values do not fill ${n} columns`, t.pos)
        const data: unknown[][] = t.columns.map(() => [])
        t.values.forEach((v, i) => {
          const b = this.exprs.bind(v, { columns: [], env })
          const col = t.columns[i % n]!
          data[i % n]!.push(convert(b.eval([], 0), b.type, col.type))
        })
        return { op: 'const', pos: t.pos, schema: t.columns, table: { columns: t.columns, data, rowCount: t.values.length / n } }
      }
      case 'externaldata':
        return { op: 'externaldata', pos: t.pos, schema: t.columns, uris: t.uris, options: t.options }
      case 'range': {
        const from = this.exprs.bind(t.from, { columns: [], env })
        const to = this.exprs.bind(t.to, { columns: [], env })
        const step = this.exprs.bind(t.step, { columns: [], env })
        const schema = [{ name: t.column, type: from.type }]
        return { op: 'lazy', pos: t.pos, schema, build: (budget) => {
          const a = from.eval([], 0)
          const b = to.eval([], 0)
          const s = step.eval([], 0)
          if (typeof a !== 'number' || typeof b !== 'number' || typeof s !== 'number' || s === 0 || !Number.isFinite(s)) return { columns: schema, data: [[]], rowCount: 0 }
          // The row count is known before anything is allocated: ten years at 1ms is refused here.
          const span = (b - a) / s
          const n = span < 0 ? 0 : Math.floor(span + 1e-9) + 1
          budget.cells(n, 1, t.pos, 'range')
          const out = new Array<unknown>(n)
          // a + i·step, not a running sum: a step below the start's precision cannot loop forever
          for (let i = 0; i < n; i++) {
            if ((i & 1023) === 0) budget.tick(t.pos)
            out[i] = a + i * s
          }
          return { columns: schema, data: [out], rowCount: n }
        } }
      }
      case 'find': {
        // union withsource=source_ … | where P | project source_, <columns common to all tables>, pack_ (the rest)
        const inputs = t.tables.map((x) => this.bindSource(x, env))
        const src = t.withSource ?? 'source_'
        const union = this.bindUnion(inputs, true, src, t.tables, t.pos)
        const reads = new Set<number>()
        const pred = this.exprs.bind(t.predicate, { columns: union.schema, env, reads })
        const filtered: Plan = { op: 'where', pos: t.pos, schema: union.schema, input: union, pred: pred.eval, reads }
        const index = (name: string, pos: number): number => {
          const i = union.schema.findIndex((c) => c.name === name)
          return i >= 0 ? i : this.fail('ERR_KQL_UNKNOWN_COLUMN', `Failed to resolve column or scalar expression named '${name}'`, pos)
        }
        if (t.project) {
          const cols = [0, ...t.project.map((p) => index(p.name, p.pos)).filter((i) => i !== 0)]
          return { op: 'project', pos: t.pos, schema: cols.map((i) => union.schema[i]!), input: filtered, cols: cols.map((i) => ({ from: i })), reads: new Set(cols) }
        }
        if (inputs.length === 1) return filtered
        // columns common to all tables, then the other columns the predicate names (Kusto.Language)
        const common = union.schema.map((c, i) => ({ c, i })).filter(({ c, i }) => i > 0 && inputs.every((p) => p.schema.some((s) => s.name === c.name && s.type === c.type)))
        for (const i of [...reads].sort((a, b) => a - b)) if (i > 0 && !common.some((x) => x.i === i)) common.push({ c: union.schema[i]!, i })
        const rest = union.schema.map((c, i) => ({ c, i })).filter(({ i }) => i > 0 && !common.some((x) => x.i === i))
        const pack: Compiled = (c, r) => {
          const o: Record<string, unknown> = {}
          for (const { c: col, i } of rest) {
            const v = c[i]![r]
            if (v !== null && v !== undefined && v !== '') o[col.name] = col.type === 'datetime' || col.type === 'timespan' ? convert(v, col.type, 'dynamic') : v
          }
          return o
        }
        const schema: Column[] = [union.schema[0]!, ...common.map(({ c }) => c), { name: 'pack_', type: 'dynamic' }]
        return { op: 'project', pos: t.pos, schema, input: filtered, cols: [{ from: 0 }, ...common.map(({ i }) => ({ from: i })), { eval: pack }] }
      }
      case 'print': {
        const used = new Set<string>()
        const items = t.items.map((a, i) => {
          const b = this.exprs.bind(a.expr, { columns: [], env })
          const name = uniqueName(a.names?.[0] ?? exprName(a.expr, this.functions, this.aggregates) ?? `print_${i}`, used)
          used.add(name)
          return { name, b }
        })
        const schema = items.map(({ name, b }) => ({ name, type: b.type }))
        return { op: 'lazy', pos: t.pos, schema, build: () => ({ columns: schema, data: items.map(({ b }) => [b.eval([], 0)]), rowCount: 1 }) }
      }
    }
  }
}

