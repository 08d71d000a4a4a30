import { M365dArgumentError } from '../lib/errors.js'
import {
  classifications,
  determinationsByClassification,
  incidentStatuses,
  matchChoice,
  severities,
  toGraphClassification,
  toGraphDetermination,
  toGraphSeverity,
  toGraphStatus,
  type Classification,
  type Determination,
  type IncidentStatus,
  type Severity,
} from './enums.js'

/**
 * A typed OData `$filter` builder for incident lists on both surfaces.
 *
 * Legacy (`/api/incidents`) filters only `lastUpdateTime`, `createdTime`, `status` and
 * `assignedTo` (defender-api.md §2.2); date literals are UNQUOTED DateTimeOffset values
 * (`lastUpdateTime ge 2020-06-03T18:04:29.463Z`, the documented SIEM example). Graph
 * (`/v1.0/security/incidents`) uses its own names (`lastUpdateDateTime`, `createdDateTime`) and
 * also filters severity, classification and determination (peers.md §3), with camelCase enum
 * values. Conditions are joined with `and`; a list of values becomes `(a eq x or a eq y)`.
 */

export type DateInput = Date | string | number

/** Comparison bounds on a date field. `ge` rather than `gt` for watermarks: ties on the same timestamp are otherwise lost (peers.md §4.7). */
export interface DateRange {
  ge?: DateInput
  gt?: DateInput
  le?: DateInput
  lt?: DateInput
  eq?: DateInput
}

export interface IncidentFilter {
  lastUpdateTime?: DateRange
  createdTime?: DateRange
  status?: IncidentStatus | readonly IncidentStatus[]
  assignedTo?: string | readonly string[]
  /** Graph only: the legacy API cannot filter on severity (DD api-list-incidents.md). */
  severity?: Severity | readonly Severity[]
  /** Graph only. */
  classification?: Classification | readonly Classification[]
  /** Graph only. */
  determination?: Determination | readonly Determination[]
}

export type Surface = 'legacy' | 'graph'

const FIELD = {
  legacy: { lastUpdateTime: 'lastUpdateTime', createdTime: 'createdTime' },
  graph: { lastUpdateTime: 'lastUpdateDateTime', createdTime: 'createdDateTime' },
} as const

const OPS = ['ge', 'gt', 'le', 'lt', 'eq'] as const

/** Builds the `$filter` string, or `undefined` when the filter is empty. Throws ERR_INVALID_ARGUMENT on bad input. */
export function buildIncidentFilter(filter: IncidentFilter, surface: Surface): string | undefined {
  const parts: string[] = []
  for (const key of ['lastUpdateTime', 'createdTime'] as const) {
    const range = filter[key]
    if (!range) continue
    for (const op of OPS) {
      const v = range[op]
      if (v !== undefined) parts.push(`${FIELD[surface][key]} ${op} ${dateLiteral(v, key)}`)
    }
  }
  if (filter.status !== undefined)
    parts.push(anyOf('status', list(filter.status).map((s) => {
      const status = checked(s, incidentStatuses, 'status')
      return surface === 'graph' ? toGraphStatus(status) : status
    })))
  if (filter.assignedTo !== undefined) parts.push(anyOf('assignedTo', list(filter.assignedTo)))
  const graphOnly = { severity: filter.severity, classification: filter.classification, determination: filter.determination }
  for (const [name, value] of Object.entries(graphOnly)) {
    if (value === undefined) continue
    if (surface === 'legacy')
      throw new M365dArgumentError(`the legacy incidents API cannot filter on ${name}`, {
        hint: `use surface 'graph', or filter ${name} client-side after listing (defender-api.md §2.2)`,
      })
    const values = list(value as string | readonly string[])
    if (name === 'severity') parts.push(anyOf('severity', values.map((v) => toGraphSeverity(checked(v, severities, 'severity')))))
    if (name === 'classification') parts.push(anyOf('classification', values.map((v) => toGraphClassification(checked(v, classifications, 'classification')))))
    if (name === 'determination') {
      const all = [...new Set(Object.values(determinationsByClassification).flat())] as Determination[]
      parts.push(anyOf('determination', values.map((v) => toGraphDetermination(checked(v, all, 'determination')))))
    }
  }
  return parts.length ? parts.join(' and ') : undefined
}

/** An unquoted DateTimeOffset literal in UTC (`2026-01-02T03:04:05.678Z`). */
export function dateLiteral(value: DateInput, field = 'date'): string {
  const ms = value instanceof Date ? value.getTime() : typeof value === 'number' ? value : Date.parse(value)
  if (!Number.isFinite(ms)) throw new M365dArgumentError(`invalid ${field}: ${String(value)}`, { hint: 'use an ISO-8601 date-time such as 2026-01-02T03:04:05Z' })
  return new Date(ms).toISOString()
}

/** A quoted OData string literal (single quotes doubled). */
export function stringLiteral(value: string): string {
  return `'${value.replaceAll("'", "''")}'`
}

function anyOf(field: string, values: readonly string[]): string {
  if (values.length === 0) throw new M365dArgumentError(`empty value list for ${field}`)
  const terms = values.map((v) => `${field} eq ${stringLiteral(v)}`)
  return terms.length === 1 ? terms[0]! : `(${terms.join(' or ')})`
}

function list<T extends string>(v: T | readonly T[]): readonly T[] {
  return typeof v === 'string' ? [v] : v
}

function checked<T extends string>(value: string, choices: readonly T[], field: string): T {
  const c = matchChoice(value, choices)
  if (!c) throw new M365dArgumentError(`unknown ${field} "${value}"`, { hint: `valid ${field} values: ${choices.join(', ')}` })
  return c
}
