/**
 * Column pruning: which output columns of each plan node are needed downstream, so `where`, `sort`
 * and `join` copy only those (a filter over a 70-column table followed by `count` copies nothing).
 * Conservative: operators whose column use is not tracked, and nodes shared by several consumers
 * (let-bound tables), need all their columns.
 */
import type { Plan } from './plan.js'

export type Needed = ReadonlySet<number> | 'all'

export function pruneColumns(root: Plan, subqueries: readonly Plan[] = []): WeakMap<Plan, Needed> {
  const out = new WeakMap<Plan, Needed>()
  const visit = (p: Plan, need: Needed): void => {
    if (out.has(p)) {
      // shared node: give it everything (once)
      if (out.get(p) === 'all') return
      need = 'all'
    }
    out.set(p, need)
    const reads = p.reads
    const plus = (n: Needed, extra: Iterable<number>, width: number): Needed => {
      if (n === 'all' || reads === undefined) return 'all'
      const s = new Set<number>()
      for (const i of n) if (i < width) s.add(i)
      for (const i of extra) if (i < width) s.add(i)
      return s
    }
    switch (p.op) {
      case 'where':
      case 'sort':
        visit(p.input, plus(need, reads ?? [], p.input.schema.length))
        return
      case 'take':
        visit(p.input, need === 'all' ? 'all' : plus(need, [], p.input.schema.length))
        return
      case 'project': {
        if (reads === undefined) return visit(p.input, 'all')
        const s = new Set<number>(reads)
        p.cols.forEach((c, i) => { if ('from' in c && (need === 'all' || need.has(i))) s.add(c.from) })
        visit(p.input, s)
        return
      }
      case 'extend': {
        const targets = new Set(p.steps.map((s) => s.target))
        const width = p.input.schema.length
        if (need === 'all' || reads === undefined) return visit(p.input, 'all')
        visit(p.input, plus(new Set([...need].filter((i) => !targets.has(i))), reads, width))
        return
      }
      case 'summarize':
        visit(p.input, reads === undefined ? 'all' : new Set(reads))
        return
      case 'join': {
        const lw = p.left.schema.length
        if (need === 'all') {
          visit(p.left, 'all')
          visit(p.right, 'all')
          return
        }
        if (p.kind === 'rightsemi' || p.kind === 'rightanti') {
          visit(p.left, new Set(p.leftKeys))
          visit(p.right, new Set([...need, ...p.rightKeys]))
          return
        }
        if (p.kind === 'leftsemi' || p.kind === 'leftanti') {
          visit(p.left, new Set([...need, ...p.leftKeys]))
          visit(p.right, new Set(p.rightKeys))
          return
        }
        visit(p.left, new Set([...[...need].filter((i) => i < lw), ...p.leftKeys]))
        visit(p.right, new Set([...[...need].filter((i) => i >= lw).map((i) => p.rightCols[i - lw]!), ...p.rightKeys]))
        return
      }
      case 'union':
        p.inputs.forEach((inp, pi) => visit(inp, need === 'all' ? 'all' : new Set([...need].map((ci) => p.maps[pi]![ci]!).filter((i) => i >= 0))))
        return
      case 'ipv4_lookup':
        visit(p.input, 'all')
        visit(p.right, 'all')
        return
      case 'memo':
      case 'sliding_window_counts':
      case 'fit':
      case 'partition':
      case 'mv-expand':
      case 'mv-apply':
      case 'parse':
      case 'bag_unpack':
      case 'pivot':
      case 'make-series':
        visit(p.input, 'all')
        return
      default:
        return
    }
  }
  // Subqueries run from closures read their plans in full; visiting them first marks shared nodes.
  for (const s of subqueries) visit(s, 'all')
  visit(root, 'all')
  return out
}
