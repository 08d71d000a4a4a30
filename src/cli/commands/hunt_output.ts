/**
 * Rendering hunting rows: any schema, so columns come from the result. Dates print as ISO-8601,
 * dynamic values as JSON. The table fits the terminal by capping column widths and cutting lines.
 */
import { csvLine } from './incidents_shared.js'

export type Cell = unknown

export function cellText(v: Cell): string {
  if (v === null || v === undefined) return ''
  if (v instanceof Date) return v.toISOString()
  if (typeof v === 'object') return JSON.stringify(v)
  return String(v)
}

/** JSON-safe value (bigint → string). */
export function jsonValue(v: Cell): unknown {
  return typeof v === 'bigint' ? v.toString() : v
}

export function rowJson(columns: readonly string[], row: Record<string, Cell>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const c of columns) out[c] = jsonValue(row[c])
  return out
}

export function csvHeader(columns: readonly string[]): string {
  return csvLine([...columns])
}

export function csvRow(columns: readonly string[], row: Record<string, Cell>): string {
  return csvLine(columns.map((c) => cellText(row[c])))
}

/** A plain table: each column as wide as its content (at most 40), lines cut at `width`. */
export function renderRows(columns: readonly string[], rows: readonly Record<string, Cell>[], width: number): string {
  const texts = rows.map((r) => columns.map((c) => cellText(r[c]).replace(/\s+/g, ' ')))
  const widths = columns.map((c, i) => Math.min(40, Math.max(c.length, ...texts.map((t) => t[i]!.length))))
  const cell = (text: string, w: number) => (text.length > w ? `${text.slice(0, Math.max(0, w - 1))}…` : text.padEnd(w))
  const line = (values: string[]) => {
    const full = values.map((v, i) => cell(v, widths[i]!)).join('  ').trimEnd()
    return full.length > width ? `${full.slice(0, width - 1)}…` : full
  }
  return [line([...columns]), ...texts.map(line)].join('\n')
}
