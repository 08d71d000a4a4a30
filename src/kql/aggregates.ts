/**
 * Aggregation functions for `summarize`. Each binds once to its argument expressions and yields
 * accumulator factories; result names follow Kusto.Language (`count_`, `dcount_X`, `set_X`,
 * `percentile_X_95`, arg_max expanding to its columns).
 */
import type { BoundExpr, Compiled } from './compiled.js'
import type { Column, ScalarType } from './types.js'
import { isNumeric } from './types.js'
import { compareValues, groupKey, toDynamic } from './values.js'

export interface Accumulator {
  add(cols: readonly unknown[][], row: number): void
  result(): unknown[]
}

export interface BoundAggregate {
  /** Output columns (names are proposals; the binder makes them unique). */
  readonly columns: readonly Column[]
  /** Columns contributed by `arg_max(x, *)`: skipped when a same-named column already exists. */
  readonly starFrom?: number
  /** `count()`: the evaluator counts rows per group itself. */
  readonly isCount?: boolean
  create(): Accumulator
}

export interface AggregateArgs {
  readonly args: readonly BoundExpr[]
  /** Argument names (for result naming), '' when the argument is not a plain column/path. */
  readonly argNames: readonly string[]
  /** For `arg_max(x, *)`: the input columns. */
  readonly inputColumns: readonly Column[]
  readonly star: boolean
}

export interface AggregateFunction {
  /** Result-name prefix (`count` → `count_`, make_set → `set_X`); absent for arg_max, percentiles, take_any. */
  readonly prefix?: string
  readonly minArgs: number
  readonly maxArgs: number
  bind(a: AggregateArgs, fail: (code: string, message: string) => never): BoundAggregate
}

const isNull = (v: unknown): boolean => v === null || v === undefined

function simple(prefix: string, type: (args: readonly BoundExpr[]) => ScalarType, create: (args: readonly Compiled[], a: AggregateArgs) => Accumulator, min = 1, max = 1): AggregateFunction {
  return {
    ...(prefix ? { prefix } : {}),
    minArgs: min,
    maxArgs: max,
    bind(a) {
      const name = prefix ? `${prefix}_${a.argNames[0] ?? ''}` : a.argNames[0] || 'Column1'
      return { columns: [{ name, type: type(a.args) }], create: () => create(a.args.map((x) => x.eval), a) }
    },
  }
}

function minMax(prefix: string, sign: 1 | -1, conditional: boolean): AggregateFunction {
  return simple(prefix, (args) => (args[0]!.type === 'dynamic' ? 'dynamic' : args[0]!.type), ([e, p]) => {
    let best: unknown = null
    return {
      add(c, r) {
        if (conditional && p!(c, r) !== true) return
        const v = e!(c, r)
        if (isNull(v) || v === '') return
        if (best === null || compareValues(v, best) * sign > 0) best = v
      },
      result: () => [best],
    }
  }, conditional ? 2 : 1, conditional ? 2 : 1)
}

function makeCollection(prefix: string, set: boolean, conditional: boolean): AggregateFunction {
  return {
    prefix,
    minArgs: conditional ? 2 : 1,
    maxArgs: conditional ? 3 : 2,
    bind(a) {
      const [e, p, limitArg] = conditional ? [a.args[0]!, a.args[1]!, a.args[2]] : [a.args[0]!, undefined, a.args[1]]
      const type = e.type
      const limit = typeof limitArg?.constant?.value === 'number' ? limitArg.constant.value : 1048576
      return {
        columns: [{ name: `${prefix}_${a.argNames[0] ?? ''}`, type: 'dynamic' }],
        create() {
          const out: unknown[] = []
          const seen = set ? new Set<string>() : undefined
          return {
            add(c, r) {
              if (out.length >= limit) return
              if (p && p.eval(c, r) !== true) return
              const v = e.eval(c, r)
              if (isNull(v)) return
              // make_list/make_set of a dynamic array flattens one level (Kusto docs)
              const items = type === 'dynamic' && Array.isArray(v) && set ? v : [type === 'dynamic' ? v : toDynamic(v, type)]
              for (const item of items) {
                if (seen) {
                  const k = groupKey([item])
                  if (seen.has(k)) continue
                  seen.add(k)
                }
                if (out.length < limit) out.push(item)
              }
            },
            result: () => [out],
          }
        },
      }
    },
  }
}

