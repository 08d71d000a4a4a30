/**
 * The two views of the canonical model: the legacy Defender shape (defender-api.md §2.3–2.5, §3A)
 * and the Graph security shape (microsoft.graph.security.incident / alert). All field mappings live
 * here, including the filterable fields of each surface.
 */
import type { FieldSpec } from './filter.js'
import { SOURCES } from './generator.js'
import {
  ALERT_STATUSES,
  CLASSIFICATIONS,
  DETERMINATIONS,
  INCIDENT_STATUSES,
  type Alert,
  type Classification,
  type Determination,
  type Entity,
  type Incident,
} from './model.js'

/** ISO-8601 with 7 fractional digits, as both APIs render DateTimeOffset. */
export function iso(ms: number): string {
  // toISOString always ends in `.sssZ` (for years 0–9999).
  return `${new Date(ms).toISOString().slice(0, 23)}0000Z`
}
const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms))
const camel = (s: string) => s.charAt(0).toLowerCase() + s.slice(1)

function portalUrl(incident: Incident): string {
  return `https://security.microsoft.com/incidents/${incident.incidentId}?tid=${incident.tenantId}`
}

// ---------------------------------------------------------------- legacy

export function legacyIncident(inc: Incident): Record<string, unknown> {
  return {
    incidentId: inc.incidentId,
    incidentUri: portalUrl(inc),
    redirectIncidentId: inc.redirectIncidentId,
    incidentName: inc.incidentName,
    createdTime: iso(inc.createdTime),
    lastUpdateTime: iso(inc.lastUpdateTime),
    assignedTo: inc.assignedTo,
    classification: inc.classification,
    determination: inc.determination,
    status: inc.status,
    severity: inc.severity,
    tags: [...inc.tags],
    comments: inc.comments.map((c) => ({ comment: c.comment, createdBy: c.createdBy, createdTime: iso(c.createdTime) })),
    alerts: inc.alerts.map(legacyAlert),
  }
}

function legacyAlert(a: Alert): Record<string, unknown> {
  const source = SOURCES[a.source]!
  return {
    alertId: a.alertId,
    providerAlertId: a.providerAlertId,
    incidentId: a.incidentId,
    serviceSource: source.legacyService,
    creationTime: iso(a.creationTime),
    lastUpdatedTime: iso(a.lastUpdatedTime),
    resolvedTime: isoOrNull(a.resolvedTime),
    firstActivity: iso(a.firstActivity),
    lastActivity: iso(a.lastActivity),
    title: a.title,
    description: a.description,
    category: a.category,
    status: a.status,
    severity: a.severity,
    investigationId: a.investigationId,
    investigationState: a.investigationState,
    classification: a.classification,
    determination: a.determination,
    detectionSource: source.legacyDetection,
    detectorId: a.detectorId,
    assignedTo: a.assignedTo,
    actorName: a.actorName,
    threatFamilyName: a.threatFamilyName,
    mitreTechniques: [...a.mitreTechniques],
    devices: a.devices.map(({ rbacGroupId, ...d }) => ({ ...d, ...(rbacGroupId !== null && { rbacGroupId }), firstSeen: iso(d.firstSeen), tags: [...d.tags], vmMetadata: null })),
    entities: a.entities.map((e) => ({ ...e, evidenceCreationTime: iso(e.evidenceCreationTime), ...('processCreationTime' in e && { processCreationTime: iso(e.processCreationTime as number) }), ...('parentProcessCreationTime' in e && { parentProcessCreationTime: iso(e.parentProcessCreationTime as number) }) })),
  }
}

export const LEGACY_INCIDENT_FIELDS: Record<string, FieldSpec<Incident>> = {
  lastUpdateTime: { type: 'datetime', get: (i) => i.lastUpdateTime },
  createdTime: { type: 'datetime', get: (i) => i.createdTime },
  status: { type: 'enum', get: (i) => i.status, values: INCIDENT_STATUSES, ops: ['eq', 'ne'] },
  assignedTo: { type: 'string', get: (i) => i.assignedTo, ops: ['eq', 'ne'] },
}

// ---------------------------------------------------------------- graph

