/**
 * The output layer: every command that prints data hands its document to {@link Output.print} (or
 * rows to {@link Output.stream}) with a view saying how it looks as a table, and this file renders
 * it in the format of `-o`, after `--query` (JMESPath, the community implementation
 * https://github.com/jmespath-community/typescript-jmespath, as `az` does). Commands never format
 * JSON, YAML, CSV or tables themselves.
 */
import { search, type JSONValue } from '@jmespath-community/jmespath'
import { stringify as toYaml } from 'yaml'
import { CliError } from '../errors.js'
import type { OutputSettings } from './options.js'
import { cellOf, cellText, columnsOf, renderTable, type Column } from './table.js'

export interface View<D = any> {
  /** The rows of the document for table/csv/tsv/ndjson (default: the document when it is an array). */
  rows?: (doc: D) => readonly unknown[]
  /** Table columns (default: the rows' keys). */
  columns?: Column[]
  /** Human rendering for `-o table` of a document that is not a list (a report, one incident). */
  text?: (doc: D) => string
  /** Said on a terminal when there are no rows (on stderr when piped, so stdout stays data). */
  empty?: string
}

export interface OutputTarget {
  stdout: { write(chunk: string): unknown }
  stderr: { write(chunk: string): unknown }
  /** stdout is a terminal. */
  tty: boolean
  /** Terminal width in columns. */
  width: number
}

export class Output {
  #printed = false
  constructor(
    readonly settings: OutputSettings,
    readonly target: OutputTarget,
  ) {}

  get format() {
    return this.settings.format
  }

  /** Whether the command should produce its data document (a machine format or a --query). */
  get structured(): boolean {
    return this.settings.format !== 'table' || this.settings.query !== undefined
  }

  /** Renders the single document of this run. */
  print<D>(doc: D, view: View<D> = {}): void {
    // One document per run, so `m365d … -o json | jq` always parses.
    if (this.#printed) throw new Error('Output.print called twice in one run')
    this.#printed = true
    const { format, query } = this.settings
    if (query !== undefined) return this.#write(renderGeneric(runQuery(toJson(doc), query), format, this.target, this.settings.color))
    switch (format) {
      case 'json':
        return this.#write(JSON.stringify(toJson(doc), null, 2))
      case 'jsonc':
        return this.#write(this.settings.color ? colorJson(toJson(doc)) : JSON.stringify(toJson(doc), null, 2))
      case 'yaml':
        return this.#write(toYaml(toJson(doc)).replace(/\n$/, ''))
      case 'ndjson':
        return this.#write(rowsOf(doc, view).map((r) => JSON.stringify(toJson(r))).join('\n'), true)
      case 'csv':
      case 'tsv': {
        const rows = rowsOf(doc, view)
        return this.#write(delimited(view.columns ?? columnsOf(rows), rows, format, true), true)
      }
      case 'table': {
        if (view.text) return this.#write(view.text(doc))
        const rows = rowsOf(doc, view)
        if (rows.length === 0) return this.#empty(view)
        return this.#write(renderTable(view.columns ?? columnsOf(rows), rows, this.target))
      }
    }
  }

  /**
   * Rows that arrive over time (pages, tenants): ndjson, csv, tsv and piped tables print each row
   * as it comes; formats that need every row first (json, yaml, a terminal table, any --query)
   * print at `end()`.
   */
  stream<R>(view: Omit<View<R[]>, 'rows' | 'text'> & { columns: Column<R>[] }): RowStream<R> {
    const { format, query } = this.settings
    const live = query === undefined && (format === 'ndjson' || format === 'csv' || format === 'tsv' || (format === 'table' && !this.target.tty))
    const rows: R[] = []
    let headed = false
    const head = () => {
      if (headed) return
      headed = true
      if (format === 'csv') this.target.stdout.write(`${csvLine(view.columns.map((c) => c.key))}\n`)
      if (format === 'table') this.target.stdout.write(`${view.columns.map((c) => c.header ?? c.key.toUpperCase()).join('\t')}\n`)
    }
    return {
      live,
      row: (row) => {
        if (!live) return void rows.push(row)
        this.#printed = true
        if (format === 'ndjson') return void this.target.stdout.write(`${JSON.stringify(toJson(row))}\n`)
        head()
        const cells = view.columns.map((c) => cellOf(c, row))
        const line = format === 'csv' ? csvLine(cells) : format === 'tsv' ? cells.map(tsvCell).join('\t') : cells.map((c) => c.replace(/[\t\r\n]+/g, ' ')).join('\t')
        this.target.stdout.write(`${line}\n`)
      },
      end: () => {
        if (!live) return this.print(rows, view)
        if (format === 'csv') head()
        if (format === 'table' && !headed) this.#empty(view)
      },
    }
  }

  #write(text: string, maybeEmpty = false): void {
    if (maybeEmpty && text === '') return
    this.target.stdout.write(`${text}\n`)
  }

