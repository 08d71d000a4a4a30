/** KQL scalar types, spelled as Kusto spells them in result schemas. */
export type ScalarType = 'bool' | 'int' | 'long' | 'real' | 'decimal' | 'string' | 'datetime' | 'timespan' | 'guid' | 'dynamic' | 'unknown'

/** Type names (and their aliases) accepted in `datatable(x:T)`, `to typeof(T)`, `parse … x:T`. */
const ALIASES: Record<string, ScalarType> = {
  bool: 'bool', boolean: 'bool', int: 'int', int32: 'int', long: 'long', int64: 'long', real: 'real', double: 'real',
  decimal: 'decimal', string: 'string', datetime: 'datetime', date: 'datetime', timespan: 'timespan', time: 'timespan',
  guid: 'guid', uniqueid: 'guid', dynamic: 'dynamic',
}

export function typeFromName(name: string): ScalarType | undefined {
  return ALIASES[name.toLowerCase()]
}

export const isNumeric = (t: ScalarType): boolean => t === 'int' || t === 'long' || t === 'real' || t === 'decimal'

/** Kusto's numeric promotion: int < long < real (decimal treated as real here). */
export function widerNumeric(a: ScalarType, b: ScalarType): ScalarType {
  if (a === 'real' || b === 'real' || a === 'decimal' || b === 'decimal') return 'real'
  if (a === 'long' || b === 'long') return 'long'
  return a === 'int' && b === 'int' ? 'int' : 'long'
}

/** A column of a tabular schema. */
export interface Column {
  readonly name: string
  readonly type: ScalarType
}

/**
 * A columnar table: one array per column, all of length `rowCount`. Values: strings, numbers (int,
 * long, real), booleans, datetimes and timespans as milliseconds (number), guids as strings,
 * dynamic as plain JSON values; `null` is Kusto's null.
 */
export interface Table {
  readonly columns: readonly Column[]
  readonly data: readonly unknown[][]
  readonly rowCount: number
}
