import { ManualClock } from '../../src/lib/clock.js'
import { KqlEngine, type KqlEngineOptions, type Table } from '../../src/kql/index.js'

export const NOW = Date.parse('2026-03-01T12:00:00Z')
export const HOUR = 3600000

/** A small hunting-like schema plus rows, for operator and function tests. */
export const SCHEMA = {
  Proc: [['Timestamp', 'datetime'], ['DeviceId', 'string'], ['DeviceName', 'string'], ['FileName', 'string'], ['ProcessCommandLine', 'string'], ['FileSize', 'long'], ['AdditionalFields', 'dynamic']],
  Net: [['Timestamp', 'datetime'], ['DeviceId', 'string'], ['RemoteIP', 'string'], ['RemotePort', 'int']],
} as const satisfies Record<string, readonly (readonly [string, string])[]>

function table(schema: readonly (readonly [string, string])[], rows: unknown[][]): Table {
  return { columns: schema.map(([name, type]) => ({ name, type: type as never })), data: schema.map((_, i) => rows.map((r) => r[i])), rowCount: rows.length }
}

export const PROC = table(SCHEMA.Proc, [
  [NOW - 1 * HOUR, 'd1', 'ws1.contoso.com', 'powershell.exe', 'powershell.exe -enc SQBFAFgA', 100, { User: 'alice', Tags: ['a', 'b'] }],
  [NOW - 2 * HOUR, 'd1', 'ws1.contoso.com', 'cmd.exe', 'cmd.exe /c whoami', 50, { User: 'alice' }],
  [NOW - 2.5 * HOUR, 'd2', 'ws2.contoso.com', 'PowerShell.EXE', 'PowerShell -EncodedCommand AAAA', null, null],
  [NOW - 30 * HOUR, 'd3', 'srv.contoso.com', 'svchost.exe', 'svchost.exe -k netsvcs', 700, { User: 'system', Tags: [] }],
])
export const NET = table(SCHEMA.Net, [
  [NOW - 1 * HOUR, 'd1', '10.0.0.5', 443],
  [NOW - 1 * HOUR, 'd1', '203.0.113.7', 80],
  [NOW - 3 * HOUR, 'd2', '8.8.8.8', 53],
  [NOW - 3 * HOUR, 'd9', '1.1.1.1', 443],
])

export function engine(extra: Partial<KqlEngineOptions> = {}): KqlEngine {
  return new KqlEngine({ schema: SCHEMA, tables: { Proc: PROC, Net: NET }, clock: new ManualClock(NOW), ...extra })
}

/** Runs a query and returns its rows as objects (column name → value). */
export function rows(query: string, e: KqlEngine = engine()): Record<string, unknown>[] {
  const t = e.run(query)
  return Array.from({ length: t.rowCount }, (_, r) => Object.fromEntries(t.columns.map((c, i) => [c.name, t.data[i]![r]])))
}

/** The result schema as `name:type` strings. */
export function schemaOf(query: string, e: KqlEngine = engine()): string[] {
  return e.bind(query).schema.map((c) => `${c.name}:${c.type}`)
}

/** Runs a single scalar expression through `print`. */
export function scalar(expr: string, e: KqlEngine = engine()): unknown {
  const t = e.run(`print v = ${expr}`)
  return t.data[0]![0]
}
