/**
 * The KQL syntax tree: plain readonly objects, no behaviour. Every node carries `pos`, the offset
 * of its first character, so the binder can report line/column.
 */
import type { ScalarType } from './types.js'

export type Expr =
  | { readonly kind: 'literal'; readonly pos: number; readonly type: ScalarType; readonly value: unknown }
  | { readonly kind: 'name'; readonly pos: number; readonly name: string }
  | { readonly kind: 'unary'; readonly pos: number; readonly op: '-' | '+'; readonly operand: Expr }
  | { readonly kind: 'binary'; readonly pos: number; readonly op: string; readonly left: Expr; readonly right: Expr }
  | { readonly kind: 'call'; readonly pos: number; readonly name: string; readonly args: readonly Expr[]; readonly named?: readonly Assignment[] }
  | { readonly kind: 'member'; readonly pos: number; readonly target: Expr; readonly member: string }
  | { readonly kind: 'index'; readonly pos: number; readonly target: Expr; readonly index: Expr }
  | { readonly kind: 'in'; readonly pos: number; readonly op: string; readonly left: Expr; readonly list: readonly Expr[] }
  | { readonly kind: 'between'; readonly pos: number; readonly negated: boolean; readonly left: Expr; readonly low: Expr; readonly high: Expr }
  | { readonly kind: 'star'; readonly pos: number }
  | { readonly kind: 'tabular'; readonly pos: number; readonly query: Tabular }

/** `Name = expr`, `(A, B) = expr` or a bare `expr`. */
export interface Assignment {
  readonly pos: number
  readonly names?: readonly string[]
  readonly expr: Expr
}

export interface SortKey {
  readonly expr: Expr
  readonly desc: boolean
  readonly nullsFirst?: boolean
}

export interface ColumnDecl {
  readonly name: string
  readonly type: ScalarType
}

export type JoinKind = 'innerunique' | 'inner' | 'leftouter' | 'rightouter' | 'fullouter' | 'leftanti' | 'rightanti' | 'leftsemi' | 'rightsemi'

/** `on X` (same name both sides) or `on $left.A == $right.B`. */
export interface JoinKey {
  readonly pos: number
  readonly left: string
  readonly right: string
}

export type Tabular =
  | { readonly kind: 'source'; readonly pos: number; readonly expr: Expr }
  | { readonly kind: 'pipe'; readonly pos: number; readonly input: Tabular; readonly op: TabularOp }
  | { readonly kind: 'union'; readonly pos: number; readonly tables: readonly Tabular[]; readonly outer: boolean; readonly withSource?: string }
  | { readonly kind: 'datatable'; readonly pos: number; readonly columns: readonly ColumnDecl[]; readonly values: readonly Expr[] }
  | { readonly kind: 'externaldata'; readonly pos: number; readonly columns: readonly ColumnDecl[]; readonly uris: readonly string[]; readonly options: Readonly<Record<string, unknown>> }
  | { readonly kind: 'range'; readonly pos: number; readonly column: string; readonly from: Expr; readonly to: Expr; readonly step: Expr }
  | { readonly kind: 'print'; readonly pos: number; readonly items: readonly Assignment[] }
  | { readonly kind: 'find'; readonly pos: number; readonly tables: readonly Tabular[]; readonly withSource?: string; readonly predicate: Expr; readonly project?: readonly { readonly pos: number; readonly name: string }[] }

