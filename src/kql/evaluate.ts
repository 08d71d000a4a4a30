/**
 * The evaluator: runs a bound plan over columnar tables, one `switch (plan.op)` case per operator.
 * Expressions are the binder's closures; operators only move row indices and column arrays.
 */
import type { Accumulator } from './aggregates.js'
import { TICK_ROWS, type Budget } from './budget.js'
import { KqlRuntimeError } from './errors.js'
import type { Plan } from './plan.js'
import type { Needed } from './prune.js'
import type { Column, ScalarType, Table } from './types.js'
import { childLevel, indexRows, keyValue, lookupRows, type KeyLevel } from './key_index.js'
import { compareValues, convert, fromDynamic, groupKey } from './values.js'

export interface ExecContext {
  readonly text: string
  /** Returns a table's data (columns matched by name; missing columns read as null). */
  readonly tables: (name: string) => Table | undefined
  /** The externaldata allow-list: returns the content of an allowed URI, undefined otherwise. */
  readonly externalData: ((uri: string) => string | undefined) | undefined
  readonly memo: Map<Plan, Table>
  /** Row, value and deadline budget of the run (budget.ts), checked inside the row loops. */
  readonly budget: Budget
  /** Output columns each plan node must produce (prune.ts); others may be left empty. */
  readonly needed?: WeakMap<Plan, Needed>
}

/** Kusto's name of the operator behind a plan node (for "Adjust use of the … operator"). */
const OPERATOR: Partial<Record<Plan['op'], string>> = { 'mv-expand': 'mv-expand', 'mv-apply': 'mv-apply', join: 'join', union: 'union', partition: 'partition', 'make-series': 'make-series', sliding_window_counts: 'sliding_window_counts', externaldata: 'externaldata', summarize: 'summarize', pivot: 'pivot', ipv4_lookup: 'ipv4_lookup' }
const operatorOf = (plan: Plan): string => OPERATOR[plan.op] ?? plan.op

const SKIPPED: unknown[] = []
/** Gathers the needed columns of `t` at the row indices `idx` (unneeded columns stay empty). */
function gatherAll(plan: Plan, t: Table, idx: readonly number[], ctx: ExecContext): unknown[][] {
  const need = ctx.needed?.get(plan)
  return t.data.map((c, i) => (need === undefined || need === 'all' || need.has(i) ? gather(c, idx) : SKIPPED))
}

/** Refuses an output of `n` rows (× the plan's columns in values) before it is allocated. */
function guard(n: number, ctx: ExecContext, plan: Plan): void {
  ctx.budget.cells(n, plan.schema.length, plan.pos, operatorOf(plan))
}

const gather = (col: readonly unknown[], idx: readonly number[]): unknown[] => {
  const out = new Array<unknown>(idx.length)
  for (let i = 0; i < idx.length; i++) out[i] = col[idx[i]!]
  return out
}
const nullOf = (t: ScalarType): unknown => (t === 'string' ? '' : null)

function fit(schema: readonly Column[], t: Table): Table {
  if (t.columns.length === schema.length && t.columns.every((c, i) => c.name === schema[i]!.name)) return { columns: schema, data: t.data, rowCount: t.rowCount }
  const data = schema.map((c) => {
    const i = t.columns.findIndex((x) => x.name === c.name)
    return i >= 0 ? t.data[i]! : new Array<unknown>(t.rowCount).fill(nullOf(c.type))
  })
  return { columns: schema, data, rowCount: t.rowCount }
}