function argBest(sign: 1 | -1): AggregateFunction {
  return {
    minArgs: 1,
    maxArgs: 64,
    bind(a) {
      const key = a.args[0]!
      const extra = a.args.slice(1)
      const columns: Column[] = [{ name: a.argNames[0] || 'Column', type: key.type }]
      for (let i = 0; i < extra.length; i++) columns.push({ name: a.argNames[i + 1] || `Column${i + 1}`, type: extra[i]!.type })
      const starFrom = columns.length
      // `*` expands to the input columns other than the ones named explicitly (the key first).
      const explicit = new Set(a.argNames.filter(Boolean))
      const starCols = a.star ? a.inputColumns.map((c, i) => ({ c, i })).filter(({ c }) => !explicit.has(c.name)) : []
      columns.push(...starCols.map(({ c }) => c))
      const evals = [key.eval, ...extra.map((x) => x.eval)]
      return {
        columns,
        starFrom,
        create() {
          let best: unknown = null
          let bestCols: readonly unknown[][] | null = null
          let bestRow = -1
          return {
            add(c, r) {
              const v = key.eval(c, r)
              if (isNull(v)) {
                if (bestCols === null) {
                  bestCols = c
                  bestRow = r
                }
                return
              }
              if (best === null || compareValues(v, best) * sign > 0) {
                best = v
                bestCols = c
                bestRow = r
              }
            },
            result() {
              if (bestCols === null) return columns.map(() => null)
              const c = bestCols
              const out = evals.map((e) => e(c, bestRow))
              for (const { i } of starCols) out.push(c[i]![bestRow])
              return out
            },
          }
        },
      }
    },
  }
}

function percentiles(): AggregateFunction {
  return {
    minArgs: 2,
    maxArgs: 64,
    bind(a, fail) {
      const e = a.args[0]!
      const ps = a.args.slice(1).map((x) => x.constant?.value)
      if (ps.some((p) => typeof p !== 'number')) fail('ERR_KQL_ARGUMENTS', 'percentile(): percentages must be constants')
      const columns = ps.map((p) => ({ name: `percentile_${a.argNames[0] ?? ''}_${String(p).replace('.', '_')}`, type: e.type }))
      return {
        columns,
        create() {
          const vals: unknown[] = []
          return {
            add(c, r) {
              const v = e.eval(c, r)
              if (!isNull(v)) vals.push(v)
            },
            result() {
              vals.sort(compareValues)
              return (ps as number[]).map((p) => (vals.length ? vals[Math.max(0, Math.ceil((p / 100) * vals.length) - 1)] : null))
            },
          }
        },
      }
    },
  }
}

