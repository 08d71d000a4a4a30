/**
 * Fuzz target `odata-filter`: the OData `$filter` parser, validator and evaluator
 * (src/emulator/defender/filter.ts) with the real field specs of both surfaces, over real
 * generated incidents and alerts. Inputs are grammar-shaped filters (nesting, chains, `in`
 * lists, every literal kind), then mutated (cut, characters inserted), plus raw strings. The only
 * acceptable error is a FilterError (code ERR_ODATA_FILTER, with a position) — which the routes
 * answer as a 400.
 */
import fc from 'fast-check'
import { evaluate, parseFilter, validateFilter, type FieldSpec } from '../../src/emulator/defender/filter.js'
import type { Incident } from '../../src/emulator/defender/model.js'
import { GRAPH_ALERT_FIELDS, GRAPH_INCIDENT_FIELDS, LEGACY_INCIDENT_FIELDS, type AlertRow } from '../../src/emulator/defender/views.js'
import { createEmulator, WELL_KNOWN } from '../../src/emulator/index.js'
import { FuzzFailure, type FuzzTarget } from './target.js'

const FIELD_NAMES = [...new Set([...Object.keys(LEGACY_INCIDENT_FIELDS), ...Object.keys(GRAPH_INCIDENT_FIELDS), ...Object.keys(GRAPH_ALERT_FIELDS)])]
const field = fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...FIELD_NAMES) }, fc.constantFrom('nope', 'a/b', 'not', 'and', 'null', 'in'), fc.string({ maxLength: 12 }))
const op = fc.oneof({ weight: 5, arbitrary: fc.constantFrom('eq', 'ne', 'gt', 'ge', 'lt', 'le') }, fc.constantFrom('has', 'EQ', 'in', 'and', ''))
const datetime = fc.oneof(
  fc.date({ min: new Date('1900-01-01T00:00:00Z'), max: new Date('2200-01-01T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString()),
  fc.constantFrom('2024-05-01T00:00:00Z', '2024-05-01T00:00:00.1234567+02:00', '2024-13-45T99:99:99Z', '2024-05-01', '2024-05-01T00:00', '9999-12-31T23:59:59.9999999Z'),
)
const quoted = fc.string({ maxLength: 16 }).map((s) => `'${s.replace(/'/g, "''")}'`)
const literal = fc.oneof(
  datetime,
  quoted,
  fc.constantFrom("'active'", "'Resolved'", "'high'", "'truePositive'", 'null', "'unterminated", "''''"),
  fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true })).map(String),
)
const comparison = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(field, op, literal).map(([f, o, l]) => `${f} ${o} ${l}`) },
  fc.tuple(field, fc.array(literal, { minLength: 1, maxLength: 4 })).map(([f, ls]) => `${f} in (${ls.join(', ')})`),
)
const { expr } = fc.letrec<{ expr: string }>((tie) => ({
  expr: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    comparison,
    tie('expr').map((e) => `not ${e}`),
    tie('expr').map((e) => `(${e})`),
    fc.tuple(tie('expr'), fc.constantFrom('and', 'or'), tie('expr')).map(([a, o, b]) => `${a} ${o} ${b}`),
  ),
}))
/** Damage: cut it somewhere, or insert a few characters (parentheses, quotes, anything). */
const mutated = fc
  .tuple(expr, fc.nat(), fc.oneof(fc.constantFrom('(', ')', "'", ',', ' ', '', 'not ', ')))'), fc.string({ maxLength: 3 })), fc.boolean())
  .map(([e, at, insert, cut]) => {
    const i = at % (e.length + 1)
    return cut ? e.slice(0, i) : e.slice(0, i) + insert + e.slice(i)
  })
const deep = fc.tuple(fc.integer({ min: 90, max: 400 }), comparison, fc.constantFrom('(', 'not ', 'not (')).map(([n, c, open]) => `${open.repeat(n)}${c}${(open.includes('(') ? ')' : '').repeat(n)}`)

const arbitrary = fc.oneof({ weight: 6, arbitrary: expr }, { weight: 4, arbitrary: mutated }, { weight: 1, arbitrary: deep }, fc.string({ maxLength: 80 }), fc.string({ unit: 'binary', maxLength: 80 }))

let incidents: Incident[] = []
let alerts: AlertRow[] = []

function check<T>(node: ReturnType<typeof parseFilter>, fields: Record<string, FieldSpec<T>>, entity: string, items: T[]): void {
  validateFilter(node, fields, entity)
  for (const item of items) {
    const result = evaluate(node, item, fields)
    if (typeof result !== 'boolean') throw new FuzzFailure(`evaluate returned ${String(result)}`)
  }
}

export const odataFilterTarget: FuzzTarget<string> = {
  name: 'odata-filter',
  description: '$filter parse + validate + evaluate (legacy incidents, Graph incidents and alerts_v2 field specs)',
  arbitrary,
  deadlineMs: 1000,
  async setup() {
    const emu = await createEmulator({ defender: { incidentsPerTenant: 25 } })
    incidents = emu.defender.visible(WELL_KNOWN.contosoTenantId)
    alerts = emu.defender.alerts(WELL_KNOWN.contosoTenantId)
  },
  run(filter) {
    const node = parseFilter(filter)
    // Each surface validates on its own; a filter invalid for one may be valid for another.
    for (const [fields, entity, items] of [
      [LEGACY_INCIDENT_FIELDS, 'Incident', incidents],
      [GRAPH_INCIDENT_FIELDS, 'microsoft.graph.security.incident', incidents],
      [GRAPH_ALERT_FIELDS, 'microsoft.graph.security.alert', alerts],
    ] as const) {
      try {
        check(node, fields as Record<string, FieldSpec<unknown>>, entity, items as unknown[])
      } catch (e) {
        if ((e as { code?: unknown }).code !== 'ERR_ODATA_FILTER') throw e
      }
    }
  },
}