export function execute(plan: Plan, ctx: ExecContext): Table {
  // Checked between operators and every TICK_ROWS rows inside them (budget.ts).
  const budget = ctx.budget
  budget.tick(plan.pos)
  const schema = plan.schema
  switch (plan.op) {
    case 'scan': {
      const t = ctx.tables(plan.table)
      return t ? fit(schema, t) : { columns: schema, data: schema.map(() => []), rowCount: 0 }
    }
    case 'const':
      return plan.table
    case 'fit':
      return fit(schema, execute(plan.input, ctx))
    case 'ipv4_lookup':
      return ipv4Lookup(plan, execute(plan.input, ctx), execute(plan.right, ctx))
    case 'lazy':
      return plan.build(budget)
    case 'sliding_window_counts':
      return slidingWindowCounts(plan, execute(plan.input, ctx), ctx)
    case 'memo': {
      let t = ctx.memo.get(plan)
      if (!t) {
        t = execute(plan.input, ctx)
        ctx.memo.set(plan, t)
      }
      return t
    }
    case 'where': {
      const t = execute(plan.input, ctx)
      const idx: number[] = []
      const p = plan.pred
      const d = t.data
      for (let r = 0; r < t.rowCount; r++) {
        if ((r & (TICK_ROWS - 1)) === 0) budget.tick(plan.pos)
        if (p(d, r) === true) idx.push(r)
      }
      if (idx.length === t.rowCount) return t
      return { columns: schema, data: gatherAll(plan, t, idx, ctx), rowCount: idx.length }
    }
    case 'project': {
      const t = execute(plan.input, ctx)
      const data = plan.cols.map((c) => {
        if ('from' in c) return t.data[c.from]!
        const out = new Array<unknown>(t.rowCount)
        for (let r = 0; r < t.rowCount; r++) {
          if ((r & (TICK_ROWS - 1)) === 0) budget.tick(plan.pos)
          out[r] = c.eval(t.data, r)
        }
        return out
      })
      return { columns: schema, data, rowCount: t.rowCount }
    }
    case 'extend': {
      const t = execute(plan.input, ctx)
      const data = t.data.slice()
      for (const s of plan.steps) {
        const out = new Array<unknown>(t.rowCount)
        for (let r = 0; r < t.rowCount; r++) {
          if ((r & (TICK_ROWS - 1)) === 0) budget.tick(plan.pos)
          out[r] = s.eval(data, r)
        }
        data[s.target] = out
      }
      return { columns: schema, data, rowCount: t.rowCount }
    }
    case 'summarize':
      return summarize(plan, execute(plan.input, ctx), budget)
    case 'join':
      return join(plan, execute(plan.left, ctx), execute(plan.right, ctx), ctx)
    case 'sort': {
      const t = execute(plan.input, ctx)
      const keys = plan.keys.map((k) => {
        const vals = new Array<unknown>(t.rowCount)
        for (let r = 0; r < t.rowCount; r++) {
          if ((r & (TICK_ROWS - 1)) === 0) budget.tick(plan.pos)
          vals[r] = k.eval(t.data, r)
        }
        return { vals, desc: k.desc, nullsFirst: k.nullsFirst }
      })
      const idx = Array.from({ length: t.rowCount }, (_, i) => i)
      let compared = 0
      idx.sort((a, b) => {
        // a throw from the comparator ends Array.prototype.sort: the deadline holds inside the sort too
        if ((++compared & (TICK_ROWS * 16 - 1)) === 0) budget.tick(plan.pos)
        for (const k of keys) {
          const x = k.vals[a]
          const y = k.vals[b]
          const xn = x === null || x === undefined
          const yn = y === null || y === undefined
          if (xn || yn) {
            if (xn && yn) continue
            return (xn ? -1 : 1) * (k.nullsFirst ? 1 : -1)
          }
          const c = compareValues(x, y)
          if (c !== 0) return k.desc ? -c : c
        }
        return a - b
      })
      return { columns: schema, data: gatherAll(plan, t, idx, ctx), rowCount: idx.length }
    }
    case 'take': {
      const t = execute(plan.input, ctx)
      const n = Math.max(0, Math.min(t.rowCount, Math.floor(plan.count)))
      if (n === t.rowCount) return t
      return { columns: schema, data: t.data.map((c) => c.slice(0, n)), rowCount: n }
    }
    case 'union': {
      const parts = plan.inputs.map((p) => execute(p, ctx))
      guard(parts.reduce((s, t) => s + t.rowCount, 0), ctx, plan)
      const data: unknown[][] = schema.map(() => [])
      parts.forEach((t, pi) => {
        const map = plan.maps[pi]!
        schema.forEach((c, ci) => {
          const src = map[ci]!
          const out = data[ci]!
          if (src >= 0) for (let r = 0; r < t.rowCount; r++) out.push(t.data[src]![r])
          else if (plan.sourceNames && ci === 0) for (let r = 0; r < t.rowCount; r++) out.push(plan.sourceNames[pi])
          else for (let r = 0; r < t.rowCount; r++) out.push(nullOf(c.type))
        })
      })
      return { columns: schema, data, rowCount: parts.reduce((s, t) => s + t.rowCount, 0) }
    }
    case 'mv-expand': {
      // Columns an open schema (bag_unpack) added at run time are not carried through (known gap).
      const t = execute(plan.input, ctx)
      const out = mvExpand(schema, t, plan.items, plan.limit, false, (n, r) => { guard(n, ctx, plan); if ((r & (TICK_ROWS - 1)) === 0) budget.tick(plan.pos) }, Math.min(t.data.length, plan.input.schema.length), plan.itemIndex)
      return out.table
    }
    case 'mv-apply': {
      const t = execute(plan.input, ctx)
      const items = plan.items.map((it, i) => ({ ...it, target: i }))
      const expanded = mvExpand(plan.itemColumns, t, items, Number.POSITIVE_INFINITY, true, (n, r) => { guard(n, ctx, plan); if ((r & (TICK_ROWS - 1)) === 0) budget.tick(plan.pos) }, 0)
      const data: unknown[][] = schema.map(() => [])
      const nk = plan.keep.length
      let rows = 0
      expanded.groups.forEach((group, r) => {
        plan.slot.table = { columns: plan.itemColumns, data: expanded.table.data.map((c) => gather(c, group)), rowCount: group.length }
        const out = execute(plan.body, ctx)
        for (let k = 0; k < nk; k++) {
          const v = t.data[plan.keep[k]!]![r]
          for (let o = 0; o < out.rowCount; o++) data[k]!.push(v)
        }
        for (let ci = 0; ci < out.data.length; ci++) for (let o = 0; o < out.rowCount; o++) data[nk + ci]!.push(out.data[ci]![o])
        rows += out.rowCount
        guard(rows, ctx, plan)
      })
      return { columns: schema, data, rowCount: rows }
    }
    case 'parse': {
      const t = execute(plan.input, ctx)
      const data = t.data.slice()
      const outs = plan.targets.map(() => new Array<unknown>(t.rowCount))
      for (let r = 0; r < t.rowCount; r++) {
        if ((r & (TICK_ROWS - 1)) === 0) budget.tick(plan.pos)
        const m = plan.regex.exec(plan.eval(t.data, r) as string)
        plan.targets.forEach((tg, i) => {
          const v = m ? m[i + 1] : undefined
          outs[i]![r] = v === undefined ? nullOf(tg.type) : convert(v, 'string', tg.type)
        })
      }
      plan.targets.forEach((tg, i) => (data[tg.index] = outs[i]!))
      return { columns: schema, data, rowCount: t.rowCount }
    }
    case 'bag_unpack': {
      const t = execute(plan.input, ctx)
      const bag = t.data[plan.column]!
      const keys: string[] = []
      const seen = new Set<string>(schema.map((c) => c.name))
      for (let r = 0; r < t.rowCount; r++) {
        const v = bag[r]
        if (v && typeof v === 'object' && !Array.isArray(v)) for (const k of Object.keys(v)) if (!seen.has(plan.prefix + k)) { seen.add(plan.prefix + k); keys.push(k) }
      }
      const data = t.data.filter((_, i) => i !== plan.column)
      const pick = (k: string): unknown[] => bag.map((v) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[k] ?? null : null))
      // columns declared by later references (open schema), then the other keys found in the data
      for (const c of schema.slice(data.length)) data.push(pick(c.name.startsWith(plan.prefix) ? c.name.slice(plan.prefix.length) : c.name))
      for (const k of keys) data.push(pick(k))
      return { columns: [...schema, ...keys.map((k) => ({ name: plan.prefix + k, type: 'dynamic' as const }))], data, rowCount: t.rowCount }
    }
    case 'pivot':
      return pivot(plan, execute(plan.input, ctx), ctx)
    case 'partition': {
      const t = execute(plan.input, ctx)
      const groups = new Map<unknown, number[]>()
      const keys = t.data[plan.key]!
      for (let r = 0; r < t.rowCount; r++) {
        const k = keyValue(keys[r])
        const g = groups.get(k)
        if (g) g.push(r)
        else groups.set(k, [r])
      }
      const data: unknown[][] = schema.map(() => [])
      let rows = 0
      for (const idx of groups.values()) {
        plan.slot.table = { columns: plan.input.schema, data: t.data.map((c) => gather(c, idx)), rowCount: idx.length }
        const out = execute(plan.body, ctx)
        for (let ci = 0; ci < schema.length; ci++) for (let r = 0; r < out.rowCount; r++) data[ci]!.push(out.data[ci]![r])
        rows += out.rowCount
        guard(rows, ctx, plan)
      }
      return { columns: schema, data, rowCount: rows }
    }
    case 'externaldata':
      return externalData(plan, ctx)
    case 'make-series':
      return makeSeries(plan, execute(plan.input, ctx), ctx)
  }
}

