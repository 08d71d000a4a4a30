/**
 * The one canonical incident model behind both API surfaces. Values use the legacy Defender
 * spellings (defender-api.md §2.3–2.6); views.ts renders them as the legacy or the Graph shape.
 * Times are epoch milliseconds; views render them as ISO-8601 with 7 fractional digits.
 */

/** Statuses a client can set and the legacy API knows (defender-api.md §2.3). */
export const INCIDENT_STATUSES = ['Active', 'InProgress', 'Resolved', 'Redirected'] as const
/**
 * `AwaitingAction`: "requires actions from Defender Experts awaiting your action. Only Microsoft 365
 * Defender experts can set this status" (Graph security-incident.md v1.0) — an evolvable enum
 * member Graph returns only under `Prefer: include-unknown-enum-members`. Set through the control
 * API only; never by PATCH.
 */
export const EXPERT_STATUSES = ['AwaitingAction'] as const
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number] | (typeof EXPERT_STATUSES)[number]

export const SEVERITIES = ['UnSpecified', 'Informational', 'Low', 'Medium', 'High'] as const
export type Severity = (typeof SEVERITIES)[number]

export const ALERT_STATUSES = ['New', 'InProgress', 'Resolved'] as const
export type AlertStatus = (typeof ALERT_STATUSES)[number]

/**
 * Classification → valid determinations, current generation (defender-api.md §2.6,
 * DD api-update-incidents.md). `Unknown`/`NotAvailable` is the read-side default of new incidents.
 */
export const DETERMINATIONS_BY_CLASSIFICATION = {
  TruePositive: ['MultiStagedAttack', 'MaliciousUserActivity', 'CompromisedAccount', 'Malware', 'Phishing', 'UnwantedSoftware', 'Other'],
  InformationalExpectedActivity: ['SecurityTesting', 'LineOfBusinessApplication', 'ConfirmedActivity', 'Other'],
  FalsePositive: ['Clean', 'NoEnoughDataToValidate', 'Other'],
  Unknown: ['NotAvailable'],
} as const

export type Classification = keyof typeof DETERMINATIONS_BY_CLASSIFICATION
export type Determination = (typeof DETERMINATIONS_BY_CLASSIFICATION)[Classification][number]
export const CLASSIFICATIONS = Object.keys(DETERMINATIONS_BY_CLASSIFICATION) as Classification[]
export const DETERMINATIONS = [...new Set(Object.values(DETERMINATIONS_BY_CLASSIFICATION).flat())] as Determination[]

/**
 * Other spellings the docs use for the same determinations (defender-api.md §2.6: the
 * incident-resource page, XSOAR's `NotMalicious`, Graph's incident doc). Accepted on input,
 * never emitted.
 */
export const DETERMINATION_ALIASES: Record<string, Determination> = {
  CompromisedUser: 'CompromisedAccount',
  ConfirmedUserActivity: 'ConfirmedActivity',
  InsufficientData: 'NoEnoughDataToValidate',
  NotEnoughDataToValidate: 'NoEnoughDataToValidate',
  NotMalicious: 'Clean',
}

export interface IncidentComment {
  comment: string
  createdBy: string
  createdTime: number
}

export interface Device {
  mdatpDeviceId: string
  aadDeviceId: string | null
  deviceDnsName: string
  osPlatform: string
  version: string
  osProcessor: string
  osBuild: number
  healthStatus: string
  riskScore: string
  rbacGroupName: string | null
  rbacGroupId: number | null
  firstSeen: number
  tags: string[]
  defenderAvStatus: string
  onboardingStatus: string
}

export type EntityType = 'User' | 'Ip' | 'Url' | 'File' | 'Process' | 'Mailbox' | 'MailMessage' | 'MailCluster' | 'Registry'

/** An alert entity: `entityType` plus only the populated type-specific keys (2024 captures omit nulls). */
export interface Entity {
  entityType: EntityType
  evidenceCreationTime: number
  verdict: 'Suspicious' | 'Malicious' | 'Unknown'
  remediationStatus: 'None' | 'Remediated' | 'Prevented' | 'Blocked' | 'NotFound'
  [key: string]: string | number | undefined
}

/** Index into SOURCES (generator.ts): which product raised the alert, with both surfaces' names. */
export interface Alert {
  alertId: string
  providerAlertId: string
  incidentId: number
  source: number
  detectorId: string
  creationTime: number
  lastUpdatedTime: number
  resolvedTime: number | null
  firstActivity: number
  lastActivity: number
  title: string
  description: string
  category: string
  status: AlertStatus
  severity: Severity
  investigationId: number | null
  investigationState: string
  classification: Classification | null
  determination: Determination | null
  assignedTo: string | null
  actorName: string | null
  threatFamilyName: string | null
  mitreTechniques: string[]
  devices: Device[]
  entities: Entity[]
  /** Comments posted with `POST /security/alerts_v2/{id}/comments` (absent until the first). */
  comments?: IncidentComment[]
  /** Custom detection rules' custom details (Graph `customDetails`); absent for built-in detections. */
  customDetails?: Record<string, string>
}

export interface Incident {
  incidentId: number
  tenantId: string
  incidentName: string
  description: string
  createdTime: number
  lastUpdateTime: number
  assignedTo: string | null
  severity: Severity
  status: IncidentStatus
  classification: Classification
  determination: Determination
  redirectIncidentId: number | null
  tags: string[]
  systemTags: string[]
  comments: IncidentComment[]
  alerts: Alert[]
  lastModifiedBy: string | null
}
