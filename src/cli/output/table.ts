/**
 * The one table renderer of the CLI. On a terminal the table fits the width: columns shrink
 * (flexible ones first, then the widest) and cut values end with `…`. When stdout is not a terminal
 * every value is printed whole, tab-separated, one row per line, like `gh` does when piped
 * (https://cli.github.com/manual/gh_help_formatting), so `| cut -f2` and `| sort` see full data.
 */
import { displayWidth, padEnd, truncate } from './width.js'

export interface Column<T = any> {
  /** Field name, used for csv/tsv headers and generic tables. */
  key: string
  /** Header on a terminal (default: key upper-cased). */
  header?: string
  /** Cell value (default: row[key]). */
  get?: (row: T) => unknown
  /** Gives up width first when the table is too wide (e.g. names, titles). */
  flex?: boolean
  /** Never wider than this on a terminal. */
  max?: number
  /** Right-aligned (counts). */
  right?: boolean
  /**
   * An identifier: on a terminal it is cut only when every other column is down to a few
   * characters, since a cut id cannot be pasted into the next command (`m365d alerts get ID`).
   */
  keep?: boolean
  /** An ISO-8601 time: shown to the minute on a terminal (`2026-12-03 05:08Z`), whole elsewhere. */
  time?: boolean
}

export interface TableOptions {
  /** Terminal: fit to `width` with ellipses. Otherwise tab-separated full values. */
  tty: boolean
  width?: number
  /** Print the header row (default true). */
  header?: boolean
}

/** A cell as text: dates ISO-8601, objects JSON, null/undefined empty. */
export function cellText(value: unknown): string {
  if (value === null || value === undefined) return ''
  if (value instanceof Date) return value.toISOString()
  if (typeof value === 'bigint') return value.toString()
  if (typeof value === 'object') return JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))
  return String(value)
}

export function cellOf<T>(column: Column<T>, row: T): string {
  return cellText(column.get ? column.get(row) : (row as Record<string, unknown>)[column.key])
}

/** One line per row (and the header), without trailing newline. */
export function renderTable<T>(columns: Column<T>[], rows: readonly T[], options: TableOptions): string {
  const header = options.header !== false
  // Line breaks and tabs inside a value would break both layouts.
  const texts = rows.map((r) => columns.map((c) => cellOf(c, r).replace(/[\t\r\n]+/g, ' ')))
  const titles = columns.map((c) => c.header ?? c.key.toUpperCase())
  if (!options.tty) return [...(header ? [titles] : []), ...texts].map((cells) => cells.join('\t')).join('\n')
  for (const cells of texts) columns.forEach((c, i) => c.time && (cells[i] = toMinute(cells[i]!)))

  const width = Math.max(20, options.width ?? 80)
  const natural = columns.map((c, i) => Math.min(c.max ?? Infinity, Math.max(header ? displayWidth(titles[i]!) : 0, ...texts.map((t) => displayWidth(t[i]!)))))
  const widths = fit(natural, columns, width)
  const line = (cells: string[]) =>
    cells
      .map((text, i) => {
        const cut = truncate(text, widths[i]!)
        return columns[i]!.right ? ' '.repeat(Math.max(0, widths[i]! - displayWidth(cut))) + cut : padEnd(cut, widths[i]!)
      })
      .join('  ')
      .trimEnd()
  return [...(header ? [line(titles)] : []), ...texts.map(line)].join('\n')
}

const GAP = 2
const MIN = 4
/** What a column other than an id keeps before an id is cut. */
const SHORT = 8

/**
 * Shrinks column widths until the row fits: flexible columns to 12 first, then the widest other
 * column, one at a time, down to 8; then ids (`keep`); then the widest of all down to 4.
 */
function fit(natural: number[], columns: Column<any>[], width: number): number[] {
  const widths = [...natural]
  const total = () => widths.reduce((a, b) => a + b, 0) + GAP * (widths.length - 1)
  let excess = total() - width
  const flexible = columns.map((c, i) => (c.flex ? i : -1)).filter((i) => i >= 0)
  for (const i of flexible) {
    if (excess <= 0) break
    const give = Math.min(excess, widths[i]! - Math.min(widths[i]!, 12))
    widths[i]! -= give
    excess -= give
  }
  const shrinkWidest = (floor: number, eligible: (i: number) => boolean) => {
    while (excess > 0) {
      let widest = -1
      for (let i = 0; i < widths.length; i++) if (eligible(i) && widths[i]! > floor && (widest === -1 || widths[i]! > widths[widest]!)) widest = i
      if (widest === -1) return
      widths[widest]!--
      excess--
    }
  }
  shrinkWidest(SHORT, (i) => !columns[i]!.keep)
  shrinkWidest(SHORT, (i) => columns[i]!.keep === true)
  shrinkWidest(MIN, () => true)
  return widths
}

/** `2026-12-03T05:08:24.907Z` → `2026-12-03 05:08Z`; anything else unchanged. */
function toMinute(text: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(?::\d{2}(?:\.\d+)?)?Z$/.exec(text)
  return m ? `${m[1]} ${m[2]}Z` : text
}

/** Columns for arbitrary JSON rows (e.g. a --query result): the union of top-level keys, in order. */
export function columnsOf(rows: readonly unknown[]): Column[] {
  const keys: string[] = []
  for (const row of rows) {
    if (row === null || typeof row !== 'object' || Array.isArray(row)) continue
    for (const k of Object.keys(row)) if (!keys.includes(k)) keys.push(k)
  }
  return keys.map((key) => ({ key, header: key }))
}