  #empty(view: View): void {
    const text = view.empty ?? 'No results.'
    ;(this.target.tty ? this.target.stdout : this.target.stderr).write(`${text}\n`)
  }
}

export interface RowStream<R> {
  /** Rows print as they come; when false they are collected and printed by `end()`. */
  readonly live: boolean
  row(row: R): void
  end(): void
}

function rowsOf(doc: unknown, view: View): readonly unknown[] {
  if (view.rows) return view.rows(doc)
  return Array.isArray(doc) ? doc : [doc]
}

/** Plain JSON: bigint → string, Date → ISO, undefined dropped (what JMESPath and YAML need). */
export function toJson(value: unknown): JSONValue {
  if (value === undefined) return null
  return JSON.parse(JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)) ?? 'null') as JSONValue
}

/**
 * Runs --query. The expression compiled at start (options.ts), but JMESPath checks function
 * argument types only against the data (`keys(@)` on a list): that is the user's expression
 * failing on this document, a usage error naming the document's shape, never ERR_INTERNAL.
 */
function runQuery(doc: JSONValue, query: string): JSONValue {
  try {
    return search(doc, query)
  } catch (cause) {
    const shape = Array.isArray(doc) ? `a list of ${doc.length}` : doc === null ? 'null' : typeof doc === 'object' ? `an object with keys ${Object.keys(doc).slice(0, 6).join(', ')}` : `a ${typeof doc}`
    throw new CliError('ERR_CLI_INVALID_QUERY', `--query '${query.slice(0, 60)}' failed on this command's output (${shape}): ${(cause as Error).message}`, {
      hint: "check the shape with -o json first; lists take '[].field', objects 'field' (https://jmespath.org/specification.html)",
      cause,
    })
  }
}

/** A --query result in any format: its shape is not known in advance. */
function renderGeneric(value: JSONValue, format: OutputSettings['format'], target: OutputTarget, color: boolean): string {
  const rows: unknown[] = Array.isArray(value) ? value : [value]
  switch (format) {
    case 'json':
      return JSON.stringify(value, null, 2)
    case 'jsonc':
      return color ? colorJson(value) : JSON.stringify(value, null, 2)
    case 'yaml':
      return toYaml(value).replace(/\n$/, '')
    case 'ndjson':
      return rows.map((r) => JSON.stringify(r)).join('\n')
    case 'csv':
    case 'tsv':
    case 'table': {
      // Scalars one per line (`--query length(@)` → `42`), like az's tsv; still a valid csv/tsv cell.
      if (rows.every((r) => r === null || typeof r !== 'object')) return rows.map((r) => cellLine([cellText(r)], format)).join('\n')
      // Lists of lists (`--query '[].[id, title]'`, the az idiom for `-o tsv`): one line per list, no header.
      if (rows.every((r) => Array.isArray(r))) {
        const lines = (rows as unknown[][]).map((r) => r.map(cellText))
        if (format !== 'table') return lines.map((cells) => cellLine(cells, format)).join('\n')
        const columns = Array.from({ length: Math.max(0, ...lines.map((l) => l.length)) }, (_, i) => ({ key: String(i), flex: true }))
        return renderTable(columns, lines, { ...target, header: false })
      }
      if (!Array.isArray(value) && format === 'table') {
        const entries = Object.entries(value as Record<string, unknown>).map(([key, v]) => ({ key, value: v }))
        return renderTable([{ key: 'key', header: 'KEY' }, { key: 'value', header: 'VALUE', flex: true }], entries, target)
      }
      const columns = columnsOf(rows)
      if (format === 'table') return renderTable(columns.map((c) => ({ ...c, flex: true })), rows, target)
      return delimited(columns, rows, format, false)
    }
  }
}