function mvExpand(schema: readonly Column[], t: Table, items: readonly { target: number; eval: (c: readonly unknown[][], r: number) => unknown; to: ScalarType }[], limit: number, grouped: boolean, check: (rows: number, inputRow: number) => void, copyWidth = t.data.length, itemIndex?: number): { table: Table; groups: number[][] } {
  const inputWidth = copyWidth
  const data: unknown[][] = schema.map(() => [])
  const groups: number[][] = []
  let rows = 0
  for (let r = 0; r < t.rowCount; r++) {
    const lists = items.map((it) => {
      const v = it.eval(t.data, r)
      if (Array.isArray(v)) return v
      if (v !== null && typeof v === 'object') return Object.entries(v).map(([k, x]) => ({ [k]: x }))
      return [v]
    })
    let n = 0
    for (const l of lists) if (l.length > n) n = l.length
    n = Math.min(limit, n)
    check(rows + n, r)
    const group: number[] = []
    for (let k = 0; k < n; k++) {
      for (let ci = 0; ci < inputWidth; ci++) data[ci]!.push(t.data[ci]![r])
      for (let ci = inputWidth; ci < schema.length; ci++) data[ci]!.push(null)
      items.forEach((it, i) => {
        const v = lists[i]![k] ?? null
        data[it.target]![rows] = it.to === 'dynamic' ? v : fromDynamic(v, it.to)
      })
      if (itemIndex !== undefined) data[itemIndex]![rows] = k
      group.push(rows)
      rows++
    }
    if (grouped) groups.push(group)
  }
  return { table: { columns: schema, data, rowCount: rows }, groups }
}

