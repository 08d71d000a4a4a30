/**
 * m365d's KQL engine: lexer → parser (AST) → binder (schema, names, types, compiled closures) →
 * evaluator over columnar in-memory tables. Depends only on node built-ins and src/lib, so it can
 * run inside the emulator.
 */
import type { Clock } from '../lib/clock.js'
import { systemClock } from '../lib/clock.js'
import { builtinAggregates, type AggregateFunction } from './aggregates.js'
import type { Query } from './ast.js'
import { NeedColumn } from './bind_expr.js'
import { Binder } from './binder.js'
import { Budget } from './budget.js'
import { KqlSemanticError } from './errors.js'
import type { RuntimeRef } from './compiled.js'
import { execute, type ExecContext } from './evaluate.js'
import { builtinFunctions, type ScalarFunction } from './functions.js'
import { parse } from './parser.js'
import type { Plan } from './plan.js'
import { pruneColumns, type Needed } from './prune.js'
import { loadSchema, type KqlSchema, type SchemaJson } from './schema.js'
import type { Column, Table } from './types.js'

export { Budget, type BudgetLimits } from './budget.js'
export { KqlError, KqlRuntimeError, KqlSemanticError, KqlSyntaxError, positionOf } from './errors.js'
export { tokenize, type Token, type TokenKind } from './lexer.js'
export { parse } from './parser.js'
export { loadSchema, type KqlSchema, type SchemaJson } from './schema.js'
export type { Column, ScalarType, Table } from './types.js'
export type { Query, Expr, Tabular, TabularOp, Statement } from './ast.js'
export { formatDatetime, formatTimespan } from './values.js'
export { generateSampleTables } from './sample_data.js'
export type { FunctionContext, ScalarFunction } from './functions.js'
export type { AggregateFunction, Accumulator, BoundAggregate } from './aggregates.js'
export type { BoundExpr, Compiled } from './compiled.js'

export interface KqlEngineOptions {
  /** Table catalogue: a schema.json object, its path, or a loaded schema. */
  readonly schema: KqlSchema | SchemaJson | string
  /** Table data by name (columns matched by name). Tables without data read as empty. */
  readonly tables?: ((name: string) => Table | undefined) | Readonly<Record<string, Table>>
  /**
   * The externaldata allow-list: URI → file content, or a function returning the content of an
   * allowed URI (undefined = denied). Anything else fails with ERR_KQL_EXTERNALDATA_DENIED.
   */
  readonly externalData?: Readonly<Record<string, string>> | ((uri: string) => string | undefined)
  /** Source of `now()`/`ago()` (fixed once per query run). */
  readonly clock?: Clock
  /**
   * Largest intermediate result in rows before ERR_KQL_LIMIT; default 10,000,000. Checked before
   * an operator allocates its output (range, mv-expand, join, union, make-series, …).
   */
  readonly maxRows?: number
  /**
   * Largest intermediate result in values (rows × columns), and most array elements scalar
   * functions may build in one run (range(), repeat(), …); default 100,000,000.
   */
  readonly maxValues?: number
  /**
   * Wall-clock budget of one run in milliseconds (the API's is 3 minutes), binding included.
   * Checked inside every row loop (every 1,024 rows), so a long operator stops near the deadline;
   * exceeding it throws ERR_KQL_TIMEOUT.
   */
  readonly timeoutMs?: number
}

/** A query that parsed and bound: its result schema is known before running. */
export interface BoundQuery {
  readonly text: string
  readonly ast: Query
  readonly schema: readonly Column[]
  /** Runs the query (a bound query can be run many times). */
  run(): Table
}

export class KqlEngine {
  private readonly schema: KqlSchema
  private readonly tables: (name: string) => Table | undefined
  private readonly externalData: ((uri: string) => string | undefined) | undefined
  private readonly clock: Clock
  private readonly maxRows: number
  private readonly maxValues: number
  private readonly timeoutMs: number | undefined
  /** Per-instance registries (style.md §8: no global function table). */
  readonly functions: Map<string, ScalarFunction> = builtinFunctions()
  readonly aggregates: Map<string, AggregateFunction> = builtinAggregates()

