/**
 * Binding of the tabular operators: one `switch` over the operator kinds, computing each output
 * schema the way Kusto names it (summarize, join/lookup suffixes, union type variants, arg_max
 * expansion, open schemas) and compiling the operator's expressions.
 */
import type { AggregateFunction, BoundAggregate } from './aggregates.js'
import type { Assignment, Expr, Tabular, TabularOp } from './ast.js'
import { ExprBinder, exprName, lookup, NeedColumn, type BindHost, type Binding, type Env, type Scope } from './bind_expr.js'
import type { BoundExpr, Compiled, RuntimeRef } from './compiled.js'
import { KqlSemanticError } from './errors.js'
import type { ScalarFunction } from './functions.js'
import type { ColumnSource, Plan, SortSpec } from './plan.js'
import type { KqlSchema } from './schema.js'
import type { Column, ScalarType, Table } from './types.js'
import { kustoRegex, quoteRegex, type KustoRegex } from './regex.js'

/** Columns `invoke FileProfile()` adds (Defender docs "FileProfile() function"). */
const FILE_PROFILE: readonly Column[] = [
  { name: 'SHA1', type: 'string' }, { name: 'SHA256', type: 'string' }, { name: 'MD5', type: 'string' }, { name: 'FileSize', type: 'long' },
  { name: 'GlobalPrevalence', type: 'long' }, { name: 'GlobalFirstSeen', type: 'datetime' }, { name: 'GlobalLastSeen', type: 'datetime' },
  { name: 'Signer', type: 'string' }, { name: 'Issuer', type: 'string' }, { name: 'SignerHash', type: 'string' },
  { name: 'IsCertificateValid', type: 'bool' }, { name: 'IsRootSignerMicrosoft', type: 'bool' }, { name: 'SignatureState', type: 'string' },
  { name: 'IsExecutable', type: 'bool' }, { name: 'ThreatName', type: 'string' }, { name: 'Publisher', type: 'string' },
  { name: 'SoftwareName', type: 'string' }, { name: 'ProfileAvailability', type: 'string' },
]