const COUNTED: Accumulator = { add: () => undefined, result: () => [] }

interface Group {
  readonly keys: unknown[]
  readonly accs: Accumulator[]
  n: number
}

function summarize(plan: Plan & { op: 'summarize' }, t: Table, budget: Budget): Table {
  // Groups in a key trie (key_index.ts): one Map per `by` key, the last level holding the group.
  const root: KeyLevel = new Map()
  const order: Group[] = []
  const d = t.data
  const keys = plan.keys
  const nk = keys.length
  const inner = nk - 1
  const lastKey = nk === 0 ? () => 0 : keys[inner]!
  // count() is by far the most common aggregate: counted inline, without an accumulator call.
  const counts = plan.aggs.map((a) => a.isCount === true)
  const others = plan.aggs.map((_, i) => i).filter((i) => !counts[i])
  const no = others.length
  for (let r = 0; r < t.rowCount; r++) {
    if ((r & (TICK_ROWS - 1)) === 0) budget.tick(plan.pos)
    let level = root
    for (let k = 0; k < inner; k++) level = childLevel(level, keyValue(keys[k]!(d, r)))
    const gk = keyValue(lastKey(d, r))
    let g = level.get(gk) as Group | undefined
    if (g === undefined) {
      g = { keys: keys.map((k) => k(d, r)), accs: plan.aggs.map((a, i) => (counts[i] ? COUNTED : a.create())), n: 0 }
      level.set(gk, g)
      order.push(g)
    }
    g.n++
    for (let i = 0; i < no; i++) g.accs[others[i]!]!.add(d, r)
  }
  // Kusto: an aggregation without `by` over no rows still yields one row (count() = 0).
  if (nk === 0 && order.length === 0) order.push({ keys: [], accs: plan.aggs.map((a) => a.create()), n: 0 })
  const data: unknown[][] = plan.schema.map(() => new Array<unknown>(order.length))
  const layout = plan.out.layout
  const hasPost = plan.post.length > 0
  const results = new Array<unknown[]>(plan.aggs.length)
  for (let gi = 0; gi < order.length; gi++) {
    const g = order[gi]!
    for (let i = 0; i < results.length; i++) results[i] = counts[i] ? [g.n] : g.accs[i]!.result()
    const postCols = hasPost ? plan.postSlots.map((s) => [s[0] === 'key' ? g.keys[s[1]] : results[s[1]]![s[2]]]) : []
    for (let ci = 0; ci < layout.length; ci++) {
      const slot = layout[ci]!
      data[ci]![gi] = slot[0] === 'key' ? g.keys[slot[1]] : slot[0] === 'agg' ? results[slot[1]]![slot[2]] ?? null : plan.post[slot[1]]!(postCols, 0)
    }
  }
  return { columns: plan.schema, data, rowCount: order.length }
}