function cellLine(cells: string[], format: 'csv' | 'tsv' | 'table'): string {
  return format === 'csv' ? csvLine(cells) : format === 'tsv' ? cells.map(tsvCell).join('\t') : cells.join('\t')
}

/** csv (RFC 4180, with a header) or tsv (`az -o tsv`: values only, no header). */
function delimited(columns: Column[], rows: readonly unknown[], format: 'csv' | 'tsv', _documentRows: boolean): string {
  if (format === 'csv') return [csvLine(columns.map((c) => c.key)), ...rows.map((r) => csvLine(columns.map((c) => cellOf(c, r))))].join('\n')
  return rows.map((r) => columns.map((c) => tsvCell(cellOf(c, r))).join('\t')).join('\n')
}

/**
 * A tsv cell: tab, line breaks and backslash escaped as \t \n \r \\ (the text format of
 * PostgreSQL COPY and of "linear TSV"), since IANA text/tab-separated-values allows no tab in a
 * field. Lossless, and one record stays one line for cut/awk/sort.
 */
export function tsvCell(value: string): string {
  return value.replace(/[\\\t\n\r]/g, (c) => (c === '\t' ? '\\t' : c === '\n' ? '\\n' : c === '\r' ? '\\r' : '\\\\'))
}

/**
 * RFC 4180 CSV; cells a spreadsheet would run as a formula (= + - @) get a leading ' (OWASP CSV
 * injection, https://owasp.org/www-community/attacks/CSV_Injection), except plain numbers such as
 * -5 or +1.5, which a spreadsheet reads as numbers anyway.
 */
export function csvLine(values: string[]): string {
  return values
    .map((v) => {
      const safe = /^[=+\-@\t\r]/.test(v) && !/^[+-]\d+(\.\d+)?([eE][+-]?\d+)?$/.test(v) ? `'${v}` : v
      return /[",\n\r]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe
    })
    .join(',')
}

const C = { key: '\u001b[36m', string: '\u001b[32m', number: '\u001b[33m', literal: '\u001b[35m', reset: '\u001b[0m' }

/** `-o jsonc`: JSON with colours on a terminal (az's jsonc). */
export function colorJson(value: JSONValue): string {
  return JSON.stringify(value, null, 2).replace(/("(?:\\.|[^"\\])*")(\s*:)?|\b(?:true|false|null)\b|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g, (m, str: string | undefined, colon: string | undefined) => {
    if (str !== undefined) return colon ? `${C.key}${str}${C.reset}${colon}` : `${C.string}${str}${C.reset}`
    return /^[tfn]/.test(m) ? `${C.literal}${m}${C.reset}` : `${C.number}${m}${C.reset}`
  })
}

/** Terminal width for tables: COLUMNS (as `ls` honours it), else the terminal's, else 80. */
export function terminalWidth(io: { env: Record<string, string | undefined>; stdout: unknown }): number {
  const fromEnv = Number(io.env.COLUMNS)
  if (Number.isInteger(fromEnv) && fromEnv > 0) return fromEnv
  const cols = (io.stdout as { columns?: number }).columns
  return cols && cols > 0 ? cols : 80
}
