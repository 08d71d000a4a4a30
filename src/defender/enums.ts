import { M365dArgumentError } from '../lib/errors.js'

/**
 * Enum values of both surfaces, with the valid classification → determination pairs so callers
 * (and the CLI) can reject a bad update BEFORE spending a rate-limited call on it.
 *
 * Legacy values: defender-api.md §2.3, §2.6 (current DD `api-update-incidents.md` spellings, plus the
 * older `Unknown`/`NotAvailable` read-side defaults). Graph values: the `microsoft.graph.security`
 * enums (alertClassification, alertDetermination, incidentStatus, alertSeverity).
 */

export const incidentStatuses = ['Active', 'InProgress', 'Resolved', 'Redirected'] as const
export type IncidentStatus = (typeof incidentStatuses)[number]

export const severities = ['UnSpecified', 'Informational', 'Low', 'Medium', 'High'] as const
export type Severity = (typeof severities)[number]

export const classifications = ['TruePositive', 'InformationalExpectedActivity', 'FalsePositive', 'Unknown'] as const
export type Classification = (typeof classifications)[number]

/**
 * Valid determinations per classification (defender-api.md §2.6, DD `api-update-incidents.md`).
 * `Unknown → NotAvailable` is the read-side default pair of new incidents (§2.6 "Read-side defaults").
 */
export const determinationsByClassification = {
  TruePositive: ['MultiStagedAttack', 'MaliciousUserActivity', 'CompromisedAccount', 'Malware', 'Phishing', 'UnwantedSoftware', 'Other'],
  InformationalExpectedActivity: ['SecurityTesting', 'LineOfBusinessApplication', 'ConfirmedActivity', 'Other'],
  FalsePositive: ['Clean', 'NoEnoughDataToValidate', 'Other'],
  Unknown: ['NotAvailable'],
} as const satisfies Record<Classification, readonly string[]>

export type Determination = (typeof determinationsByClassification)[Classification][number]

/**
 * Other spellings of the same determinations found in Microsoft's own pages (defender-api.md §2.6:
 * the incident-resource page, XSOAR's mapping). Which one the service accepts is unresolved, so
 * these are accepted as input and sent as given; they are not offered as choices.
 */
export const determinationAliases: Readonly<Record<string, Determination>> = {
  CompromisedUser: 'CompromisedAccount',
  ConfirmedUserActivity: 'ConfirmedActivity',
  InsufficientData: 'NoEnoughDataToValidate',
  NotMalicious: 'Clean',
}

// ---- Graph (microsoft.graph.security) -------------------------------------------------------

export const graphIncidentStatuses = ['active', 'resolved', 'inProgress', 'redirected', 'awaitingAction', 'unknownFutureValue'] as const
export type GraphIncidentStatus = (typeof graphIncidentStatuses)[number]

export const graphAlertStatuses = ['unknown', 'new', 'inProgress', 'resolved', 'unknownFutureValue'] as const
export type GraphAlertStatus = (typeof graphAlertStatuses)[number]

export const graphSeverities = ['unknown', 'informational', 'low', 'medium', 'high', 'unknownFutureValue'] as const
export type GraphSeverity = (typeof graphSeverities)[number]

export const graphClassifications = ['unknown', 'falsePositive', 'truePositive', 'informationalExpectedActivity', 'unknownFutureValue'] as const
export type GraphClassification = (typeof graphClassifications)[number]

export const graphDeterminationsByClassification = {
  truePositive: ['multiStagedAttack', 'maliciousUserActivity', 'compromisedAccount', 'malware', 'phishing', 'unwantedSoftware', 'other'],
  informationalExpectedActivity: ['securityTesting', 'lineOfBusinessApplication', 'confirmedActivity', 'other'],
  falsePositive: ['notMalicious', 'notEnoughDataToValidate', 'other'],
  unknown: ['unknown'],
  unknownFutureValue: ['unknownFutureValue'],
} as const satisfies Record<GraphClassification, readonly string[]>

export type GraphDetermination = (typeof graphDeterminationsByClassification)[GraphClassification][number]

// ---- Conversions between the two spellings -------------------------------------------------

const lowerFirst = (s: string) => s.charAt(0).toLowerCase() + s.slice(1)

/** Legacy `Active` → Graph `active`, `InProgress` → `inProgress`. */
export function toGraphStatus(status: IncidentStatus): GraphIncidentStatus {
  return lowerFirst(status) as GraphIncidentStatus
}

/** Legacy severity → Graph severity (`UnSpecified` → `unknown`). */
export function toGraphSeverity(severity: Severity): GraphSeverity {
  return severity === 'UnSpecified' ? 'unknown' : (lowerFirst(severity) as GraphSeverity)
}

const GRAPH_DETERMINATION: Readonly<Record<string, GraphDetermination>> = {
  Clean: 'notMalicious',
  NoEnoughDataToValidate: 'notEnoughDataToValidate',
  NotAvailable: 'unknown',
}

export function toGraphClassification(c: Classification): GraphClassification {
  return lowerFirst(c) as GraphClassification
}

export function toGraphDetermination(d: Determination): GraphDetermination {
  return GRAPH_DETERMINATION[d] ?? (lowerFirst(d) as GraphDetermination)
}

// ---- Validation -----------------------------------------------------------------------------

/** Finds `value` in `choices` ignoring case; returns the canonical spelling. */
export function matchChoice<T extends string>(value: string, choices: readonly T[]): T | undefined {
  const v = value.toLowerCase()
  return choices.find((c) => c.toLowerCase() === v)
}

export interface ClassificationCheck {
  surface: 'legacy' | 'graph'
  classification?: string
  determination?: string
}

/**
 * Throws ERR_INVALID_ARGUMENT (with the valid choices) unless the classification/determination
 * pair is valid for the surface. A determination alone is rejected: the service recalculates it
 * against the current classification, so the pair must be sent together (DD
 * `api-update-incidents.md`: "You can set the determination property only if classification is set").
 * Returns the canonical spellings.
 */
export function validateClassification(input: ClassificationCheck): { classification?: string; determination?: string } {
  const table: Readonly<Record<string, readonly string[]>> = input.surface === 'graph' ? graphDeterminationsByClassification : determinationsByClassification
  const classNames = Object.keys(table)
  const out: { classification?: string; determination?: string } = {}
  if (input.classification === undefined) {
    if (input.determination !== undefined)
      throw new M365dArgumentError(`determination "${input.determination}" needs a classification`, {
        hint: `also set classification: one of ${classNames.join(', ')}`,
      })
    return out
  }
  const classification = matchChoice(input.classification, classNames)
  if (!classification)
    throw new M365dArgumentError(`unknown classification "${input.classification}"`, { hint: `valid classifications: ${classNames.join(', ')}` })
  out.classification = classification
  if (input.determination === undefined) return out
  const valid = table[classification]!
  const aliasTarget = input.surface === 'legacy' ? matchChoice(input.determination, Object.keys(determinationAliases)) : undefined
  const determination = matchChoice(input.determination, valid) ?? (aliasTarget && valid.includes(determinationAliases[aliasTarget]!) ? aliasTarget : undefined)
  if (!determination)
    throw new M365dArgumentError(`determination "${input.determination}" is not valid with classification ${classification}`, {
      hint: `valid determinations for ${classification}: ${valid.join(', ')}`,
    })
  out.determination = determination
  return out
}