function join(plan: Plan & { op: 'join' }, L: Table, R: Table, ctx: ExecContext): Table {
  // Null keys never match (empty strings do): indexRows leaves them out, lookupRows misses them.
  const index = indexRows(R.data, R.rowCount, plan.rightKeys)
  const lk = plan.leftKeys
  const li: number[] = []
  const ri: number[] = []
  const kind = plan.kind
  if (kind === 'rightsemi' || kind === 'rightanti') {
    const hit = new Set<number[]>()
    for (let r = 0; r < L.rowCount; r++) {
      const m = lookupRows(index, L.data, r, lk)
      if (m !== undefined) hit.add(m)
    }
    const matched = new Uint8Array(R.rowCount)
    for (const m of hit) for (const r of m) matched[r] = 1
    const want = kind === 'rightsemi' ? 1 : 0
    for (let r = 0; r < R.rowCount; r++) if (matched[r] === want) ri.push(r)
    return { columns: plan.schema, data: R.data.map((c) => gather(c, ri)), rowCount: ri.length }
  }
  // innerunique (the default) de-duplicates the LEFT side by key before joining (Kusto docs); a key
  // without matches yields nothing either way, so remembering the matched row lists is enough.
  const seenLeft = kind === 'innerunique' ? new Set<number[]>() : undefined
  const matchedRight = kind === 'rightouter' || kind === 'fullouter' ? new Uint8Array(R.rowCount) : undefined
  const semi = kind === 'leftsemi' || kind === 'leftanti'
  const outer = kind === 'leftouter' || kind === 'fullouter'
  const budget = ctx.budget
  for (let r = 0; r < L.rowCount; r++) {
    if ((r & (TICK_ROWS - 1)) === 0) budget.tick(plan.pos)
    const matches = lookupRows(index, L.data, r, lk)
    if (seenLeft !== undefined && matches !== undefined) {
      if (seenLeft.has(matches)) continue
      seenLeft.add(matches)
    }
    if (semi) {
      if ((matches !== undefined) === (kind === 'leftsemi')) li.push(r)
      continue
    }
    if (matches) {
      // checked per left row, before the pairs are pushed: a cross join stops at the cap, not at OOM
      guard(li.length + matches.length, ctx, plan)
      for (let i = 0; i < matches.length; i++) {
        const m = matches[i]!
        li.push(r)
        ri.push(m)
        if (matchedRight !== undefined) matchedRight[m] = 1
      }
    } else if (outer) {
      li.push(r)
      ri.push(-1)
    }
  }
  if (semi) return { columns: plan.schema, data: L.data.map((c) => gather(c, li)), rowCount: li.length }
  if (matchedRight !== undefined) {
    for (let r = 0; r < R.rowCount; r++) if (matchedRight[r] === 0) {
      li.push(-1)
      ri.push(r)
    }
  }
  guard(li.length, ctx, plan)
  const pick = (col: readonly unknown[], idx: readonly number[], type: ScalarType): unknown[] => {
    const out = new Array<unknown>(idx.length)
    for (let i = 0; i < idx.length; i++) out[i] = idx[i]! < 0 ? nullOf(type) : col[idx[i]!]
    return out
  }
  const need = ctx.needed?.get(plan)
  const wanted = (i: number): boolean => need === undefined || need === 'all' || need.has(i)
  const lw = L.data.length
  const data = [
    ...L.data.map((c, i) => (wanted(i) ? pick(c, li, L.columns[i]?.type ?? 'unknown') : SKIPPED)),
    ...plan.rightCols.map((c, j) => (wanted(lw + j) ? pick(R.data[c]!, ri, R.columns[c]?.type ?? 'unknown') : SKIPPED)),
  ]
  return { columns: plan.schema, data, rowCount: li.length }
}

