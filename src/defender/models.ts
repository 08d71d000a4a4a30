import type {
  Classification,
  Determination,
  GraphAlertStatus,
  GraphClassification,
  GraphDetermination,
  GraphIncidentStatus,
  GraphSeverity,
  IncidentStatus,
  Severity,
} from './enums.js'

/**
 * Wire models of both surfaces with their NATIVE field names (no lossy normalisation): a legacy
 * `Incident` is exactly what `/api/incidents` returns, a `GraphIncident` what
 * `/v1.0/security/incidents` returns. Enum-typed fields are widened with `(string & {})` because
 * the services add values over time (e.g. `InProgress`, `awaitingAction`) and a client must not
 * break on them. Schema: defender-api.md §2.3–2.5, §3A, §7.
 */
type Open<T extends string> = T | (string & {})

/** `{comment, createdBy, createdTime}` (defender-api.md §2.3: the key is `createdTime`). */
export interface Comment {
  comment: string
  createdBy: string | null
  createdTime: string
}

/** Device shape of the JSON examples (§2.5), with the undocumented fields real responses carry (§3A). */
export interface Device {
  mdatpDeviceId: string
  aadDeviceId: string | null
  deviceDnsName: string | null
  osPlatform: string | null
  version?: string | null
  osProcessor?: string | null
  osBuild?: number | null
  healthStatus?: string | null
  riskScore?: string | null
  rbacGroupName?: string | null
  rbacGroupId?: number | null
  firstSeen?: string | null
  tags?: string[]
  defenderAvStatus?: string | null
  onboardingStatus?: string | null
  vmMetadata?: unknown
  [extra: string]: unknown
}

/**
 * An evidence entity: `entityType` plus type-specific keys. Real responses omit null keys
 * (§2.5), so every key but `entityType` is optional.
 */
export interface Entity {
  entityType: Open<'User' | 'Ip' | 'Url' | 'File' | 'Process' | 'MailBox' | 'Mailbox' | 'MailMessage' | 'MailCluster' | 'Registry' | 'SecurityGroup'>
  sha1?: string | null
  sha256?: string | null
  fileName?: string | null
  filePath?: string | null
  processId?: number | null
  processCommandLine?: string | null
  processCreationTime?: string | null
  parentProcessId?: number | null
  parentProcessCreationTime?: string | null
  ipAddress?: string | null
  url?: string | null
  accountName?: string | null
  domainName?: string | null
  userSid?: string | null
  aadUserId?: string | null
  userPrincipalName?: string | null
  mailboxDisplayName?: string | null
  mailboxAddress?: string | null
  clusterBy?: string | null
  sender?: string | null
  recipient?: string | null
  subject?: string | null
  deliveryAction?: string | null
  securityGroupId?: string | null
  securityGroupName?: string | null
  registryHive?: string | null
  registryKey?: string | null
  registryValueType?: string | null
  registryValue?: string | null
  deviceId?: string | null
  evidenceCreationTime?: string | null
  verdict?: string | null
  remediationStatus?: string | null
  [extra: string]: unknown
}

/** Element of a legacy incident's `alerts[]` (§2.4; note `lastUpdatedTime` here vs `lastUpdateTime` on incidents). */
export interface Alert {
  alertId: string
  providerAlertId?: string | null
  incidentId: number
  serviceSource: string
  creationTime: string
  lastUpdatedTime: string
  resolvedTime: string | null
  firstActivity: string | null
  lastActivity: string | null
  title: string
  description: string | null
  category: string | null
  status: Open<'New' | 'Active' | 'InProgress' | 'Resolved'>
  severity: Open<Severity>
  investigationId: number | null
  investigationState: string | null
  classification: Open<Classification> | null
  determination: Open<Determination> | null
  detectionSource: string | null
  detectorId?: string | null
  assignedTo: string | null
  actorName: string | null
  threatFamilyName: string | null
  mitreTechniques: string[]
  devices: Device[]
  entities: Entity[]
  [extra: string]: unknown
}