export type TabularOp =
  | { readonly op: 'where'; readonly pos: number; readonly predicate: Expr }
  | { readonly op: 'extend'; readonly pos: number; readonly items: readonly Assignment[] }
  | { readonly op: 'project'; readonly pos: number; readonly items: readonly Assignment[] }
  | { readonly op: 'project-away' | 'project-keep'; readonly pos: number; readonly columns: readonly { readonly pos: number; readonly pattern: string }[] }
  | { readonly op: 'project-rename'; readonly pos: number; readonly pairs: readonly { readonly pos: number; readonly to: string; readonly from: string }[] }
  | { readonly op: 'project-reorder'; readonly pos: number; readonly columns: readonly { readonly pos: number; readonly pattern: string; readonly desc?: boolean }[] }
  | { readonly op: 'summarize'; readonly pos: number; readonly aggs: readonly Assignment[]; readonly by: readonly Assignment[] }
  | { readonly op: 'join'; readonly pos: number; readonly kind: JoinKind; readonly right: Tabular; readonly on: readonly JoinKey[] }
  | { readonly op: 'lookup'; readonly pos: number; readonly kind: 'leftouter' | 'inner'; readonly right: Tabular; readonly on: readonly JoinKey[] }
  | { readonly op: 'sort'; readonly pos: number; readonly keys: readonly SortKey[] }
  | { readonly op: 'top'; readonly pos: number; readonly count: Expr; readonly key: SortKey }
  | { readonly op: 'take'; readonly pos: number; readonly count: Expr }
  | { readonly op: 'distinct'; readonly pos: number; readonly items: readonly Assignment[] }
  | { readonly op: 'count'; readonly pos: number }
  | { readonly op: 'union'; readonly pos: number; readonly tables: readonly Tabular[]; readonly outer: boolean; readonly withSource?: string }
  | { readonly op: 'mv-expand'; readonly pos: number; readonly items: readonly { readonly item: Assignment; readonly to?: ScalarType }[]; readonly limit?: Expr; readonly itemIndex?: string }
  | { readonly op: 'mv-apply'; readonly pos: number; readonly items: readonly { readonly item: Assignment; readonly to?: ScalarType }[]; readonly body: Tabular }
  | { readonly op: 'parse'; readonly pos: number; readonly expr: Expr; readonly pattern: readonly ParsePart[]; readonly regex?: boolean; readonly flags?: string }
  | { readonly op: 'as'; readonly pos: number; readonly name: string }
  | { readonly op: 'render'; readonly pos: number }
  | { readonly op: 'serialize'; readonly pos: number; readonly items: readonly Assignment[] }
  | { readonly op: 'evaluate'; readonly pos: number; readonly call: Expr & { kind: 'call' }; readonly schema?: readonly ColumnDecl[] }
  | { readonly op: 'invoke'; readonly pos: number; readonly call: Expr & { kind: 'call' } }
  | { readonly op: 'make-series'; readonly pos: number; readonly aggs: readonly { readonly item: Assignment; readonly fill?: Expr }[]; readonly on: Expr; readonly from?: Expr; readonly to?: Expr; readonly step: Expr; readonly by: readonly Assignment[] }
  | { readonly op: 'getschema'; readonly pos: number }
  | { readonly op: 'search'; readonly pos: number; readonly predicate: Expr }
  | { readonly op: 'partition'; readonly pos: number; readonly by: string; readonly body: Tabular }
  | { readonly op: 'top-nested'; readonly pos: number; readonly levels: readonly { readonly count: Expr; readonly of: Assignment; readonly by: Assignment; readonly desc: boolean }[] }

/** `parse` pattern: a literal to match, or a column to capture (with optional type). */
export type ParsePart = { readonly kind: 'text'; readonly text: string } | { readonly kind: 'column'; readonly name: string; readonly type: ScalarType; readonly pos: number } | { readonly kind: 'star' }

export interface FunctionParam {
  readonly name: string
  /** Scalar type, or `null` for a tabular parameter `T:(*)`. */
  readonly type: ScalarType | null
  readonly defaultValue?: Expr
}

export type Statement =
  | { readonly kind: 'let'; readonly pos: number; readonly name: string; readonly value: Expr }
  | { readonly kind: 'letfn'; readonly pos: number; readonly name: string; readonly params: readonly FunctionParam[]; readonly body: Query }
  | { readonly kind: 'query'; readonly pos: number; readonly expr: Expr }
  | { readonly kind: 'set'; readonly pos: number }

/** A query: statements separated by `;`; the last `query` statement is the result. */
export interface Query {
  readonly statements: readonly Statement[]
}