function pivot(plan: Plan & { op: 'pivot' }, t: Table, ctx: ExecContext): Table {
  const groups = new Map<string, { keys: unknown[]; cells: Map<string, Accumulator> }>()
  const names: string[] = plan.schema.slice(plan.keys.length).map((c) => c.name)
  for (let r = 0; r < t.rowCount; r++) {
    if ((r & (TICK_ROWS - 1)) === 0) ctx.budget.tick(plan.pos)
    const keys = plan.keys.map((k) => t.data[k]![r])
    const gk = groupKey(keys)
    let g = groups.get(gk)
    if (!g) groups.set(gk, (g = { keys, cells: new Map() }))
    const v = t.data[plan.column]![r]
    const name = v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v)
    if (!names.includes(name)) {
      names.push(name)
      // one column per distinct value: rows × columns grows with both
      ctx.budget.cells(groups.size, plan.keys.length + names.length, plan.pos, 'pivot')
    }
    let acc = g.cells.get(name)
    if (!acc) g.cells.set(name, (acc = plan.agg.create()))
    acc.add(t.data, r)
  }
  const declared = plan.schema.length - plan.keys.length
  const dynamicNames = names.slice(declared).sort()
  const all = [...names.slice(0, declared), ...dynamicNames]
  const data: unknown[][] = [...plan.keys.map(() => [] as unknown[]), ...all.map(() => [] as unknown[])]
  for (const g of groups.values()) {
    g.keys.forEach((k, i) => data[i]!.push(k))
    all.forEach((n, i) => data[plan.keys.length + i]!.push(g.cells.get(n)?.result()[0] ?? (plan.valueType === 'long' ? 0 : null)))
  }
  return { columns: [...plan.schema, ...dynamicNames.map((name) => ({ name, type: plan.valueType }))], data, rowCount: groups.size }
}

function ipv4(s: unknown): number | null {
  const m = typeof s === 'string' ? /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s.trim()) : null
  return m ? ((Number(m[1]) << 24) >>> 0) + (Number(m[2]) << 16) + (Number(m[3]) << 8) + Number(m[4]) : null
}