const GRAPH_DETERMINATION: Record<Determination, string> = {
  MultiStagedAttack: 'multiStagedAttack',
  MaliciousUserActivity: 'maliciousUserActivity',
  CompromisedAccount: 'compromisedAccount',
  Malware: 'malware',
  Phishing: 'phishing',
  UnwantedSoftware: 'unwantedSoftware',
  Other: 'other',
  SecurityTesting: 'securityTesting',
  LineOfBusinessApplication: 'lineOfBusinessApplication',
  ConfirmedActivity: 'confirmedActivity',
  Clean: 'notMalicious',
  NoEnoughDataToValidate: 'notEnoughDataToValidate',
  NotAvailable: 'unknown',
}
export const graphDetermination = (d: Determination | null) => (d === null ? 'unknown' : GRAPH_DETERMINATION[d])
export const graphClassification = (c: Classification | null) => (c === null ? 'unknown' : camel(c))
const graphSeverity = (s: string) => (s === 'UnSpecified' ? 'unknown' : camel(s))
// Graph enums are evolvable: `unknownFutureValue` (and members the emulator never emits) filter fine.
const FUTURE = 'unknownFutureValue'
const GRAPH_SEVERITIES = ['unknown', 'informational', 'low', 'medium', 'high', FUTURE]
const GRAPH_DETERMINATIONS = [...new Set(DETERMINATIONS.map((d) => GRAPH_DETERMINATION[d])), 'apt', 'securityPersonnel', FUTURE]
const GRAPH_INCIDENT_STATUSES = [...INCIDENT_STATUSES.map(camel), FUTURE, 'awaitingAction']
const GRAPH_CLASSIFICATIONS = [...CLASSIFICATIONS.map(camel), FUTURE]

/**
 * Evolvable enums (Graph "Best practices: handling future members in evolvable enumerations"):
 * members added after `unknownFutureValue` are sent as `unknownFutureValue` unless the request
 * says `Prefer: include-unknown-enum-members`. The members after the sentinel, per property
 * (security-incident.md, security-alert.md v1.0).
 */
const AFTER_SENTINEL = {
  incidentStatus: new Set(['awaitingAction']),
  serviceSource: new Set(['microsoftDefenderForCloud']),
  detectionSource: new Set([
    'microsoftDefenderForCloud', 'microsoftDefenderForIoT', 'microsoftDefenderForServers', 'microsoftDefenderForStorage', 'microsoftDefenderForDNS', 'microsoftDefenderForDatabases',
    'microsoftDefenderForContainers', 'microsoftDefenderForNetwork', 'microsoftDefenderForAppService', 'microsoftDefenderForKeyVault', 'microsoftDefenderForResourceManager', 'microsoftDefenderForApiManagement',
  ]),
}
function evolvable(kind: keyof typeof AFTER_SENTINEL, value: string, unknownEnums: boolean | undefined): string {
  return !unknownEnums && AFTER_SENTINEL[kind].has(value) ? FUTURE : value
}

export interface GraphViewOptions {
  expandAlerts?: boolean
  /** The request sent `Prefer: include-unknown-enum-members`. */
  unknownEnums?: boolean
}

/** v1.0 `microsoft.graph.security.incident` properties, in the order they are rendered (+ the `alerts` navigation). */
export const GRAPH_INCIDENT_PROPERTIES = [
  'id', 'tenantId', 'status', 'incidentWebUrl', 'redirectIncidentId', 'displayName', 'description', 'createdDateTime', 'lastUpdateDateTime', 'assignedTo', 'classification',
  'determination', 'severity', 'lastModifiedBy', 'resolvingComment', 'summary', 'customTags', 'systemTags', 'comments', 'alerts',
] as const

/**
 * Exactly the v1.0 incident properties (mssp-market.md §3, from the v1.0 schema): no `priorityScore`,
 * which the v1.0 schema does not have.
 */
export function graphIncident(inc: Incident, options: GraphViewOptions = {}): Record<string, unknown> {
  return {
    id: String(inc.incidentId),
    tenantId: inc.tenantId,
    status: evolvable('incidentStatus', camel(inc.status), options.unknownEnums),
    incidentWebUrl: portalUrl(inc),
    redirectIncidentId: inc.redirectIncidentId === null ? null : String(inc.redirectIncidentId),
    displayName: inc.incidentName,
    description: inc.description,
    createdDateTime: iso(inc.createdTime),
    lastUpdateDateTime: iso(inc.lastUpdateTime),
    assignedTo: inc.assignedTo,
    classification: graphClassification(inc.classification),
    determination: graphDetermination(inc.determination),
    severity: graphSeverity(inc.severity),
    lastModifiedBy: inc.lastModifiedBy,
    resolvingComment: null,
    summary: null,
    customTags: [...inc.tags],
    systemTags: [...inc.systemTags],
    comments: inc.comments.map(graphComment),
    ...(options.expandAlerts && { alerts: inc.alerts.map((a) => graphAlert(a, inc, options)) }),
  }
}

