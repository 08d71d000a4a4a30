/**
 * Hash lookups on one or more key values (summarize groups, join keys) without building a composite
 * key per row: one Map per key level (a trie), each keyed by the value itself. Profiling the
 * 1,000,000-row `summarize count() by DeviceName, bin(Timestamp, 1h)` (issue 5 §5) showed a string
 * concatenated per row and then hashed dominating the run; a Map per level hashes each value once
 * and allocates only when a new key appears.
 *
 * Values compare as Map keys do (SameValueZero), so a long 1 and a string "1" stay apart, as the
 * previous tagged string keys kept them; dynamic values (arrays, bags) are keyed by their JSON text.
 */

/** A Map key for one value: the value itself for scalars, a tagged string for dynamic values. */
export const keyValue = (v: unknown): unknown => (v === undefined ? null : v !== null && typeof v === 'object' ? `\u0000${JSON.stringify(v)}` : v)

/** One level of a key trie: inner levels map to the next level, the last level to the entry. */
export type KeyLevel = Map<unknown, unknown>

/** The next level under `key`, created when absent. */
export function childLevel(level: KeyLevel, key: unknown): KeyLevel {
  let next = level.get(key) as KeyLevel | undefined
  if (next === undefined) level.set(key, (next = new Map()))
  return next
}

const ALL = Symbol('all rows')

/**
 * Row lists by key over the columns `cols` of a columnar table: the last level maps to the row
 * indices having that key. Rows with a null key in any column are left out (null keys never match in
 * a join; empty strings do).
 */
export function indexRows(data: readonly (readonly unknown[])[], rowCount: number, cols: readonly number[]): KeyLevel {
  const root: KeyLevel = new Map()
  const depth = cols.length
  // No key columns (a cross join): every row under one key.
  if (depth === 0) return root.set(ALL, Array.from({ length: rowCount }, (_, r) => r))
  const last = data[cols[depth - 1]!]!
  rows: for (let r = 0; r < rowCount; r++) {
    let level = root
    for (let k = 0; k < depth - 1; k++) {
      const v = data[cols[k]!]![r]
      if (v === null || v === undefined) continue rows
      level = childLevel(level, keyValue(v))
    }
    const v = last[r]
    if (v === null || v === undefined) continue
    const key = keyValue(v)
    const list = level.get(key) as number[] | undefined
    if (list === undefined) level.set(key, [r])
    else list.push(r)
  }
  return root
}

/** The row list of `index` (from indexRows) for row `r`'s key over `cols`; undefined if none or null. */
export function lookupRows(index: KeyLevel, data: readonly (readonly unknown[])[], r: number, cols: readonly number[]): number[] | undefined {
  let level: KeyLevel | undefined = index
  const depth = cols.length
  if (depth === 0) return index.get(ALL) as number[] | undefined
  for (let k = 0; k < depth; k++) {
    const v = data[cols[k]!]![r]
    if (v === null || v === undefined) return undefined
    const next: unknown = level.get(keyValue(v))
    if (next === undefined) return undefined
    if (k === depth - 1) return next as number[]
    level = next as KeyLevel
  }
  return undefined
}
