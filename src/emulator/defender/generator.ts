import { createHash } from 'node:crypto'
import type { Alert, Classification, Determination, Device, Entity, Incident, IncidentStatus, Severity } from './model.js'
import { DETERMINATIONS_BY_CLASSIFICATION } from './model.js'

const BYTE_HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))

/** mulberry32: small, fast, good enough for test data, and identical on every platform. */
export class Prng {
  #state: number
  constructor(seed: number) {
    this.#state = seed >>> 0
  }
  next(): number {
    let t = (this.#state = (this.#state + 0x6d2b79f5) >>> 0)
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1))
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!
  }
  chance(p: number): boolean {
    return this.next() < p
  }
  hex(length: number): string {
    let s = ''
    while (s.length < length) {
      const n = Math.floor(this.next() * 0x100000000)
      s += BYTE_HEX[n >>> 24]! + BYTE_HEX[(n >>> 16) & 0xff]! + BYTE_HEX[(n >>> 8) & 0xff]! + BYTE_HEX[n & 0xff]!
    }
    return s.length === length ? s : s.slice(0, length)
  }
  guid(): string {
    const h = this.hex(32)
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`
  }
}

/** Per-tenant seed = hash(seed, tenantId), so tenants differ but each is reproducible. */
export function tenantSeed(seed: number, tenantId: string): number {
  return createHash('sha256').update(`${seed}|${tenantId.toLowerCase()}`).digest().readUInt32BE(0)
}

/**
 * Alert sources with both surfaces' names. Legacy values from real captures (defender-api.md §2.4,
 * §3A); Graph values are the serviceSource/detectionSource enum members of the Graph alert resource.
 */
export const SOURCES = [
  { prefix: 'da', product: 'Microsoft Defender for Endpoint', legacyService: 'MicrosoftDefenderForEndpoint', graphService: 'microsoftDefenderForEndpoint', legacyDetection: 'WindowsDefenderAv', graphDetection: 'antivirus', kind: 'endpoint' },
  { prefix: 'da', product: 'Microsoft Defender for Endpoint', legacyService: 'MicrosoftDefenderForEndpoint', graphService: 'microsoftDefenderForEndpoint', legacyDetection: 'WindowsDefenderAtp', graphDetection: 'microsoftDefenderForEndpoint', kind: 'endpoint' },
  { prefix: 'fa', product: 'Microsoft Defender for Office 365', legacyService: 'MicrosoftDefenderForOffice365', graphService: 'microsoftDefenderForOffice365', legacyDetection: 'OfficeATP', graphDetection: 'microsoftDefenderForOffice365', kind: 'mail' },
  { prefix: 'ca', product: 'Microsoft Defender for Cloud Apps', legacyService: 'MicrosoftCloudAppSecurity', graphService: 'microsoftDefenderForCloudApps', legacyDetection: 'MCAS', graphDetection: 'microsoftDefenderForCloudApps', kind: 'identity' },
  { prefix: 'aa', product: 'Microsoft Defender for Identity', legacyService: 'MicrosoftDefenderForIdentity', graphService: 'microsoftDefenderForIdentity', legacyDetection: 'AzureATP', graphDetection: 'microsoftDefenderForIdentity', kind: 'identity' },
  { prefix: 'ar', product: 'Microsoft Defender for Endpoint', legacyService: 'MicrosoftDefenderForEndpoint', graphService: 'microsoftDefenderForEndpoint', legacyDetection: 'AutomatedInvestigation', graphDetection: 'automatedInvestigation', kind: 'endpoint' },
] as const

const SCENARIOS = [
  { title: 'Suspicious PowerShell command line', category: 'Execution', mitre: ['T1059.001'], kind: 'endpoint', family: null },
  { title: "Malware 'Mimikatz' was detected", category: 'CredentialAccess', mitre: ['T1003.001'], kind: 'endpoint', family: 'Mimikatz' },
  { title: 'Ransomware behavior detected in the file system', category: 'Impact', mitre: ['T1486'], kind: 'endpoint', family: 'Ryuk' },
  { title: "An active 'Emotet' malware was detected", category: 'Malware', mitre: ['T1204.002'], kind: 'endpoint', family: 'Emotet' },
  { title: 'Suspicious process injection observed', category: 'DefenseEvasion', mitre: ['T1055'], kind: 'endpoint', family: null },
  { title: 'Anomalous scheduled task created', category: 'Persistence', mitre: ['T1053.005'], kind: 'endpoint', family: null },
  { title: 'Email messages containing malicious URL removed after delivery', category: 'InitialAccess', mitre: ['T1566.002'], kind: 'mail', family: null },
  { title: 'Email messages containing malware removed after delivery', category: 'InitialAccess', mitre: ['T1566.001'], kind: 'mail', family: 'Qakbot' },
  { title: 'User clicked a potentially malicious URL', category: 'InitialAccess', mitre: ['T1204.001'], kind: 'mail', family: null },
  { title: 'Impossible travel activity', category: 'InitialAccess', mitre: ['T1078'], kind: 'identity', family: null },
  { title: 'Mass download by a single user', category: 'Exfiltration', mitre: ['T1530'], kind: 'identity', family: null },
  { title: 'Suspected brute-force attack (Kerberos, NTLM)', category: 'CredentialAccess', mitre: ['T1110.001', 'T1110.003'], kind: 'identity', family: null },
  { title: 'Suspicious inbox manipulation rule', category: 'SuspiciousActivity', mitre: ['T1564.008'], kind: 'identity', family: null },
] as const

const FIRST = ['alex', 'maria', 'wei', 'fatima', 'john', 'priya', 'lukas', 'sofia', 'kenji', 'amara', 'diego', 'olga']
const LAST = ['smith', 'garcia', 'chen', 'khan', 'muller', 'rossi', 'tanaka', 'okafor', 'silva', 'ivanova']
const ANALYSTS = ['secop1', 'secop2', 'soc-tier1', 'soc-tier2', 'ir-lead']
const TAGS = ['Phishing campaign', 'Ransomware', 'VIP', 'Pen test', 'Needs review', 'Credential theft', 'Customer notified']
const OS = [
  { osPlatform: 'Windows10', version: '22H2', osBuild: 19045 },
  { osPlatform: 'Windows11', version: '23H2', osBuild: 22631 },
  { osPlatform: 'WindowsServer2019', version: '1809', osBuild: 17763 },
  { osPlatform: 'WindowsServer2016', version: '1607', osBuild: 14393 },
  { osPlatform: 'Linux', version: '22.04', osBuild: 0 },
  { osPlatform: 'macOS', version: '14', osBuild: 23 },
]
const FILES = [
  ['mimikatz.exe', 'C:\\Users\\Public\\Downloads'],
  ['invoice_0423.docm', 'C:\\Users\\{user}\\Downloads'],
  ['svchost32.exe', 'C:\\ProgramData\\Microsoft'],
  ['update.ps1', 'C:\\Windows\\Temp'],
  ['payload.dll', 'C:\\Users\\{user}\\AppData\\Local\\Temp'],
]
const DOMAINS = ['contoso-payments.example', 'login-micros0ft.example', 'cdn-update.example', 'files-share.example']
const DAY = 86_400_000

export interface GenerateOptions {
  tenantId: string
  tenantDomain: string
  seed: number
  count: number
  now: number
  /** First incident id; ids then increase with creation time. */
  firstId: number
  /** Spread creation times over this many days before `now` (default 200: ~10% beyond 180-day retention). */
  spreadDays?: number
}

/** Deterministic incidents for one tenant, oldest first. */
export function generateIncidents(options: GenerateOptions): Incident[] {
  const rng = new Prng(tenantSeed(options.seed, options.tenantId))
  const spread = (options.spreadDays ?? 200) * DAY
  const times = Array.from({ length: options.count }, () => options.now - Math.floor(rng.next() * spread)).sort((a, b) => a - b)
  const incidents: Incident[] = times.map((t, i) => newIncident(rng, { tenantId: options.tenantId, domain: options.tenantDomain, id: options.firstId + i, createdTime: t, now: options.now }))
  // ~4% merged into a later incident of the same tenant: Redirected, redirectIncidentId set, no alerts.
  for (let i = 0; i < incidents.length - 1; i++) {
    if (rng.chance(0.04)) mergeInto(incidents[i]!, incidents[rng.int(i + 1, incidents.length - 1)]!, Math.min(options.now, incidents[i]!.lastUpdateTime + DAY))
  }
  return incidents
}

/** Moves `from`'s alerts to `into` and redirects `from` (how Defender merges incidents). */
export function mergeInto(from: Incident, into: Incident, at: number): void {
  if (from === into || from.status === 'Redirected') return
  for (const a of from.alerts) a.incidentId = into.incidentId
  into.alerts.push(...from.alerts)
  from.alerts = []
  from.status = 'Redirected'
  from.redirectIncidentId = into.incidentId
  from.lastUpdateTime = Math.max(from.lastUpdateTime, at)
  into.lastUpdateTime = Math.max(into.lastUpdateTime, at)
  into.severity = maxSeverity(into.alerts.map((a) => a.severity))
}

export function newIncident(rng: Prng, o: { tenantId: string; domain: string; id: number; createdTime: number; now: number; status?: IncidentStatus }): Incident {
  const alertCount = rng.chance(0.6) ? 1 : rng.int(2, 6)
  const alerts: Alert[] = []
  for (let i = 0; i < alertCount; i++) alerts.push(newAlert(rng, { incidentId: o.id, domain: o.domain, at: o.createdTime + i * rng.int(0, 3_600_000) }))
  const age = o.now - o.createdTime
  const status: IncidentStatus = o.status ?? (age > 30 * DAY ? (rng.chance(0.85) ? 'Resolved' : 'Active') : rng.pick(['Active', 'Active', 'InProgress', 'Resolved'] as const))
  let classification: Classification = 'Unknown'
  let determination: Determination = 'NotAvailable'
  if (status === 'Resolved') {
    classification = rng.pick(['TruePositive', 'TruePositive', 'InformationalExpectedActivity', 'FalsePositive'] as const)
    determination = rng.pick(DETERMINATIONS_BY_CLASSIFICATION[classification])
  }
  const updatedAt = Math.min(o.now, o.createdTime + rng.int(0, Math.max(1, Math.min(age, 20 * DAY))))
  const first = alerts[0]!
  const assignedTo = status === 'Active' && rng.chance(0.5) ? null : `${rng.pick(ANALYSTS)}@${o.domain}`
  const comments =
    status === 'Resolved' && rng.chance(0.5)
      ? [{ comment: rng.pick(['Confirmed with the user.', 'Pen test by red team.', 'Device isolated and reimaged.', 'Benign admin script.']), createdBy: assignedTo ?? `secop1@${o.domain}`, createdTime: updatedAt }]
      : []
  for (const a of alerts) {
    if (status === 'Resolved') {
      a.status = 'Resolved'
      a.resolvedTime = updatedAt
      a.classification = classification
      a.determination = determination
    }
    a.lastUpdatedTime = Math.max(a.lastUpdatedTime, updatedAt)
  }
  // Portal-style names: "Multi-stage incident involving Initial access & Execution on multiple endpoints".
  const hosts = new Set(alerts.flatMap((a) => a.devices.map((d) => d.deviceDnsName)))
  const users = new Set(alerts.flatMap((a) => a.entities.filter((e) => e.entityType === 'User').map((e) => String(e.accountName))))
  const scope = hosts.size ? `on ${hosts.size === 1 ? 'one endpoint' : 'multiple endpoints'}` : `involving ${users.size === 1 ? 'one user' : 'multiple users'}`
  const categories = [...new Set(alerts.map((a) => humanize(a.category)))]
  const name = categories.length > 1 ? `Multi-stage incident involving ${categories.slice(0, 2).join(' & ')} ${scope}` : `${first.title} ${scope}`
  return {
    incidentId: o.id,
    tenantId: o.tenantId,
    incidentName: name,
    description: `${first.description}`,
    createdTime: o.createdTime,
    lastUpdateTime: updatedAt,
    assignedTo,
    severity: maxSeverity(alerts.map((a) => a.severity)),
    status,
    classification,
    determination,
    redirectIncidentId: null,
    tags: rng.chance(0.3) ? [rng.pick(TAGS)] : [],
    systemTags: rng.chance(0.1) ? ['Defender Experts'] : [],
    comments,
    alerts,
    lastModifiedBy: status === 'Active' ? null : assignedTo,
  }
}

export function newAlert(rng: Prng, o: { incidentId: number; domain: string; at: number }): Alert {
  const scenario = rng.pick(SCENARIOS)
  const sourceIndexes = SOURCES.map((s, i) => [s, i] as const).filter(([s]) => s.kind === scenario.kind)
  const [source, sourceIndex] = rng.pick(sourceIndexes)
  const provider = rng.guid()
  const user = `${rng.pick(FIRST)}.${rng.pick(LAST)}`
  const severity = rng.pick(['Informational', 'Low', 'Low', 'Medium', 'Medium', 'Medium', 'High'] as const)
  const firstActivity = o.at - rng.int(0, 3_600_000)
  const devices = scenario.kind === 'endpoint' ? [newDevice(rng, o.domain, o.at)] : []
  const entities = newEntities(rng, scenario.kind, { user, domain: o.domain, at: o.at, deviceId: devices[0]?.mdatpDeviceId })
  return {
    alertId: `${source.prefix}${provider}`,
    providerAlertId: provider,
    incidentId: o.incidentId,
    source: sourceIndex,
    detectorId: rng.guid(),
    creationTime: o.at,
    lastUpdatedTime: o.at,
    resolvedTime: null,
    firstActivity,
    lastActivity: o.at,
    title: scenario.title,
    description: `${scenario.title}. Review the evidence and the affected ${scenario.kind === 'mail' ? 'mailboxes' : scenario.kind === 'identity' ? 'accounts' : 'devices'}.`,
    category: scenario.category,
    status: rng.pick(['New', 'New', 'InProgress'] as const),
    severity,
    investigationId: scenario.kind === 'endpoint' && rng.chance(0.5) ? rng.int(1, 99_999) : null,
    investigationState: scenario.kind === 'endpoint' ? rng.pick(['Running', 'PendingApproval', 'SuccessfullyRemediated', 'Benign', 'UnsupportedAlertType']) : 'UnsupportedAlertType',
    classification: null,
    determination: null,
    assignedTo: rng.chance(0.2) ? 'Automation' : null,
    actorName: rng.chance(0.1) ? rng.pick(['Storm-0558', 'Midnight Blizzard', 'Octo Tempest']) : null,
    threatFamilyName: scenario.family,
    mitreTechniques: [...scenario.mitre],
    devices,
    entities,
  }
}

function newDevice(rng: Prng, domain: string, at: number): Device {
  const os = rng.pick(OS)
  const host = `${rng.pick(['ws', 'lt', 'srv', 'dc'])}-${rng.hex(4)}`
  return {
    mdatpDeviceId: rng.hex(40),
    aadDeviceId: rng.chance(0.7) ? rng.guid() : null,
    deviceDnsName: `${host}.${domain.split('.')[0]}.corp`,
    osPlatform: os.osPlatform,
    version: os.version,
    osProcessor: 'x64',
    osBuild: os.osBuild,
    healthStatus: rng.pick(['Active', 'Active', 'Inactive', 'ImpairedCommunication']),
    riskScore: rng.pick(['None', 'Informational', 'Low', 'Medium', 'High']),
    ...rbacGroup(rng),
    firstSeen: at - rng.int(30, 900) * DAY,
    tags: rng.chance(0.3) ? [rng.pick(['Finance', 'Tier0', 'Kiosk'])] : [],
    defenderAvStatus: rng.pick(['Updated', 'Updated', 'NotUpdated']),
    onboardingStatus: 'Onboarded',
  }
}

const RBAC_GROUPS = [
  ['Servers', 9],
  ['Workstations', 12],
  ['UnassignedGroup', 1],
] as const

/** Device group: the docs' example carries rbacGroupId, a 2021 capture has rbacGroupName null and no id (§2.5, §3A). */
function rbacGroup(rng: Prng): { rbacGroupName: string | null; rbacGroupId: number | null } {
  if (!rng.chance(0.5)) return { rbacGroupName: null, rbacGroupId: null }
  const [rbacGroupName, rbacGroupId] = rng.pick(RBAC_GROUPS)
  return { rbacGroupName, rbacGroupId }
}

function newEntities(rng: Prng, kind: string, o: { user: string; domain: string; at: number; deviceId: string | undefined }): Entity[] {
  const base = () => ({ evidenceCreationTime: o.at, verdict: rng.pick(['Suspicious', 'Malicious', 'Unknown'] as const), remediationStatus: rng.pick(['None', 'None', 'Remediated', 'Prevented'] as const) })
  const upn = `${o.user}@${o.domain}`
  const userEntity: Entity = { entityType: 'User', ...base(), accountName: o.user, domainName: o.domain.split('.')[0]!.toUpperCase(), userSid: `S-1-5-21-${rng.int(1e8, 9e8)}-${rng.int(1e8, 9e8)}-${rng.int(1000, 9999)}`, aadUserId: rng.guid(), userPrincipalName: upn }
  const ip: Entity = { entityType: 'Ip', ...base(), ipAddress: `${rng.int(11, 223)}.${rng.int(0, 255)}.${rng.int(0, 255)}.${rng.int(1, 254)}` }
  const out: Entity[] = [userEntity]
  if (kind === 'endpoint') {
    const [fileName, folder] = rng.pick(FILES)
    const filePath = folder!.replace('{user}', o.user)
    out.push({ entityType: 'File', ...base(), sha1: rng.hex(40), sha256: rng.hex(64), fileName: fileName!, filePath, ...(o.deviceId && { deviceId: o.deviceId }) })
    out.push({ entityType: 'Process', ...base(), processId: rng.int(100, 65000), processCommandLine: `"${fileName}" ${rng.pick(['-enc SQBFAFgA', 'privilege::debug', '/s /q', '-nop -w hidden'])}`, processCreationTime: o.at, parentProcessId: rng.int(100, 65000), parentProcessCreationTime: o.at - 60_000, sha1: rng.hex(40), fileName: fileName!, filePath, ...(o.deviceId && { deviceId: o.deviceId }) })
    if (rng.chance(0.3)) out.push({ entityType: 'Registry', ...base(), registryHive: 'HKEY_LOCAL_MACHINE', registryKey: 'SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run', registryValueType: 'String', registryValue: filePath })
    if (rng.chance(0.5)) out.push(ip)
  } else if (kind === 'mail') {
    const sender = `billing@${rng.pick(DOMAINS)}`
    out.push({ entityType: 'Mailbox', ...base(), mailboxDisplayName: o.user.replace('.', ' '), mailboxAddress: upn, userPrincipalName: upn })
    out.push({ entityType: 'MailMessage', ...base(), sender, recipient: upn, subject: rng.pick(['Invoice overdue', 'Your password expires today', 'Shared document']), deliveryAction: rng.pick(['Delivered', 'Blocked', 'Junked']), internetMessageId: `<${rng.hex(16)}@${sender.split('@')[1]}>` })
    out.push({ entityType: 'Url', ...base(), url: `https://${rng.pick(DOMAINS)}/${rng.hex(8)}` })
    if (rng.chance(0.4)) out.push({ entityType: 'MailCluster', ...base(), clusterBy: 'Subject;P2SenderDomain;ContentType', clusterByValue: rng.hex(40), emailCount: rng.int(2, 120) })
  } else {
    out.push(ip)
  }
  return out
}

function humanize(category: string): string {
  const words = category.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase()
  return words.charAt(0).toUpperCase() + words.slice(1)
}

const SEVERITY_ORDER: Severity[] = ['UnSpecified', 'Informational', 'Low', 'Medium', 'High']
export function maxSeverity(values: Severity[]): Severity {
  return values.reduce<Severity>((m, s) => (SEVERITY_ORDER.indexOf(s) > SEVERITY_ORDER.indexOf(m) ? s : m), 'Informational')
}