/** `microsoft.graph.security.alertComment`. */
export function graphComment(c: { comment: string; createdBy: string; createdTime: number }): Record<string, unknown> {
  return { comment: c.comment, createdByDisplayName: c.createdBy, createdDateTime: iso(c.createdTime) }
}

/** v1.0 `microsoft.graph.security.alert` properties, in the order they are rendered. */
export const GRAPH_ALERT_PROPERTIES = [
  'id', 'providerAlertId', 'incidentId', 'status', 'severity', 'classification', 'determination', 'serviceSource', 'detectionSource', 'productName', 'detectorId', 'tenantId',
  'title', 'description', 'recommendedActions', 'category', 'assignedTo', 'alertWebUrl', 'incidentWebUrl', 'actorDisplayName', 'threatDisplayName', 'threatFamilyName',
  'mitreTechniques', 'createdDateTime', 'lastUpdateDateTime', 'resolvedDateTime', 'firstActivityDateTime', 'lastActivityDateTime', 'alertPolicyId', 'additionalData',
  'customDetails', 'comments', 'systemTags', 'evidence',
] as const

export function graphAlert(a: Alert, inc: Incident, options: GraphViewOptions = {}): Record<string, unknown> {
  const source = SOURCES[a.source]!
  return {
    id: a.alertId,
    providerAlertId: a.providerAlertId,
    incidentId: String(a.incidentId),
    status: camel(a.status),
    severity: graphSeverity(a.severity),
    classification: graphClassification(a.classification),
    determination: graphDetermination(a.determination),
    serviceSource: evolvable('serviceSource', source.graphService, options.unknownEnums),
    detectionSource: evolvable('detectionSource', source.graphDetection, options.unknownEnums),
    productName: source.product,
    detectorId: a.detectorId,
    tenantId: inc.tenantId,
    title: a.title,
    description: a.description,
    recommendedActions: 'Investigate the affected assets and contain them if the activity is confirmed malicious.',
    category: a.category,
    assignedTo: a.assignedTo,
    alertWebUrl: `https://security.microsoft.com/alerts/${a.alertId}?tid=${inc.tenantId}`,
    incidentWebUrl: portalUrl(inc),
    actorDisplayName: a.actorName,
    threatDisplayName: a.threatFamilyName,
    threatFamilyName: a.threatFamilyName,
    mitreTechniques: [...a.mitreTechniques],
    createdDateTime: iso(a.creationTime),
    lastUpdateDateTime: iso(a.lastUpdatedTime),
    resolvedDateTime: isoOrNull(a.resolvedTime),
    firstActivityDateTime: iso(a.firstActivity),
    lastActivityDateTime: iso(a.lastActivity),
    alertPolicyId: null,
    additionalData: {},
    customDetails: { ...a.customDetails },
    comments: (a.comments ?? []).map(graphComment),
    systemTags: [],
    evidence: [...a.devices.map((d) => deviceEvidence(d, a)), ...a.entities.map(entityEvidence)],
  }
}

function evidenceBase(type: string, e: { evidenceCreationTime: number; verdict: string; remediationStatus: string }, roles: string[] = []) {
  return { '@odata.type': `#microsoft.graph.security.${type}`, createdDateTime: iso(e.evidenceCreationTime), verdict: camel(e.verdict), remediationStatus: camel(e.remediationStatus), remediationStatusDetails: null, roles, tags: [] as string[] }
}

function deviceEvidence(d: Alert['devices'][number], a: Alert): Record<string, unknown> {
  return {
    ...evidenceBase('deviceEvidence', { evidenceCreationTime: a.creationTime, verdict: 'Suspicious', remediationStatus: 'None' }),
    mdeDeviceId: d.mdatpDeviceId,
    azureAdDeviceId: d.aadDeviceId,
    deviceDnsName: d.deviceDnsName,
    osPlatform: d.osPlatform,
    osBuild: d.osBuild,
    version: d.version,
    healthStatus: camel(d.healthStatus),
    riskScore: camel(d.riskScore),
    rbacGroupName: d.rbacGroupName,
    rbacGroupId: d.rbacGroupId,
    firstSeenDateTime: iso(d.firstSeen),
    onboardingStatus: camel(d.onboardingStatus),
    defenderAvStatus: camel(d.defenderAvStatus),
    loggedOnUsers: [],
    vmMetadata: null,
  }
}