function ipv4Lookup(plan: Plan & { op: 'ipv4_lookup' }, L: Table, R: Table): Table {
  // The most specific range (longest prefix) wins.
  const ranges = []
  for (let r = 0; r < R.rowCount; r++) {
    const [base, bits] = String(R.data[plan.rangeColumn]![r] ?? '').split('/')
    const b = ipv4(base)
    const n = bits === undefined ? 32 : Number(bits)
    if (b === null || !(n >= 0 && n <= 32)) continue
    const mask = n === 0 ? 0 : (~((1 << (32 - n)) - 1)) >>> 0
    ranges.push({ r, net: (b & mask) >>> 0, mask, n })
  }
  ranges.sort((a, b) => b.n - a.n)
  const li: number[] = []
  const ri: number[] = []
  for (let r = 0; r < L.rowCount; r++) {
    const ip = ipv4(L.data[plan.ipColumn]![r])
    const hit = ip === null ? undefined : ranges.find((x) => ((ip & x.mask) >>> 0) === x.net)
    if (hit) {
      li.push(r)
      ri.push(hit.r)
    } else if (plan.unmatched) {
      li.push(r)
      ri.push(-1)
    }
  }
  const data = [...L.data.map((c) => gather(c, li)), ...R.data.map((c, ci) => ri.map((i) => (i < 0 ? nullOf(R.columns[ci]?.type ?? 'unknown') : c[i])))]
  return { columns: plan.schema, data, rowCount: li.length }
}

function slidingWindowCounts(plan: Plan & { op: 'sliding_window_counts' }, t: Table, ctx: ExecContext): Table {
  const { id, time, dims, start, end, lookback, bin, schema } = plan
  const groups = new Map<string, { dims: unknown[]; rows: { at: number; id: unknown }[] }>()
  for (let r = 0; r < t.rowCount; r++) {
    const at = time(t.data, r)
    if (typeof at !== 'number') continue
    const d = dims.map((f) => f(t.data, r))
    const k = JSON.stringify(d)
    let g = groups.get(k)
    if (!g) groups.set(k, (g = { dims: d, rows: [] }))
    g.rows.push({ at, id: id(t.data, r) })
  }
  const data: unknown[][] = schema.map(() => [])
  if (bin > 0) {
    // one row per bin per group: refused before the loop when that is over the budget
    ctx.budget.cells(Math.ceil((end - start) / bin) * groups.size, schema.length, plan.pos, 'sliding_window_counts')
    for (const g of groups.values()) {
      ctx.budget.tick(plan.pos)
      for (let b = start; b < end; b += bin) {
        const from = b + bin - lookback
        const inWindow = g.rows.filter((x) => x.at >= from && x.at < b + bin)
        data[0]!.push(b)
        g.dims.forEach((v, i) => data[1 + i]!.push(v))
        data[schema.length - 2]!.push(inWindow.length)
        data[schema.length - 1]!.push(new Set(inWindow.map((x) => JSON.stringify(x.id))).size)
      }
    }
  }
  return { columns: schema, data, rowCount: data[0]!.length }
}

function parseCsvLine(line: string): string[] {
  const out: string[] = []
  let cur = ''
  let q = false
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!
    if (q) {
      if (c === '"' && line[i + 1] === '"') { cur += '"'; i++ } else if (c === '"') q = false
      else cur += c
    } else if (c === '"') q = true
    else if (c === ',') { out.push(cur); cur = '' } else cur += c
  }
  out.push(cur)
  return out
}

