/**
 * Columnar table building for the hunting generator: one array per schema column, filled row by
 * row with Kusto's empty values for what a row does not set (strings are never null in advanced
 * hunting, they are ""; numbers, datetimes and bools are null).
 */
import type { Column, KqlSchema, Table } from '../../kql/index.js'

export type Row = Readonly<Record<string, unknown>>

export class TableBuilder {
  readonly columns: readonly Column[]
  readonly #data: unknown[][]
  readonly #defaults: unknown[]
  readonly #names: string[]
  #rows = 0

  constructor(columns: readonly Column[]) {
    this.columns = columns
    this.#data = columns.map(() => [])
    this.#defaults = columns.map((c) => (c.type === 'string' ? '' : null))
    this.#names = columns.map((c) => c.name)
  }

  get rowCount(): number {
    return this.#rows
  }

  /** Adds one row made of parts (later parts win); parts are shared objects, never spread copies, to keep generation cheap. */
  add(parts: readonly Row[]): void {
    const names = this.#names
    const data = this.#data
    for (let i = 0; i < names.length; i++) {
      const name = names[i]!
      let v: unknown
      for (let p = parts.length - 1; p >= 0 && v === undefined; p--) v = parts[p]![name]
      data[i]!.push(v ?? this.#defaults[i])
    }
    this.#rows++
  }

  /** The table sorted by Timestamp (how a real table reads back: time-ordered ingestion). */
  build(): Table {
    const ts = this.#names.indexOf('Timestamp')
    if (ts < 0 || this.#rows < 2) return { columns: this.columns, data: this.#data, rowCount: this.#rows }
    const times = this.#data[ts] as number[]
    const order = Array.from({ length: this.#rows }, (_, i) => i).sort((a, b) => times[a]! - times[b]!)
    // Column by column, so each unsorted column can be collected before the next is copied (1M-row tables).
    for (let c = 0; c < this.#data.length; c++) {
      const col = this.#data[c]!
      this.#data[c] = order.map((i) => col[i])
    }
    return { columns: this.columns, data: this.#data, rowCount: this.#rows }
  }
}

/** One builder per table of the schema, created on first use. */
export class TableSet {
  readonly #builders = new Map<string, TableBuilder>()
  constructor(private readonly schema: KqlSchema) {}

  add(table: string, parts: readonly Row[]): void {
    let b = this.#builders.get(table)
    if (!b) {
      const cols = this.schema.get(table)
      if (!cols) throw new RangeError(`unknown hunting table ${table}`)
      this.#builders.set(table, (b = new TableBuilder(cols)))
    }
    b.add(parts)
  }

  count(table: string): number {
    return this.#builders.get(table)?.rowCount ?? 0
  }

  build(): Map<string, Table> {
    return new Map([...this.#builders].map(([name, b]) => [name, b.build()]))
  }
}
