/**
 * The bound query plan: what the binder hands to the evaluator. Every node knows its output
 * schema (names, order, types) before any row is read; expressions are already closures.
 */
import type { BoundAggregate } from './aggregates.js'
import type { Budget } from './budget.js'
import type { Compiled } from './compiled.js'
import type { JoinKind, ParsePart } from './ast.js'
import type { KustoRegex } from './regex.js'
import type { Column, ScalarType, Table } from './types.js'

/** One output column of a projection: copied from an input column, or computed. */
export type ColumnSource = { readonly from: number } | { readonly eval: Compiled }

export interface SortSpec {
  readonly eval: Compiled
  readonly desc: boolean
  readonly nullsFirst: boolean
}

export interface SummarizeOutput {
  /** Output slot → `['key', i]` or `['agg', aggIndex, resultIndex]` or `['post', i]`. */
  readonly layout: readonly (readonly ['key', number] | readonly ['agg', number, number] | readonly ['post', number])[]
}

export type Plan = {
  readonly schema: readonly Column[]
  readonly pos: number
  /**
   * Set when the schema is open: downstream of `bag_unpack`/`pivot`, whose columns depend on the
   * data. Holds the position of the operator that will supply columns referenced by name.
   */
  readonly open?: number
  /** Input columns read by this operator's expressions (column pruning; absent = unknown). */
  readonly reads?: ReadonlySet<number>
} & (
  | { readonly op: 'scan'; readonly table: string }
  | { readonly op: 'const'; readonly table: Table }
  | { readonly op: 'lazy'; readonly build: (budget: Budget) => Table }
  | { readonly op: 'sliding_window_counts'; readonly input: Plan; readonly id: Compiled; readonly time: Compiled; readonly dims: readonly Compiled[]; readonly start: number; readonly end: number; readonly lookback: number; readonly bin: number }
  | { readonly op: 'where'; readonly input: Plan; readonly pred: Compiled }
  | { readonly op: 'project'; readonly input: Plan; readonly cols: readonly ColumnSource[] }
  | { readonly op: 'extend'; readonly input: Plan; readonly steps: readonly { readonly target: number; readonly eval: Compiled }[] }
  | { readonly op: 'summarize'; readonly input: Plan; readonly keys: readonly Compiled[]; readonly aggs: readonly BoundAggregate[]; readonly post: readonly Compiled[]; readonly postSlots: readonly (readonly ['key', number] | readonly ['agg', number, number])[]; readonly out: SummarizeOutput }
  | { readonly op: 'join'; readonly kind: JoinKind; readonly left: Plan; readonly right: Plan; readonly leftKeys: readonly number[]; readonly rightKeys: readonly number[]; readonly rightCols: readonly number[] }
  | { readonly op: 'sort'; readonly input: Plan; readonly keys: readonly SortSpec[] }
  | { readonly op: 'take'; readonly input: Plan; readonly count: number }
  | { readonly op: 'union'; readonly inputs: readonly Plan[]; readonly maps: readonly (readonly number[])[]; readonly sourceNames?: readonly string[] }
  | { readonly op: 'mv-expand'; readonly input: Plan; readonly items: readonly { readonly target: number; readonly eval: Compiled; readonly to: ScalarType }[]; readonly limit: number; readonly itemIndex?: number }
  | { readonly op: 'mv-apply'; readonly input: Plan; readonly items: readonly { readonly eval: Compiled; readonly to: ScalarType }[]; readonly itemColumns: readonly Column[]; readonly keep: readonly number[]; readonly body: Plan; readonly slot: { table: Table | null } }
  | { readonly op: 'parse'; readonly input: Plan; readonly eval: Compiled; readonly regex: KustoRegex; readonly targets: readonly { readonly index: number; readonly type: ScalarType }[]; readonly pattern: readonly ParsePart[] }
  | { readonly op: 'memo'; readonly input: Plan }
  | { readonly op: 'fit'; readonly input: Plan }
  | { readonly op: 'ipv4_lookup'; readonly input: Plan; readonly right: Plan; readonly ipColumn: number; readonly rangeColumn: number; readonly unmatched: boolean }
  | { readonly op: 'partition'; readonly input: Plan; readonly key: number; readonly body: Plan; readonly slot: { table: Table | null } }
  | { readonly op: 'bag_unpack'; readonly input: Plan; readonly column: number; readonly prefix: string }
  | { readonly op: 'pivot'; readonly input: Plan; readonly column: number; readonly keys: readonly number[]; readonly agg: BoundAggregate; readonly valueType: ScalarType }
  | { readonly op: 'externaldata'; readonly uris: readonly string[]; readonly options: Readonly<Record<string, unknown>> }
  | { readonly op: 'make-series'; readonly input: Plan; readonly keys: readonly Compiled[]; readonly aggs: readonly BoundAggregate[]; readonly fills: readonly unknown[]; readonly on: Compiled; readonly from: Compiled | null; readonly to: Compiled | null; readonly step: Compiled }
)