function entityEvidence(e: Entity): Record<string, unknown> {
  const s = (k: string) => (e[k] === undefined ? null : e[k])
  const account = () => ({ accountName: s('accountName'), domainName: s('domainName'), userSid: s('userSid'), azureAdUserId: s('aadUserId'), userPrincipalName: s('userPrincipalName'), displayName: s('accountName') })
  const file = () => ({ sha1: s('sha1'), sha256: s('sha256'), name: s('fileName'), filePath: s('filePath'), fileSize: null })
  switch (e.entityType) {
    case 'User':
      return { ...evidenceBase('userEvidence', e, ['compromised']), userAccount: account() }
    case 'Ip':
      return { ...evidenceBase('ipEvidence', e), ipAddress: s('ipAddress'), countryLetterCode: null }
    case 'Url':
      return { ...evidenceBase('urlEvidence', e), url: s('url') }
    case 'File':
      return { ...evidenceBase('fileEvidence', e), fileDetails: file(), mdeDeviceId: s('deviceId'), detectionStatus: 'detected' }
    case 'Process':
      return { ...evidenceBase('processEvidence', e), processId: s('processId'), processCommandLine: s('processCommandLine'), processCreationDateTime: iso(e.processCreationTime as number), parentProcessId: s('parentProcessId'), parentProcessCreationDateTime: iso(e.parentProcessCreationTime as number), imageFile: file(), mdeDeviceId: s('deviceId'), detectionStatus: 'detected' }
    case 'Mailbox':
      return { ...evidenceBase('mailboxEvidence', e), displayName: s('mailboxDisplayName'), primaryAddress: s('mailboxAddress'), userAccount: { userPrincipalName: s('userPrincipalName') } }
    case 'MailMessage':
      return { ...evidenceBase('analyzedMessageEvidence', e), senderIp: null, recipientEmailAddress: s('recipient'), p1Sender: { emailAddress: s('sender') }, subject: s('subject'), deliveryAction: s('deliveryAction'), internetMessageId: s('internetMessageId') }
    case 'MailCluster':
      return { ...evidenceBase('mailClusterEvidence', e), clusterBy: s('clusterBy'), clusterByValue: s('clusterByValue'), emailCount: s('emailCount') }
    case 'Registry':
      return { ...evidenceBase('registryKeyEvidence', e), registryHive: s('registryHive'), registryKey: s('registryKey') }
  }
}

export const GRAPH_INCIDENT_FIELDS: Record<string, FieldSpec<Incident>> = {
  lastUpdateDateTime: { type: 'datetime', get: (i) => i.lastUpdateTime },
  createdDateTime: { type: 'datetime', get: (i) => i.createdTime },
  status: { type: 'enum', get: (i) => camel(i.status), values: GRAPH_INCIDENT_STATUSES },
  severity: { type: 'enum', get: (i) => graphSeverity(i.severity), values: GRAPH_SEVERITIES },
  assignedTo: { type: 'string', get: (i) => i.assignedTo },
  classification: { type: 'enum', get: (i) => graphClassification(i.classification), values: GRAPH_CLASSIFICATIONS },
  determination: { type: 'enum', get: (i) => graphDetermination(i.determination), values: GRAPH_DETERMINATIONS },
  id: { type: 'string', get: (i) => String(i.incidentId) },
  displayName: { type: 'string', get: (i) => i.incidentName },
}

export interface AlertRow {
  alert: Alert
  incident: Incident
}

export const GRAPH_ALERT_FIELDS: Record<string, FieldSpec<AlertRow>> = {
  createdDateTime: { type: 'datetime', get: (r) => r.alert.creationTime },
  lastUpdateDateTime: { type: 'datetime', get: (r) => r.alert.lastUpdatedTime },
  status: { type: 'enum', get: (r) => camel(r.alert.status), values: [...ALERT_STATUSES.map(camel), FUTURE] },
  severity: { type: 'enum', get: (r) => graphSeverity(r.alert.severity), values: GRAPH_SEVERITIES },
  classification: { type: 'enum', get: (r) => graphClassification(r.alert.classification), values: GRAPH_CLASSIFICATIONS },
  determination: { type: 'enum', get: (r) => graphDetermination(r.alert.determination), values: GRAPH_DETERMINATIONS },
  assignedTo: { type: 'string', get: (r) => r.alert.assignedTo },
  serviceSource: { type: 'enum', get: (r) => SOURCES[r.alert.source]!.graphService, values: [...new Set(SOURCES.map((s) => s.graphService))] },
  detectionSource: { type: 'enum', get: (r) => SOURCES[r.alert.source]!.graphDetection, values: [...new Set(SOURCES.map((s) => s.graphDetection))] },
  incidentId: { type: 'string', get: (r) => String(r.alert.incidentId) },
  id: { type: 'string', get: (r) => r.alert.alertId },
}
