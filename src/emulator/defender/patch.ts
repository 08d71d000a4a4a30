/**
 * Incident updates from either surface (defender-api.md §2.8; Graph security-incident-update).
 * Validates enums and the classification → determination pairs (§2.6), then applies the change,
 * appends a comment and bumps lastUpdateTime.
 */
import {
  CLASSIFICATIONS,
  DETERMINATION_ALIASES,
  DETERMINATIONS,
  DETERMINATIONS_BY_CLASSIFICATION,
  INCIDENT_STATUSES,
  type Classification,
  type Determination,
  type Incident,
  type IncidentStatus,
} from './model.js'
import type { Surface } from '../api/responses.js'
import { graphClassification, graphDetermination } from './views.js'

export class PatchError extends Error {}

export interface IncidentChanges {
  status?: IncidentStatus
  assignedTo?: string | null
  classification?: Classification
  determination?: Determination
  tags?: string[]
  comment?: string
}

const camel = (s: string) => s.charAt(0).toLowerCase() + s.slice(1)
const GRAPH_DETERMINATION_INPUT: Record<string, Determination> = { notMalicious: 'Clean', notEnoughDataToValidate: 'NoEnoughDataToValidate', unknown: 'NotAvailable' }

export function enumValue<T extends string>(surface: Surface, field: string, raw: unknown, values: readonly T[], aliases: Record<string, T> = {}): T {
  const shown = surface === 'legacy' ? values : values.map(camel)
  if (typeof raw === 'string') {
    // Legacy enums are matched exactly (body parameters are case-sensitive, defender-api.md §4.1); Graph uses camelCase members.
    const hit = values.find((v) => (surface === 'legacy' ? v === raw : camel(v) === raw)) ?? aliases[raw]
    if (hit) return hit
  }
  throw new PatchError(`Invalid value ${JSON.stringify(raw)} for '${field}'. Valid values: ${shown.join(', ')}.`)
}

export function parseClassification(surface: Surface, raw: unknown): Classification {
  return enumValue(surface, 'classification', raw, CLASSIFICATIONS, surface === 'graph' ? { unknown: 'Unknown' } : {})
}

export function parseDetermination(surface: Surface, raw: unknown): Determination {
  const aliases = surface === 'legacy' ? DETERMINATION_ALIASES : { ...Object.fromEntries(Object.entries(DETERMINATION_ALIASES).map(([k, v]) => [camel(k), v])), ...GRAPH_DETERMINATION_INPUT }
  return enumValue(surface, 'determination', raw, DETERMINATIONS, aliases)
}

/** Parses a PATCH body of the given surface into canonical changes. */
export function parseChanges(surface: Surface, body: unknown): IncidentChanges {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new PatchError('The request body must be a JSON object.')
  const b = body as Record<string, unknown>
  const tagsKey = surface === 'legacy' ? 'tags' : 'customTags'
  const known = surface === 'legacy' ? ['status', 'assignedTo', 'classification', 'determination', 'tags', 'comment'] : ['status', 'assignedTo', 'classification', 'determination', 'customTags', '@odata.type']
  for (const key of Object.keys(b)) {
    if (!known.includes(key)) throw new PatchError(`Property '${key}' cannot be updated. Updatable properties: ${known.filter((k) => !k.startsWith('@')).join(', ')}.`)
  }
  const changes: IncidentChanges = {}
  if ('status' in b) changes.status = enumValue(surface, 'status', b.status, INCIDENT_STATUSES)
  if ('classification' in b) changes.classification = parseClassification(surface, b.classification)
  if ('determination' in b) changes.determination = parseDetermination(surface, b.determination)
  if ('assignedTo' in b) {
    if (b.assignedTo !== null && typeof b.assignedTo !== 'string') throw new PatchError("'assignedTo' must be a string (or null / \"\" to unassign).")
    changes.assignedTo = b.assignedTo === '' ? null : (b.assignedTo as string | null)
  }
  if (tagsKey in b) {
    const tags = b[tagsKey]
    if (!Array.isArray(tags) || !tags.every((t) => typeof t === 'string')) throw new PatchError(`'${tagsKey}' must be an array of strings.`)
    changes.tags = [...new Set(tags as string[])]
  }
  if ('comment' in b) {
    if (typeof b.comment !== 'string' || b.comment.trim() === '') throw new PatchError("'comment' must be a non-empty string.")
    changes.comment = b.comment
  }
  if (Object.keys(changes).length === 0) throw new PatchError('The request body contains no property to update.')
  return changes
}

/** Checks the resulting classification/determination pair against the documented table. */
export function checkPair(surface: Surface, current: { classification: Classification | null }, changes: Pick<IncidentChanges, 'classification' | 'determination'>): void {
  const classification = changes.classification ?? current.classification ?? 'Unknown'
  const determination = changes.determination
  // Changing only the classification resets an incompatible determination (applyChanges).
  if (determination === undefined) return
  const valid = DETERMINATIONS_BY_CLASSIFICATION[classification] as readonly Determination[]
  if (!valid.includes(determination)) {
    const c = surface === 'legacy' ? classification : graphClassification(classification)
    const d = (v: Determination) => (surface === 'legacy' ? v : graphDetermination(v))
    throw new PatchError(`Determination '${d(determination)}' is not valid for classification '${c}'. Valid determinations for '${c}': ${valid.map(d).join(', ')}.`)
  }
}

export function applyChanges(incident: Incident, changes: IncidentChanges, by: string, now: number): void {
  if (changes.status !== undefined) incident.status = changes.status
  if (changes.assignedTo !== undefined) incident.assignedTo = changes.assignedTo
  if (changes.classification !== undefined) {
    incident.classification = changes.classification
    const valid = DETERMINATIONS_BY_CLASSIFICATION[changes.classification] as readonly Determination[]
    if (changes.determination === undefined && !valid.includes(incident.determination)) incident.determination = changes.classification === 'Unknown' ? 'NotAvailable' : 'Other'
  }
  if (changes.determination !== undefined) incident.determination = changes.determination
  if (changes.tags !== undefined) incident.tags = changes.tags
  if (changes.comment !== undefined) incident.comments.push({ comment: changes.comment, createdBy: by, createdTime: now })
  if (changes.status === 'Resolved') {
    for (const a of incident.alerts) {
      if (a.status !== 'Resolved') Object.assign(a, { status: 'Resolved', resolvedTime: now, lastUpdatedTime: now })
    }
  }
  incident.lastModifiedBy = by
  // Strictly later than before, so `lastUpdateTime gt <previous>` always sees the change.
  incident.lastUpdateTime = Math.max(now, incident.lastUpdateTime + 1)
}