  constructor(options: KqlEngineOptions) {
    this.schema = typeof options.schema === 'string' || !(options.schema instanceof Map) ? loadSchema(options.schema as SchemaJson | string) : options.schema
    const t = options.tables
    this.tables = typeof t === 'function' ? t : (name) => t?.[name]
    const x = options.externalData
    this.externalData = typeof x === 'function' ? x : x === undefined ? undefined : (uri) => (Object.hasOwn(x, uri) ? x[uri] : undefined)
    this.clock = options.clock ?? systemClock
    this.maxRows = limit('maxRows', options.maxRows) ?? 10_000_000
    this.maxValues = limit('maxValues', options.maxValues) ?? 100_000_000
    if (options.timeoutMs !== undefined && !(typeof options.timeoutMs === 'number' && !Number.isNaN(options.timeoutMs))) throw new TypeError(`KqlEngine: timeoutMs must be a number of milliseconds, got ${String(options.timeoutMs)}`)
    this.timeoutMs = options.timeoutMs
  }

  /** Parses and binds; throws KqlSyntaxError / KqlSemanticError with line and column. */
  bind(text: string): BoundQuery {
    // Binding evaluates constants (datatable rows, let values), so it runs under a budget too.
    const rt: RuntimeRef = { now: this.clock.now(), memo: new Map(), execute: () => { throw new Error('not running') }, budget: this.budget(text) }
    const ast = parse(text)
    const openColumns = new Map<number, string[]>()
    let plan: Plan | undefined
    let binder: Binder | undefined
    // Open schemas (bag_unpack, pivot): a reference to a column they may produce declares it and
    // binding restarts; each round adds one column, so this terminates.
    for (let round = 0; plan === undefined; round++) {
      try {
        binder = new Binder({ text, schema: this.schema, functions: this.functions, aggregates: this.aggregates, rt, openColumns })
        plan = binder.bindQuery(ast)
      } catch (e) {
        if (!(e instanceof NeedColumn)) throw e
        const list = openColumns.get(e.source) ?? []
        // declared already (or too many rounds) and still missing: the column cannot be supplied
        if (list.includes(e.name) || round > 256) throw new KqlSemanticError('ERR_KQL_UNKNOWN_COLUMN', `Failed to resolve scalar expression named '${e.name}'`, text, e.pos)
        openColumns.set(e.source, [...list, e.name])
      }
    }
    const bound = plan
    const needed = pruneColumns(bound, binder!.subqueries)
    return {
      text,
      ast,
      schema: bound.schema,
      run: () => this.execute(bound, rt, text, needed),
    }
  }

  /** Parses, binds and runs a query. */
  run(text: string): Table {
    return this.bind(text).run()
  }

  private budget(text: string): Budget {
    return new Budget(text, { maxRows: this.maxRows, maxValues: this.maxValues, deadline: this.timeoutMs === undefined ? undefined : performance.now() + this.timeoutMs })
  }

  private execute(plan: Plan, rt: RuntimeRef, text: string, needed: WeakMap<Plan, Needed>): Table {
    const budget = this.budget(text)
    const ctx: ExecContext = { text, tables: this.tables, externalData: this.externalData, memo: new Map(), budget, needed }
    rt.now = this.clock.now()
    rt.memo = new Map()
    rt.budget = budget
    rt.execute = (p) => execute(p as Plan, ctx)
    return execute(plan, ctx)
  }
}

function limit(name: string, v: number | undefined): number | undefined {
  if (v !== undefined && !(typeof v === 'number' && v >= 0)) throw new TypeError(`KqlEngine: ${name} must be a non-negative number, got ${String(v)}`)
  return v
}