function externalData(plan: Plan & { op: 'externaldata' }, ctx: ExecContext): Table {
  const schema = plan.schema
  const data: unknown[][] = schema.map(() => [])
  let rows = 0
  for (const uri of plan.uris) {
    const content = ctx.externalData?.(uri)
    if (content === undefined) {
      throw new KqlRuntimeError('ERR_KQL_EXTERNALDATA_DENIED', `externaldata: '${uri}' is not in the allow-list of this engine (no network access)`, ctx.text, plan.pos, { hint: 'Add the URI to the emulator\'s externalData allow-list, or inline the data with datatable()' })
    }
    const format = String(plan.options.format ?? 'csv').toLowerCase()
    let lines = content.split(/\r?\n/).filter((l) => l.length > 0)
    if (plan.options.ignoreFirstRecord === true || plan.options.ignoreFirstRecord === 'true') lines = lines.slice(1)
    guard(rows + lines.length, ctx, plan)
    for (const line of lines) {
      if ((rows & (TICK_ROWS - 1)) === 0) ctx.budget.tick(plan.pos)
      let cells: unknown[]
      if (format === 'json' || format === 'multijson') {
        let obj: Record<string, unknown> = {}
        try { obj = JSON.parse(line) as Record<string, unknown> } catch { continue }
        cells = schema.map((c) => obj[c.name] ?? null)
        schema.forEach((c, i) => data[i]!.push(fromDynamic(cells[i], c.type)))
      } else {
        cells = format === 'txt' || format === 'raw' ? [line] : parseCsvLine(line)
        schema.forEach((c, i) => data[i]!.push(convert(cells[i] ?? '', 'string', c.type)))
      }
      rows++
    }
  }
  return { columns: schema, data, rowCount: rows }
}

function makeSeries(plan: Plan & { op: 'make-series' }, t: Table, ctx: ExecContext): Table {
  const budget = ctx.budget
  const step = plan.step([], 0) as number
  const onVals: unknown[] = new Array(t.rowCount)
  let lo = Number.POSITIVE_INFINITY
  let hi = Number.NEGATIVE_INFINITY
  for (let r = 0; r < t.rowCount; r++) {
    if ((r & (TICK_ROWS - 1)) === 0) budget.tick(plan.pos)
    const v = plan.on(t.data, r)
    onVals[r] = v
    if (typeof v === 'number') {
      if (v < lo) lo = v
      if (v > hi) hi = v
    }
  }
  const present = lo <= hi
  const from = (plan.from?.([], 0) as number | undefined) ?? (present ? lo : 0)
  const to = (plan.to?.([], 0) as number | undefined) ?? (present ? hi + step : 0)
  const bins = step > 0 && to > from ? Math.ceil((to - from) / step) : 0
  // Every series holds `bins` values: refused before anything is allocated (a 1ms step over ten years).
  budget.cells(1, bins, plan.pos, 'make-series')
  const groups = new Map<string, { keys: unknown[]; cells: Map<number, Accumulator[]> }>()
  for (let r = 0; r < t.rowCount; r++) {
    if ((r & (TICK_ROWS - 1)) === 0) budget.tick(plan.pos)
    const v = onVals[r]
    if (typeof v !== 'number' || v < from || v >= to) continue
    const keys = plan.keys.map((k) => k(t.data, r))
    const gk = groupKey(keys)
    let g = groups.get(gk)
    if (!g) groups.set(gk, (g = { keys, cells: new Map() }))
    const b = Math.floor((v - from) / step)
    let accs = g.cells.get(b)
    if (!accs) g.cells.set(b, (accs = plan.aggs.map((a) => a.create())))
    for (const a of accs) a.add(t.data, r)
  }
  budget.cells(groups.size, bins * (plan.aggs.length + 1), plan.pos, 'make-series')
  const axis = Array.from({ length: bins }, (_, i) => { const d = new Date(from + i * step); return Number.isNaN(d.getTime()) ? null : d.toISOString() })
  const data: unknown[][] = plan.schema.map(() => [])
  for (const g of groups.values()) {
    budget.tick(plan.pos)
    g.keys.forEach((k, i) => data[i]!.push(k))
    plan.aggs.forEach((_, ai) => {
      const series = Array.from({ length: bins }, (_, b) => g.cells.get(b)?.[ai]!.result()[0] ?? plan.fills[ai] ?? 0)
      data[plan.keys.length + ai]!.push(series)
    })
    data[plan.schema.length - 1]!.push(axis)
  }
  return { columns: plan.schema, data, rowCount: groups.size }
}
