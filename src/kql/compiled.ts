/**
 * What the binder produces for a scalar expression: its static type, an optional result-column
 * name, and a closure compiled once per query that reads the row's columns by index.
 */
import type { Budget } from './budget.js'
import type { ScalarType } from './types.js'

/** Evaluates an expression for row `row` of the columnar batch `cols`. */
export type Compiled = (cols: readonly unknown[][], row: number) => unknown

export interface BoundExpr {
  readonly type: ScalarType
  readonly eval: Compiled
  /** Kusto's result name for an unnamed expression (a column name, `AdditionalFields_x`, …). */
  readonly name?: string
  /** Set for literals and constant folds (used for regex and list pre-compilation). */
  readonly constant?: { readonly value: unknown }
  /** For column references: the input column index (lets operators copy columns wholesale). */
  readonly column?: number
}

/** Values shared by all closures of one query run (`now()` is fixed per query, as in Kusto). */
export interface RuntimeRef {
  now: number
  /** Evaluates a bound tabular plan (used by `toscalar`, `in (subquery)`, materialize). */
  execute: (plan: unknown) => { readonly data: readonly unknown[][]; readonly rowCount: number }
  /** Per-run cache for row-independent values (toscalar, `in` lists, materialize). */
  memo: Map<unknown, unknown>
  /** The run's row/value/deadline budget (budget.ts); scalar functions that build arrays charge it. */
  budget: Budget
}

export const constant = (type: ScalarType, value: unknown): BoundExpr => ({ type, eval: () => value, constant: { value } })