/** A legacy `/api/incidents` incident. */
export interface Incident {
  incidentId: number
  incidentUri?: string
  redirectIncidentId: number | null
  incidentName: string
  createdTime: string
  lastUpdateTime: string
  assignedTo: string | null
  classification: Open<Classification> | null
  determination: Open<Determination> | null
  status: Open<IncidentStatus>
  severity: Open<Severity>
  tags: string[]
  comments: Comment[]
  alerts: Alert[]
  detectionSource?: string | null
  [extra: string]: unknown
}

/** Graph `alertComment`. */
export interface GraphComment {
  comment: string
  createdByDisplayName: string | null
  createdDateTime: string
}

/** Graph `microsoft.graph.security.alert` (alerts_v2), evidence kept as received. */
export interface GraphAlert {
  id: string
  providerAlertId?: string | null
  incidentId: string | null
  status: Open<GraphAlertStatus>
  severity: Open<GraphSeverity>
  classification: Open<GraphClassification> | null
  determination: Open<GraphDetermination> | null
  serviceSource: string
  detectionSource: string | null
  detectorId?: string | null
  tenantId: string
  title: string
  description: string | null
  recommendedActions?: string | null
  category: string | null
  assignedTo: string | null
  alertWebUrl?: string | null
  incidentWebUrl?: string | null
  actorDisplayName?: string | null
  threatDisplayName?: string | null
  threatFamilyName?: string | null
  mitreTechniques: string[]
  createdDateTime: string
  lastUpdateDateTime: string
  resolvedDateTime: string | null
  firstActivityDateTime: string | null
  lastActivityDateTime: string | null
  comments?: GraphComment[]
  evidence?: Array<{ '@odata.type': string; [k: string]: unknown }>
  [extra: string]: unknown
}

/** Graph `microsoft.graph.security.incident`. `alerts` only with `$expand=alerts`. */
export interface GraphIncident {
  id: string
  tenantId: string
  displayName: string
  createdDateTime: string
  lastUpdateDateTime: string
  incidentWebUrl?: string
  redirectIncidentId: string | null
  assignedTo: string | null
  classification: Open<GraphClassification> | null
  determination: Open<GraphDetermination> | null
  status: Open<GraphIncidentStatus>
  severity: Open<GraphSeverity>
  tags?: string[]
  systemTags?: string[]
  description?: string | null
  summary?: string | null
  customTags?: string[]
  comments?: GraphComment[]
  alerts?: GraphAlert[]
  [extra: string]: unknown
}

export type AnyIncident = Incident | GraphIncident

// ---- Accessors sync needs, one definition for both surfaces ---------------------------------

export function isGraphIncident(i: AnyIncident): i is GraphIncident {
  return typeof (i as GraphIncident).lastUpdateDateTime === 'string'
}

/** The incident id as a string (legacy ids are longs, Graph ids strings). */
export function incidentId(i: AnyIncident): string {
  return isGraphIncident(i) ? i.id : String(i.incidentId)
}

/** Last update time as epoch ms (the sync watermark). */
export function incidentLastUpdate(i: AnyIncident): number {
  return Date.parse(isGraphIncident(i) ? i.lastUpdateDateTime : i.lastUpdateTime)
}

export function incidentCreated(i: AnyIncident): number {
  return Date.parse(isGraphIncident(i) ? i.createdDateTime : i.createdTime)
}

/** Status in the legacy spelling (`Active`, `InProgress`, …) whatever the surface. */
export function incidentStatus(i: AnyIncident): string {
  const s = i.status
  return isGraphIncident(i) ? s.charAt(0).toUpperCase() + s.slice(1) : s
}

/** The incident this one was merged into, if any (redirected incidents carry no alerts, peers.md §3). */
export function incidentRedirectedTo(i: AnyIncident): string | null {
  return i.redirectIncidentId === null || i.redirectIncidentId === undefined ? null : String(i.redirectIncidentId)
}