/** The built-in aggregates (a fresh map per engine instance). */
export function builtinAggregates(): Map<string, AggregateFunction> {
  const m = new Map<string, AggregateFunction>()
  const count = simple('count', () => 'long', () => {
    let n = 0
    return { add: () => void n++, result: () => [n] }
  }, 0, 1)
  m.set('count', { ...count, bind: (a, fail) => (a.args.length === 0 ? { ...count.bind(a, fail), isCount: true } : count.bind(a, fail)) })
  m.set('countif', simple('countif', () => 'long', ([p]) => {
    let n = 0
    return { add: (c, r) => void (p!(c, r) === true && n++), result: () => [n] }
  }))
  const dcount = (prefix: string, conditional: boolean): AggregateFunction => simple(prefix, () => 'long', ([e, p]) => {
    const seen = new Set<string>()
    return {
      add(c, r) {
        if (conditional && p!(c, r) !== true) return
        const v = e!(c, r)
        if (!isNull(v)) seen.add(groupKey([v]))
      },
      result: () => [seen.size],
    }
  }, conditional ? 2 : 1, conditional ? 3 : 2)
  m.set('dcount', dcount('dcount', false))
  m.set('count_distinct', dcount('count_distinct', false))
  m.set('dcountif', dcount('dcountif', true))
  const sum = (prefix: string, conditional: boolean): AggregateFunction => simple(prefix, (args) => (args[0]!.type === 'int' ? 'long' : isNumeric(args[0]!.type) || args[0]!.type === 'timespan' ? args[0]!.type : 'real'), ([e, p]) => {
    let s: number | null = null
    return {
      add(c, r) {
        if (conditional && p!(c, r) !== true) return
        const v = e!(c, r)
        if (typeof v === 'number') s = (s ?? 0) + v
      },
      result: () => [s],
    }
  }, conditional ? 2 : 1, conditional ? 2 : 1)
  m.set('sum', sum('sum', false))
  m.set('sumif', sum('sumif', true))
  const avg = (prefix: string, conditional: boolean): AggregateFunction => simple(prefix, (args) => (args[0]!.type === 'timespan' ? 'timespan' : 'real'), ([e, p]) => {
    let s = 0
    let n = 0
    return {
      add(c, r) {
        if (conditional && p!(c, r) !== true) return
        const v = e!(c, r)
        if (typeof v === 'number') {
          s += v
          n++
        }
      },
      result: () => [n ? s / n : null],
    }
  }, conditional ? 2 : 1, conditional ? 2 : 1)
  m.set('avg', avg('avg', false))
  m.set('avgif', avg('avgif', true))
  m.set('stdev', simple('stdev', () => 'real', ([e]) => {
    const xs: number[] = []
    return {
      add(c, r) { const v = e!(c, r); if (typeof v === 'number') xs.push(v) },
      result() {
        if (xs.length < 2) return [0]
        const mean = xs.reduce((a, b) => a + b, 0) / xs.length
        return [Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1))]
      },
    }
  }))
  m.set('min', minMax('min', -1, false))
  m.set('max', minMax('max', 1, false))
  m.set('minif', minMax('minif', -1, true))
  m.set('maxif', minMax('maxif', 1, true))
  const anyFn: AggregateFunction = {
    minArgs: 1,
    maxArgs: 64,
    bind(a) {
      const cols = a.args.map((x, i) => ({ name: a.star ? '' : `any_${a.argNames[i] ?? ''}`, type: x.type }))
      return {
        columns: a.star ? a.inputColumns : cols,
        create() {
          let got: unknown[] | null = null
          return {
            add(c, r) {
              if (got !== null) return
              got = a.star ? a.inputColumns.map((_, i) => c[i]![r]) : a.args.map((x) => x.eval(c, r))
            },
            result: () => got ?? cols.map(() => null),
          }
        },
      }
    },
  }
  m.set('any', anyFn)
  const takeAny: AggregateFunction = {
    minArgs: 1,
    maxArgs: 64,
    bind(a) {
      const columns = a.star ? a.inputColumns : a.args.map((x, i) => ({ name: a.argNames[i] || `Column${i + 1}`, type: x.type }))
      return {
        columns,
        create() {
          let got: unknown[] | null = null
          return {
            add(c, r) {
              if (got === null) got = a.star ? a.inputColumns.map((_, i) => c[i]![r]) : a.args.map((x) => x.eval(c, r))
            },
            result: () => got ?? columns.map(() => null),
          }
        },
      }
    },
  }
  m.set('take_any', takeAny)
  m.set('take_anyif', simple('', (args) => args[0]!.type, ([e, p]) => {
    let got: unknown = null
    let done = false
    return {
      add(c, r) {
        if (!done && p!(c, r) === true) {
          got = e!(c, r)
          done = true
        }
      },
      result: () => [got],
    }
  }, 2, 2))
  m.set('make_set', makeCollection('set', true, false))
  m.set('makeset', makeCollection('set', true, false))
  m.set('make_set_if', makeCollection('set', true, true))
  m.set('make_list', makeCollection('list', false, false))
  m.set('makelist', makeCollection('list', false, false))
  m.set('make_list_if', makeCollection('list', false, true))
  m.set('make_list_with_nulls', makeCollection('list', false, false))
  const makeBag = (conditional: boolean): AggregateFunction => simple('bag', () => 'dynamic', ([e, p]) => {
    const bag: Record<string, unknown> = {}
    return {
      add(c, r) {
        if (conditional && p!(c, r) !== true) return
        const v = e!(c, r)
        if (v && typeof v === 'object' && !Array.isArray(v)) Object.assign(bag, v)
      },
      result: () => [bag],
    }
  }, conditional ? 2 : 1, conditional ? 3 : 2)
  m.set('make_bag', makeBag(false))
  m.set('make_bag_if', makeBag(true))
  m.set('make_dictionary', makeBag(false))
  m.set('arg_max', argBest(1))
  m.set('arg_min', argBest(-1))
  m.set('argmax', argBest(1))
  m.set('argmin', argBest(-1))
  m.set('percentile', percentiles())
  m.set('percentiles', percentiles())
  m.set('binary_all_and', simple('', () => 'long', ([e]) => {
    let acc: bigint | null = null
    return { add(c, r) { const v = e!(c, r); if (typeof v === 'number') acc = (acc ?? -1n) & BigInt(Math.trunc(v)) }, result: () => [acc === null ? null : Number(acc)] }
  }))
  m.set('binary_all_or', simple('', () => 'long', ([e]) => {
    let acc: bigint | null = null
    return { add(c, r) { const v = e!(c, r); if (typeof v === 'number') acc = (acc ?? 0n) | BigInt(Math.trunc(v)) }, result: () => [acc === null ? null : Number(acc)] }
  }))
  return m
}