export function uniqueName(name: string, used: ReadonlySet<string>): string {
  if (!used.has(name)) return name
  for (let i = 1; ; i++) if (!used.has(`${name}${i}`)) return `${name}${i}`
}
export function columnName(used: ReadonlySet<string>): string {
  for (let i = 1; ; i++) if (!used.has(`Column${i}`)) return `Column${i}`
}
function wildcard(pattern: string): RegExp {
  return new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`)
}
const colRef = (i: number): Compiled => (c, r) => c[i]![r]

export interface BinderOptions {
  readonly text: string
  readonly schema: KqlSchema
  readonly functions: ReadonlyMap<string, ScalarFunction>
  readonly aggregates: ReadonlyMap<string, AggregateFunction>
  readonly rt: RuntimeRef
  /** Columns later operators referenced on an open schema, by the position of its source operator. */
  readonly openColumns: Map<number, string[]>
}

export abstract class OperatorBinder implements BindHost {
  readonly rt: RuntimeRef
  readonly functions: ReadonlyMap<string, ScalarFunction>
  readonly aggregates: ReadonlyMap<string, AggregateFunction>
  protected readonly exprs: ExprBinder
  /** Plans run from inside expressions (toscalar, `in (subquery)`). */
  readonly subqueries: Plan[] = []

  constructor(protected readonly opts: BinderOptions) {
    this.rt = opts.rt
    this.functions = opts.functions
    this.aggregates = opts.aggregates
    this.exprs = new ExprBinder(this)
  }

  noteSubquery(plan: Plan): void {
    this.subqueries.push(plan)
  }

  fail(code: string, message: string, pos: number): never {
    throw new KqlSemanticError(code, message, this.opts.text, pos)
  }

  abstract bindTabular(e: Expr, env: Env): Plan
  abstract isTabular(e: Expr, env: Env): boolean
  abstract callScalarFunction(fn: Binding & { kind: 'function' }, args: readonly BoundExpr[], pos: number): BoundExpr
  protected abstract bindSource(t: Tabular, env: Env): Plan
  protected abstract callTabularFunction(fn: Binding & { kind: 'function' }, args: readonly Expr[], pos: number, env: Env): Plan

  protected bindUnion(inputs: readonly Plan[], outer: boolean, withSource: string | undefined, sources: readonly Tabular[], pos: number): Plan {
    const schema: Column[] = []
    if (withSource) schema.push({ name: withSource, type: 'string' })
    // Same name with different types across inputs: Kusto makes one column per type, `Name_type`.
    const types = new Map<string, Set<ScalarType>>()
    for (const p of inputs) for (const c of p.schema) (types.get(c.name) ?? types.set(c.name, new Set()).get(c.name)!).add(c.type)
    const outName = (c: Column): string => ((types.get(c.name)?.size ?? 1) > 1 ? `${c.name}_${c.type}` : c.name)
    if (outer) {
      for (const p of inputs) for (const c of p.schema) {
        if (schema.some((s) => s.name === outName(c))) continue
        const variants = types.get(c.name)!
        // all type variants of a conflicted name sit where the name first appears
        if (variants.size > 1) for (const t of variants) schema.push({ name: `${c.name}_${t}`, type: t })
        else schema.push({ name: c.name, type: c.type })
      }
    } else {
      for (const c of inputs[0]!.schema) if (inputs.every((p) => p.schema.some((s) => s.name === c.name && s.type === c.type))) schema.push(c)
    }
    const maps = inputs.map((p) => schema.map((c) => p.schema.findIndex((s) => outName(s) === c.name)))
    const sourceNames = withSource ? sources.map((s) => (s.kind === 'source' && s.expr.kind === 'name' ? s.expr.name : 'union_arg')) : undefined
    return { op: 'union', pos, schema, inputs, maps, ...(sourceNames ? { sourceNames } : {}) }
  }

  // ---- tabular operators --------------------------------------------------------------------
  protected bindOp(input: Plan, op: TabularOp, env: Env): Plan {
    const reads = new Set<number>()
    const plan = this.bindOpInner(input, op, env, reads)
    return plan === input ? plan : { ...plan, reads }
  }

  protected bindOpInner(input: Plan, op: TabularOp, env: Env, reads: Set<number>): Plan {
    const scope: Scope = input.open === undefined ? { columns: input.schema, env, reads } : { columns: input.schema, env, open: input.open, reads }
    const pos = op.pos
    switch (op.op) {
      case 'where': {
        const p = this.exprs.bind(op.predicate, scope)
        if (p.type !== 'bool' && p.type !== 'dynamic') this.fail('ERR_KQL_TYPE', `The 'where' predicate must be a boolean expression, got ${p.type}`, op.predicate.pos)
        return { op: 'where', pos, schema: input.schema, input, pred: p.eval }
      }
      case 'extend':
      case 'serialize': {
        const schema = [...input.schema]
        const steps: { target: number; eval: Compiled }[] = []
        for (const a of op.items) {
          const b = this.exprs.bind(a.expr, { ...scope, columns: schema })
          // Several results (series_stats, series_decompose_anomalies): named ones take the given
          // names, the rest are `fn_Arg_suffix` (Kusto.Language).
          const outputs = a.expr.kind === 'call' ? this.functions.get(a.expr.name)?.outputs : undefined
          const multi = outputs !== undefined || (a.names?.length ?? 0) > 1
          let names = a.names ?? [exprName(a.expr, this.functions, this.aggregates) ?? columnName(new Set(schema.map((c) => c.name)))]
          if (outputs && a.expr.kind === 'call') {
            const argName = a.expr.args[0] ? exprName(a.expr.args[0], this.functions, this.aggregates) ?? '' : ''
            const given = a.names ?? []
            names = outputs.map((o, k) => given[k] ?? `${(a.expr as Expr & { kind: 'call' }).name}_${argName}_${o.suffix}`)
          }
          names.forEach((name, k) => {
            const ev: Compiled = !multi ? b.eval : (c, r) => { const v = b.eval(c, r); return Array.isArray(v) ? v[k] ?? null : null }
            const type = !multi ? b.type : outputs?.[k]?.type ?? 'dynamic'
            let target = schema.findIndex((c) => c.name === name)
            if (target >= 0) schema[target] = { name, type }
            else {
              target = schema.length
              schema.push({ name, type })
            }
            steps.push({ target, eval: ev })
          })
        }
        return { op: 'extend', pos, schema, input, steps }
      }
      case 'project': {
        const schema: Column[] = []
        const cols: ColumnSource[] = []
        const used = new Set<string>()
        for (const a of op.items) {
          const b = this.exprs.bind(a.expr, scope)
          let name = a.names?.[0] ?? exprName(a.expr, this.functions, this.aggregates) ?? columnName(used)
          if (used.has(name)) {
            if (a.names) this.fail('ERR_KQL_DUPLICATE_COLUMN', `A column named '${name}' is already projected`, a.pos)
            name = uniqueName(name, used)
          }
          used.add(name)
          schema.push({ name, type: b.type })
          cols.push(b.column !== undefined ? { from: b.column } : { eval: b.eval })
        }
        return { op: 'project', pos, schema, input, cols }
      }
      case 'project-away':
      case 'project-keep': {
        const matched = new Set<number>()
        for (const c of op.columns) {
          const re = wildcard(c.pattern)
          let any = false
          input.schema.forEach((col, i) => { if (re.test(col.name)) { matched.add(i); any = true } })
          if (!any && !c.pattern.includes('*')) {
            if (input.open !== undefined) throw new NeedColumn(input.open, c.pattern, c.pos)
            this.fail('ERR_KQL_UNKNOWN_COLUMN', `Failed to resolve column or scalar expression named '${c.pattern}'`, c.pos)
          }
        }
        const keep = input.schema.map((_, i) => i).filter((i) => matched.has(i) === (op.op === 'project-keep'))
        return { op: 'project', pos, schema: keep.map((i) => input.schema[i]!), input, cols: keep.map((i) => ({ from: i })) }
      }
      case 'project-rename': {
        const schema = [...input.schema]
        for (const p of op.pairs) {
          const i = schema.findIndex((c) => c.name === p.from)
          if (i < 0) this.fail('ERR_KQL_UNKNOWN_COLUMN', `Failed to resolve column or scalar expression named '${p.from}'`, p.pos)
          schema[i] = { name: p.to, type: schema[i]!.type }
        }
        return { op: 'project', pos, schema, input, cols: schema.map((_, i) => ({ from: i })) }
      }
      case 'project-reorder': {
        const order: number[] = []
        for (const c of op.columns) {
          const re = wildcard(c.pattern)
          let hits = input.schema.map((col, i) => ({ col, i })).filter(({ col, i }) => re.test(col.name) && !order.includes(i))
          if (hits.length === 0 && !c.pattern.includes('*') && input.open !== undefined) throw new NeedColumn(input.open, c.pattern, c.pos)
          if (hits.length === 0 && !c.pattern.includes('*')) this.fail('ERR_KQL_UNKNOWN_COLUMN', `Failed to resolve column or scalar expression named '${c.pattern}'`, c.pos)
          if (c.desc !== undefined) hits = hits.sort((x, y) => (x.col.name < y.col.name ? -1 : 1) * (c.desc ? -1 : 1))
          order.push(...hits.map((h) => h.i))
        }
        for (let i = 0; i < input.schema.length; i++) if (!order.includes(i)) order.push(i)
        return { op: 'project', pos, schema: order.map((i) => input.schema[i]!), input, cols: order.map((i) => ({ from: i })) }
      }
      case 'summarize':
        return this.bindSummarize(input, op.aggs, op.by, env, pos, reads)
      case 'distinct': {
        if (op.items.length === 0) return this.bindSummarize(input, [], input.schema.map((c) => ({ pos, expr: { kind: 'name', pos, name: c.name } })), env, pos, reads)
        return this.bindSummarize(input, [], op.items, env, pos, reads)
      }
      case 'count':
        return this.bindSummarize(input, [{ pos, names: ['Count'], expr: { kind: 'call', pos, name: 'count', args: [] } }], [], env, pos)
      case 'join':
      case 'lookup':
        return this.bindJoin(input, op, env)
      case 'sort':
        return { op: 'sort', pos, schema: input.schema, input, keys: op.keys.map((k) => this.sortSpec(k.expr, k.desc, k.nullsFirst, scope)) }
      case 'top': {
        const sorted: Plan = { op: 'sort', pos, schema: input.schema, input, keys: [this.sortSpec(op.key.expr, op.key.desc, op.key.nullsFirst, scope)] }
        return { op: 'take', pos, schema: input.schema, input: sorted, count: this.constNumber(op.count, env) }
      }
      case 'take':
        return { op: 'take', pos, schema: input.schema, input, count: this.constNumber(op.count, env) }
      case 'union':
        return this.bindUnion([input, ...op.tables.map((t) => this.bindSource(t, env))], op.outer, op.withSource, [{ kind: 'source', pos, expr: { kind: 'name', pos, name: 'union_arg0' } }, ...op.tables], pos)
      case 'mv-expand':
      case 'mv-apply': {
        const schema = [...input.schema]
        const items = op.items.map(({ item, to }) => {
          const b = this.exprs.bind(item.expr, scope)
          const name = item.names?.[0] ?? exprName(item.expr, this.functions, this.aggregates) ?? columnName(new Set(schema.map((c) => c.name)))
          const type: ScalarType = to ?? 'dynamic'
          let target = schema.findIndex((c) => c.name === name)
          if (target >= 0) schema[target] = { name, type }
          else {
            target = schema.length
            schema.push({ name, type })
          }
          return { target, eval: b.eval, to: type }
        })
        if (op.op === 'mv-expand') {
          const limit = op.limit ? this.constNumber(op.limit, env) : Number.POSITIVE_INFINITY
          // with_itemindex=Name adds the element's 0-based index as a long column
          const itemIndex = op.itemIndex === undefined ? undefined : schema.push({ name: op.itemIndex, type: 'long' }) - 1
          return { op: 'mv-expand', pos, schema, input, items, limit, ...(itemIndex === undefined ? {} : { itemIndex }) }
        }
        // mv-apply: the subquery sees a table of the expanded values only; the output is the input's
        // other columns followed by the subquery's columns (Kusto docs "mv-apply operator").
        const itemColumns = items.map((it) => schema[it.target]!)
        const slot: { table: Table | null } = { table: null }
        const inner: Plan = { op: 'lazy', pos, schema: itemColumns, build: () => slot.table! }
        const bodyEnv: Env = { vars: new Map([['$mvapply', { kind: 'tabular', plan: inner }]]), parent: env }
        const body = this.bindSource(op.body, bodyEnv)
        const keep = input.schema.map((_, i) => i).filter((i) => !items.some((it) => it.target === i) && !body.schema.some((b) => b.name === input.schema[i]!.name))
        const out: Column[] = keep.map((i) => input.schema[i]!)
        const used = new Set(out.map((c) => c.name))
        for (const c of body.schema) {
          const name = uniqueName(c.name, used)
          used.add(name)
          out.push({ name, type: c.type })
        }
        return { op: 'mv-apply', pos, schema: out, input, items: items.map(({ eval: ev, to }) => ({ eval: ev, to })), itemColumns, keep, body, slot }
      }
      case 'parse': {
        const src = this.exprs.bind(op.expr, scope)
        const schema = [...input.schema]
        const targets: { index: number; type: ScalarType }[] = []
        let re = '^'
        op.pattern.forEach((p, i) => {
          // kind=regex: the literals are regular expressions themselves
          if (p.kind === 'text') re += op.regex ? p.text : quoteRegex(p.text)
          else if (p.kind === 'star') re += i === op.pattern.length - 1 ? '.*' : '.*?'
          else {
            const last = i === op.pattern.length - 1
            re += p.type === 'long' || p.type === 'int' ? '(-?\\d+)' : p.type === 'real' ? '(-?[\\d.eE+-]+)' : last ? '(.*)' : '(.*?)'
            let index = schema.findIndex((c) => c.name === p.name)
            if (index >= 0) schema[index] = { name: p.name, type: p.type }
            else {
              index = schema.length
              schema.push({ name: p.name, type: p.type })
            }
            targets.push({ index, type: p.type })
          }
        })
        // RE2 (regex.ts) for both kinds: several `.*?` would backtrack polynomially in a JS RegExp.
        // Kusto's kind=regex default flags are none; `.` spans lines here as it did before (s).
        let regex: KustoRegex
        try {
          regex = kustoRegex(re, op.regex ? `s${op.flags ?? ''}` : 's')
        } catch (e) {
          return this.fail('ERR_KQL_REGEX', `'parse' operator: the pattern is not a valid RE2 regular expression: ${e instanceof Error ? e.message : String(e)}`, pos)
        }
        return { op: 'parse', pos, schema, input, eval: this.exprs.text(src), regex, targets, pattern: op.pattern }
      }
      case 'as':
      case 'render':
        return input
      case 'getschema': {
        const schema: Column[] = [{ name: 'ColumnName', type: 'string' }, { name: 'ColumnOrdinal', type: 'long' }, { name: 'DataType', type: 'string' }, { name: 'ColumnType', type: 'string' }]
        const cols = input.schema
        return { op: 'const', pos, schema, table: { columns: schema, data: [cols.map((c) => c.name), cols.map((_, i) => i), cols.map((c) => `System.${c.type}`), cols.map((c) => c.type)], rowCount: cols.length } }
      }
      case 'invoke':
        return this.bindInvoke(input, op.call, env, reads)
      case 'evaluate': {
        const out = this.bindEvaluate(input, op.call, scope)
        if (!op.schema) return out
        // a declared output schema closes the open schema: columns are matched by name
        return { op: 'fit', pos, schema: op.schema, input: out }
      }
      case 'make-series':
        return this.bindMakeSeries(input, op, env)
      case 'search': {
        // T | search P  ≡  (T with a leading $table column) | where P
        const tagged = this.bindUnion([input], true, '$table', [{ kind: 'source', pos, expr: { kind: 'name', pos, name: '' } }], pos)
        const p = this.exprs.bind(op.predicate, { columns: tagged.schema, env })
        return { op: 'where', pos, schema: tagged.schema, input: tagged, pred: p.eval }
      }
      case 'partition': {
        // Each group of rows sharing `by` runs through the subquery; results are concatenated.
        const key = input.schema.findIndex((c) => c.name === op.by)
        if (key < 0) return this.fail('ERR_KQL_UNKNOWN_COLUMN', `Failed to resolve column or scalar expression named '${op.by}'`, pos)
        reads.add(key)
        const slot: { table: Table | null } = { table: null }
        const inner: Plan = { op: 'lazy', pos, schema: input.schema, build: () => slot.table! }
        const body = this.bindSource(op.body, { vars: new Map([['$partition', { kind: 'tabular', plan: inner }]]), parent: env })
        return { op: 'partition', pos, schema: body.schema, input, key, body, slot }
      }
      case 'top-nested': {
        // One level is `summarize Agg by Col | top N by Agg`, named Col, aggregated_Col (Kusto.Language).
        if (op.levels.length !== 1) return this.fail('ERR_KQL_UNSUPPORTED', 'top-nested with several levels is not supported by this engine', pos)
        const level = op.levels[0]!
        const colName = level.of.names?.[0] ?? exprName(level.of.expr, this.functions, this.aggregates) ?? 'Column1'
        const aggName = level.by.names?.[0] ?? `aggregated_${colName}`
        const summarized = this.bindSummarize(input, [{ pos, names: [aggName], expr: level.by.expr }], [{ pos, names: [colName], expr: level.of.expr }], env, pos, reads)
        const sorted: Plan = { op: 'sort', pos, schema: summarized.schema, input: summarized, keys: [{ eval: (c, r) => c[1]![r], desc: level.desc, nullsFirst: !level.desc }], reads: new Set([1]) }
        return { op: 'take', pos, schema: summarized.schema, input: sorted, count: this.constNumber(level.count, env) }
      }
    }
  }

  protected constNumber(e: Expr, env: Env): number {
    const b = this.exprs.bind(e, { columns: [], env })
    const v = b.eval([], 0)
    if (typeof v !== 'number') this.fail('ERR_KQL_TYPE', 'Expected a constant number', e.pos)
    return v as number
  }

  protected sortSpec(e: Expr, desc: boolean, nullsFirst: boolean | undefined, scope: Scope): SortSpec {
    const b = this.exprs.bind(e, scope)
    // Kusto: nulls last for desc, first for asc, unless stated.
    return { eval: b.eval, desc, nullsFirst: nullsFirst ?? !desc }
  }

  protected bindSummarize(input: Plan, aggItems: readonly Assignment[], byItems: readonly Assignment[], env: Env, pos: number, reads?: Set<number>): Plan {
    const scope: Scope = { columns: input.schema, env, ...(reads ? { reads } : {}), ...(input.open !== undefined ? { open: input.open } : {}) }
    const schema: Column[] = []
    const used = new Set<string>()
    const keys: Compiled[] = []
    const layout: (['key', number] | ['agg', number, number] | ['post', number])[] = []
    for (const a of byItems) {
      const b = this.exprs.bind(a.expr, scope)
      const name = uniqueName(a.names?.[0] ?? b.name ?? exprName(a.expr, this.functions, this.aggregates) ?? columnName(used), used)
      used.add(name)
      schema.push({ name, type: b.type })
      layout.push(['key', keys.length])
      keys.push(b.eval)
    }
    const byNames = new Set(schema.map((c) => c.name))
    const aggs: BoundAggregate[] = []
    const post: Compiled[] = []
    const postSlots: (['key', number] | ['agg', number, number])[] = []
    const postColumns: Column[] = []
    for (const a of aggItems) {
      const e = a.expr
      if (e.kind === 'call' && this.aggregates.has(e.name) && !lookup(env, e.name)) {
        const agg = this.bindAggregateCall(e, scope)
        const ai = aggs.length
        aggs.push(agg)
        agg.columns.forEach((c, ri) => {
          const star = agg.starFrom !== undefined && ri >= agg.starFrom
          if (star && byNames.has(c.name)) return
          const explicit = a.names?.[ri]
          const name = uniqueName(explicit ?? c.name, used)
          used.add(name)
          schema.push({ name, type: c.type })
          layout.push(['agg', ai, ri])
        })
        continue
      }
      // An expression over aggregates: `summarize x = count() * 2`, `dcount(a) / toreal(count())`.
      const aggScope: Scope = {
        columns: postColumns,
        env,
        aggregate: (call) => {
          const agg = this.bindAggregateCall(call, scope)
          const ai = aggs.length
          aggs.push(agg)
          const slot = postSlots.length
          postSlots.push(['agg', ai, 0])
          postColumns.push({ name: `$agg${slot}`, type: agg.columns[0]!.type })
          return { type: agg.columns[0]!.type, eval: colRef(slot) }
        },
      }
      // by-columns are visible inside post-aggregation expressions
      const keyNames = schema.slice(0, keys.length)
      keyNames.forEach((c, i) => {
        if (!postColumns.some((p) => p.name === c.name)) {
          postSlots.push(['key', i])
          postColumns.push(c)
        }
      })
      const b = this.exprs.bind(e, aggScope)
      if (aggs.length === 0) this.fail('ERR_KQL_TYPE', 'summarize expressions must contain an aggregate function', e.pos)
      const name = uniqueName(a.names?.[0] ?? exprName(e, this.functions, this.aggregates) ?? columnName(used), used)
      used.add(name)
      schema.push({ name, type: b.type })
      layout.push(['post', post.length])
      post.push(b.eval)
    }
    return { op: 'summarize', pos, schema, input, keys, aggs, post, postSlots, out: { layout } }
  }

  protected bindAggregateCall(e: Expr & { kind: 'call' }, scope: Scope): BoundAggregate {
    const fn = this.aggregates.get(e.name)!
    const star = e.args.some((a) => a.kind === 'star')
    const args = e.args.filter((a) => a.kind !== 'star')
    if (args.length < fn.minArgs || (args.length > fn.maxArgs && !star)) this.fail('ERR_KQL_ARGUMENTS', `Aggregate '${e.name}' expects ${fn.minArgs} to ${fn.maxArgs} arguments, got ${args.length}`, e.pos)
    const argScope: Scope = scope.reads ? { columns: scope.columns, env: scope.env, reads: scope.reads } : { columns: scope.columns, env: scope.env }
    const bound = args.map((a) => this.exprs.bind(a, argScope))
    if (star) scope.columns.forEach((_, i) => scope.reads?.add(i))
    const argNames = args.map((a) => exprName(a, this.functions, this.aggregates) ?? '')
    return fn.bind({ args: bound, argNames, inputColumns: scope.columns, star }, (code, message) => this.fail(code, message, e.pos))
  }

  protected bindJoin(left: Plan, op: TabularOp & { op: 'join' | 'lookup' }, env: Env): Plan {
    const right = this.bindSource(op.right, env)
    if (op.on.length === 0) this.fail('ERR_KQL_SYNTAX', `${op.op}: missing 'on' clause`, op.pos)
    const leftKeys: number[] = []
    const rightKeys: number[] = []
    for (const k of op.on) {
      const li = left.schema.findIndex((c) => c.name === k.left)
      const ri = right.schema.findIndex((c) => c.name === k.right)
      if (li < 0) this.fail('ERR_KQL_UNKNOWN_COLUMN', `Failed to resolve column or scalar expression named '${k.left}'`, k.pos)
      if (ri < 0) this.fail('ERR_KQL_UNKNOWN_COLUMN', `Failed to resolve column or scalar expression named '${k.right}'`, k.pos)
      leftKeys.push(li)
      rightKeys.push(ri)
    }
    const kind = op.kind
    if (kind === 'leftsemi' || kind === 'leftanti') return { op: 'join', pos: op.pos, kind, schema: left.schema, left, right, leftKeys, rightKeys, rightCols: [] }
    if (kind === 'rightsemi' || kind === 'rightanti') return { op: 'join', pos: op.pos, kind, schema: right.schema, left, right, leftKeys, rightKeys, rightCols: right.schema.map((_, i) => i) }
    // A right column whose name is on the left gets the first free numeric suffix, where "free"
    // also excludes the right side's own names (Special ⋈ (Deny ⋈ Allow) yields Timestamp2).
    const leftNames = new Set(left.schema.map((c) => c.name))
    const used = new Set([...leftNames, ...right.schema.map((c) => c.name)])
    const schema: Column[] = [...left.schema]
    const rightCols: number[] = []
    right.schema.forEach((c, i) => {
      // lookup drops the right side's key columns (Kusto docs "lookup operator")
      if (op.op === 'lookup' && rightKeys.includes(i)) return
      const name = leftNames.has(c.name) ? uniqueName(c.name, used) : c.name
      used.add(name)
      schema.push({ name, type: c.type })
      rightCols.push(i)
    })
    return { op: 'join', pos: op.pos, kind, schema, left, right, leftKeys, rightKeys, rightCols }
  }

  protected bindInvoke(input: Plan, call: Expr & { kind: 'call' }, env: Env, reads: Set<number>): Plan {
    if (call.name === 'FileProfile') {
      const schema = [...input.schema]
      const steps: { target: number; eval: Compiled }[] = []
      const shaIdx = input.schema.findIndex((c) => c.name === 'SHA1')
      if (shaIdx >= 0) reads.add(shaIdx)
      for (const c of FILE_PROFILE) {
        if (schema.some((s) => s.name === c.name)) continue
        const target = schema.length
        schema.push(c)
        // Deterministic placeholder values: the real function looks files up in Microsoft's cloud.
        const ev: Compiled = c.name === 'GlobalPrevalence' && shaIdx >= 0
          ? (cols, r) => { const s = cols[shaIdx]![r]; return typeof s === 'string' && s ? parseInt(s.slice(0, 4), 16) || 0 : null }
          : c.name === 'ProfileAvailability' ? () => 'Available' : c.type === 'string' ? () => '' : () => null
        steps.push({ target, eval: ev })
      }
      return { op: 'extend', pos: call.pos, schema, input, steps }
    }
    const fn = lookup(env, call.name)
    if (fn?.kind === 'function' && fn.params[0]?.type === null) {
      const self: Binding = { kind: 'tabular', plan: input }
      const innerEnv: Env = { vars: new Map([[fn.params[0].name, self]]), parent: env }
      return this.callTabularFunction(fn, [{ kind: 'name', pos: call.pos, name: fn.params[0].name }, ...call.args], call.pos, innerEnv)
    }
    return this.fail('ERR_KQL_UNKNOWN_FUNCTION', `Unknown function: '${call.name}'`, call.pos)
  }

  protected bindEvaluate(input: Plan, call: Expr & { kind: 'call' }, scope: Scope): Plan {
    if (call.name === 'bag_unpack') {
      const b = this.exprs.bind(call.args[0] ?? { kind: 'star', pos: call.pos }, scope)
      if (b.column === undefined) return this.fail('ERR_KQL_ARGUMENTS', 'bag_unpack() expects a dynamic column', call.pos)
      const prefixArg = call.args[1]
      const prefix = prefixArg?.kind === 'literal' && typeof prefixArg.value === 'string' ? prefixArg.value : ''
      const extra = (this.opts.openColumns.get(call.pos) ?? []).map((name) => ({ name, type: 'dynamic' as const }))
      const schema = [...input.schema.filter((_, i) => i !== b.column), ...extra]
      return { op: 'bag_unpack', pos: call.pos, schema, input, column: b.column, prefix, open: call.pos }
    }
    if (call.name === 'pivot') {
      // pivot(Column [, Aggregate] [, ByColumn…]): one output column per distinct value of Column.
      const piv = this.exprs.bind(call.args[0] ?? { kind: 'star', pos: call.pos }, scope)
      if (piv.column === undefined) return this.fail('ERR_KQL_ARGUMENTS', 'pivot() expects a column', call.pos)
      const aggExpr = call.args[1]
      const aggCall: Expr & { kind: 'call' } = aggExpr?.kind === 'call' && this.aggregates.has(aggExpr.name) ? aggExpr : { kind: 'call', pos: call.pos, name: 'count', args: [] }
      const agg = this.bindAggregateCall(aggCall, scope)
      const aggCols = new Set(aggCall.args.map((a) => this.exprs.bind(a, scope).column).filter((c): c is number => c !== undefined))
      const keys = call.args.length > 2
        ? call.args.slice(2).map((a) => this.exprs.bind(a, scope).column ?? this.fail('ERR_KQL_ARGUMENTS', 'pivot(): by-arguments must be columns', a.pos))
        : input.schema.map((_, i) => i).filter((i) => i !== piv.column && !aggCols.has(i))
      const valueType = agg.columns[0]!.type
      const extra = (this.opts.openColumns.get(call.pos) ?? []).map((name) => ({ name, type: valueType }))
      const schema = [...keys.map((i) => input.schema[i]!), ...extra]
      return { op: 'pivot', pos: call.pos, schema, input, column: piv.column, keys, agg, valueType, open: call.pos }
    }
    if (call.name === 'ipv4_lookup') {
      // ipv4_lookup(LookupTable, SourceIPColumn, LookupRangeColumn [, return_unmatched]): a join on
      // "IP in CIDR range", output columns as a join's (input, then the lookup table's, suffixed).
      const [tableArg, ipArg, rangeArg, unmatchedArg] = call.args
      if (!tableArg || !ipArg || rangeArg?.kind !== 'name') return this.fail('ERR_KQL_ARGUMENTS', 'ipv4_lookup() expects a lookup table, an IP column and a range column', call.pos)
      const right = this.bindTabular(tableArg, scope.env)
      const ip = this.exprs.bind(ipArg, scope)
      if (ip.column === undefined) return this.fail('ERR_KQL_ARGUMENTS', 'ipv4_lookup(): the source must be a column', ipArg.pos)
      const rangeKey = right.schema.findIndex((c) => c.name === rangeArg.name)
      if (rangeKey < 0) return this.fail('ERR_KQL_UNKNOWN_COLUMN', `Failed to resolve column or scalar expression named '${rangeArg.name}'`, rangeArg.pos)
      const named = call.named?.find((n) => n.names?.[0] === 'return_unmatched')?.expr ?? unmatchedArg
      const unmatched = named !== undefined && this.exprs.bind(named, { columns: [], env: scope.env }).eval([], 0) === true
      const used = new Set([...input.schema.map((c) => c.name), ...right.schema.map((c) => c.name)])
      const schema = [...input.schema, ...right.schema.map((c) => (input.schema.some((l) => l.name === c.name) ? { name: uniqueName(c.name, used), type: c.type } : c))]
      return { op: 'ipv4_lookup', pos: call.pos, schema, input, right, ipColumn: ip.column, rangeColumn: rangeKey, unmatched }
    }
    if (call.name === 'sliding_window_counts') {
      // sliding_window_counts(Id, Timeline, Start, End, LookbackWindow, Bin [, Dim…]): per bin and
      // dimensions, Count and Dcount of Id over the lookback window ending at the bin's end.
      const [idArg, timeArg, ...rest] = call.args
      if (!idArg || !timeArg || rest.length < 4) return this.fail('ERR_KQL_ARGUMENTS', 'sliding_window_counts() expects Id, Timeline, Start, End, LookbackWindow, Bin', call.pos)
      const id = this.exprs.bind(idArg, scope)
      const time = this.exprs.bind(timeArg, scope)
      const consts = rest.slice(0, 4).map((e) => this.exprs.bind(e, { columns: [], env: scope.env }).eval([], 0))
      if (consts.some((v) => typeof v !== 'number')) return this.fail('ERR_KQL_ARGUMENTS', 'sliding_window_counts(): Start, End, LookbackWindow and Bin must be constants', call.pos)
      const dims = rest.slice(4).map((e) => this.exprs.bind(e, scope))
      const timeName = exprName(timeArg, this.functions, this.aggregates) ?? 'Timeline'
      const schema: Column[] = [{ name: timeName, type: 'datetime' }, ...dims.map((d, i) => ({ name: exprName(rest[4 + i]!, this.functions, this.aggregates) ?? `Column${i + 1}`, type: d.type })), { name: 'Count', type: 'long' }, { name: 'Dcount', type: 'long' }]
      const [start, end, lookback, bin] = consts as number[]
      return { op: 'sliding_window_counts', pos: call.pos, schema, input, id: id.eval, time: time.eval, dims: dims.map((d) => d.eval), start: start!, end: end!, lookback: lookback!, bin: bin! }
    }
    return this.fail('ERR_KQL_UNSUPPORTED', `evaluate ${call.name}() is not supported by this engine`, call.pos)
  }

  protected bindMakeSeries(input: Plan, op: TabularOp & { op: 'make-series' }, env: Env): Plan {
    const scope: Scope = { columns: input.schema, env }
    const schema: Column[] = []
    const used = new Set<string>()
    const keys: Compiled[] = []
    for (const a of op.by) {
      const b = this.exprs.bind(a.expr, scope)
      const name = uniqueName(a.names?.[0] ?? exprName(a.expr, this.functions, this.aggregates) ?? columnName(used), used)
      used.add(name)
      schema.push({ name, type: b.type })
      keys.push(b.eval)
    }
    const aggs: BoundAggregate[] = []
    const fills: unknown[] = []
    for (const { item, fill } of op.aggs) {
      if (item.expr.kind !== 'call' || !this.aggregates.has(item.expr.name)) this.fail('ERR_KQL_TYPE', 'make-series expects aggregate functions', item.pos)
      const agg = this.bindAggregateCall(item.expr as Expr & { kind: 'call' }, scope)
      const name = uniqueName(item.names?.[0] ?? agg.columns[0]!.name, used)
      used.add(name)
      schema.push({ name, type: 'dynamic' })
      aggs.push(agg)
      fills.push(fill ? this.exprs.bind(fill, { columns: [], env }).eval([], 0) : 0)
    }
    const on = this.exprs.bind(op.on, scope)
    const onName = uniqueName(exprName(op.on, this.functions, this.aggregates) ?? columnName(used), used)
    schema.push({ name: onName, type: 'dynamic' })
    const noRow = (e: Expr | undefined): Compiled | null => (e ? this.exprs.bind(e, { columns: [], env }).eval : null)
    return { op: 'make-series', pos: op.pos, schema, input, keys, aggs, fills, on: on.eval, from: noRow(op.from), to: noRow(op.to), step: noRow(op.step)! }
  }
}
