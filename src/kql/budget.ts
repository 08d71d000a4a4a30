/**
 * The resource budget of one query run (issue 10 §1): a row cap for every intermediate result, a
 * value cap (cells of a result, elements of arrays built by scalar functions), and a wall-clock
 * deadline. Operators that can multiply rows ask `rows()`/`values()` for the size they are about
 * to allocate BEFORE allocating it, and every row loop calls `tick()` so a long operator stops at
 * the deadline instead of after the query.
 *
 * The wording is the service's (Learn, "Handle advanced hunting errors",
 * https://learn.microsoft.com/defender-xdr/advanced-hunting-errors): "Query stopped. Adjust use of
 * the <operator name> operator to avoid excessive resource consumption." and "Query exceeded the
 * timeout period."
 */
import { KqlRuntimeError } from './errors.js'

export interface BudgetLimits {
  /** Largest intermediate result in rows. */
  readonly maxRows: number
  /** Largest intermediate result in values (rows × columns), and array elements built per run. */
  readonly maxValues: number
  /** performance.now() value after which the run stops with ERR_KQL_TIMEOUT (undefined: none). */
  readonly deadline?: number | undefined
}

/** Rows between two deadline checks: performance.now() costs ~40 ns, so this is noise. */
export const TICK_ROWS = 1024

export class Budget {
  /** Array elements built by scalar functions (range(), repeat(), …) in this run. */
  #built = 0

  constructor(readonly text: string, readonly limits: BudgetLimits) {}

  /** Refuses an intermediate result of `n` rows from `operator` before it is allocated. */
  rows(n: number, pos: number, operator: string): void {
    if (!(n <= this.limits.maxRows)) this.#stop(pos, operator, `${fmt(n)} rows exceed the limit of ${fmt(this.limits.maxRows)}`)
  }

  /** Refuses a result of `rows` × `columns` values from `operator` before it is allocated. */
  cells(rows: number, columns: number, pos: number, operator: string): void {
    this.rows(rows, pos, operator)
    const n = rows * Math.max(1, columns)
    if (!(n <= this.limits.maxValues)) this.#stop(pos, operator, `${fmt(n)} values exceed the limit of ${fmt(this.limits.maxValues)}`)
  }

  /** Charges `n` array elements built by a scalar function to the run. */
  build(n: number, pos: number, operator: string): void {
    // a function building arrays may run within one row: the deadline is checked here too
    this.tick(pos)
    this.#built += n
    if (!(this.#built <= this.limits.maxValues)) this.#stop(pos, operator, `${fmt(this.#built)} array elements exceed the limit of ${fmt(this.limits.maxValues)}`)
  }

  /** Throws ERR_KQL_TIMEOUT once the deadline has passed; call every TICK_ROWS rows of a loop. */
  tick(pos: number): void {
    const d = this.limits.deadline
    if (d !== undefined && performance.now() > d) throw new KqlRuntimeError('ERR_KQL_TIMEOUT', 'Query exceeded the timeout period.', this.text, pos, { hint: 'Narrow the time range or the tables first (where Timestamp > ago(…)), and summarize before joining' })
  }

  #stop(pos: number, operator: string, detail: string): never {
    throw new KqlRuntimeError('ERR_KQL_LIMIT', `Query stopped. Adjust use of the ${operator} operator to avoid excessive resource consumption. (${detail})`, this.text, pos, {
      hint: 'Filter or summarize before this operator, or bound it (take, a larger step, limit on mv-expand)',
    })
  }
}

const fmt = (n: number): string => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : String(n))

/** A budget with no limits (binding-time evaluation, constant folding). */
export const UNLIMITED = new Budget('', { maxRows: Number.POSITIVE_INFINITY, maxValues: Number.POSITIVE_INFINITY })
