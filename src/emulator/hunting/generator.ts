/**
 * Deterministic advanced-hunting data for one tenant (issue 5 §2): 30 days of events whose
 * devices, users, files, IPs and processes are those of the tenant's incidents in the Defender
 * store, so a hunt for an alert's evidence finds it (AlertInfo/AlertEvidence → DeviceProcessEvents,
 * DeviceNetworkEvents, DeviceFileEvents, DeviceLogonEvents, DeviceRegistryEvents, DeviceInfo,
 * EmailEvents, EmailUrlInfo, UrlClickEvents, IdentityLogonEvents), plus background noise on the
 * same devices and users. Same seed + tenant + incidents + `now` → same tables.
 */
import { createHash } from 'node:crypto'
import type { KqlSchema, Table } from '../../kql/index.js'
import { Prng, SOURCES, tenantSeed } from '../defender/generator.js'
import type { Alert, Entity, Incident } from '../defender/model.js'
import { TableSet, type Row } from './columns.js'

const DAY = 86_400_000

export interface HuntingDataOptions {
  tenantId: string
  domain: string
  seed: number
  now: number
  incidents: readonly Incident[]
  schema: KqlSchema
  /** Background rows across all tables (default 20,000); story rows come on top. */
  rows?: number
  /** Days of data before `now` (default 30, the documented lookback, defender-api.md §3.2). */
  days?: number
  /** Exact background row counts per table (overrides the split of `rows`; benchmarks use it). */
  rowsByTable?: Readonly<Record<string, number>>
}

/** How the background budget is split (roughly the mix of a real tenant's event volume). */
const SHARES: Record<string, number> = {
  DeviceProcessEvents: 0.26,
  DeviceNetworkEvents: 0.2,
  DeviceFileEvents: 0.12,
  DeviceEvents: 0.06,
  DeviceRegistryEvents: 0.06,
  DeviceLogonEvents: 0.07,
  DeviceImageLoadEvents: 0.04,
  EmailEvents: 0.07,
  IdentityLogonEvents: 0.05,
  CloudAppEvents: 0.03,
  AADSignInEventsBeta: 0.04,
}

const FIRST = ['anna', 'ben', 'chloe', 'dev', 'emil', 'farah', 'gus', 'hana', 'ivan', 'jade', 'kofi', 'lena', 'marco', 'nina', 'oscar']
const BENIGN = [
  { file: 'svchost.exe', folder: 'C:\\Windows\\System32', cmd: 'svchost.exe -k netsvcs -p -s Schedule', parent: 'services.exe' },
  { file: 'explorer.exe', folder: 'C:\\Windows', cmd: 'C:\\Windows\\Explorer.EXE', parent: 'userinit.exe' },
  { file: 'chrome.exe', folder: 'C:\\Program Files\\Google\\Chrome\\Application', cmd: '"chrome.exe" --type=renderer', parent: 'explorer.exe' },
  { file: 'msedge.exe', folder: 'C:\\Program Files (x86)\\Microsoft\\Edge\\Application', cmd: '"msedge.exe" --single-argument https://portal.office.com', parent: 'explorer.exe' },
  { file: 'ms-teams.exe', folder: 'C:\\Program Files\\WindowsApps\\MSTeams', cmd: '"ms-teams.exe" --system-initiated', parent: 'explorer.exe' },
  { file: 'powershell.exe', folder: 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0', cmd: 'powershell.exe -ExecutionPolicy RemoteSigned -File C:\\Scripts\\inventory.ps1', parent: 'svchost.exe' },
  // Management agents run encoded commands too: hunts for "-enc" must tell these from the attacks.
  { file: 'powershell.exe', folder: 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0', cmd: 'powershell.exe -NoProfile -NonInteractive -enc JABQAHIAbwBnAHIAZQBzAHMAUAByAGUAZgA=', parent: 'CcmExec.exe' },
  { file: 'cmd.exe', folder: 'C:\\Windows\\System32', cmd: 'cmd.exe /c ipconfig /all', parent: 'explorer.exe' },
  { file: 'conhost.exe', folder: 'C:\\Windows\\System32', cmd: 'conhost.exe 0xffffffff -ForceV1', parent: 'cmd.exe' },
  { file: 'conhost.exe', folder: 'C:\\Windows\\System32', cmd: 'conhost.exe 0xffffffff -ForceV1', parent: 'powershell.exe' },
  { file: 'whoami.exe', folder: 'C:\\Windows\\System32', cmd: 'whoami.exe /groups', parent: 'powershell.exe' },
  { file: 'WINWORD.EXE', folder: 'C:\\Program Files\\Microsoft Office\\root\\Office16', cmd: '"WINWORD.EXE" /n', parent: 'explorer.exe' },
  { file: 'OUTLOOK.EXE', folder: 'C:\\Program Files\\Microsoft Office\\root\\Office16', cmd: '"OUTLOOK.EXE"', parent: 'explorer.exe' },
  { file: 'MsMpEng.exe', folder: 'C:\\ProgramData\\Microsoft\\Windows Defender\\Platform', cmd: 'MsMpEng.exe', parent: 'services.exe' },
  { file: 'git.exe', folder: 'C:\\Program Files\\Git\\cmd', cmd: 'git.exe fetch --all', parent: 'cmd.exe' },
  // Admin tools hunting queries look at: benign uses, so queries have something to sift through.
  { file: 'net.exe', folder: 'C:\\Windows\\System32', cmd: 'net.exe use Z: \\\\fs01\\share', parent: 'cmd.exe' },
  { file: 'net.exe', folder: 'C:\\Windows\\System32', cmd: 'net.exe localgroup administrators', parent: 'cmd.exe' },
  { file: 'wmic.exe', folder: 'C:\\Windows\\System32\\wbem', cmd: 'wmic.exe os get caption', parent: 'cmd.exe' },
  { file: 'schtasks.exe', folder: 'C:\\Windows\\System32', cmd: 'schtasks.exe /query /fo LIST', parent: 'cmd.exe' },
  { file: 'reg.exe', folder: 'C:\\Windows\\System32', cmd: 'reg.exe query HKLM\\Software\\Microsoft\\Windows\\CurrentVersion\\Uninstall', parent: 'cmd.exe' },
  { file: 'certutil.exe', folder: 'C:\\Windows\\System32', cmd: 'certutil.exe -hashfile C:\\Temp\\setup.msi SHA256', parent: 'cmd.exe' },
  { file: 'rundll32.exe', folder: 'C:\\Windows\\System32', cmd: 'rundll32.exe shell32.dll,Control_RunDLL desk.cpl', parent: 'explorer.exe' },
  { file: 'msiexec.exe', folder: 'C:\\Windows\\System32', cmd: 'msiexec.exe /i C:\\Temp\\setup.msi /qn', parent: 'services.exe' },
  { file: 'netsh.exe', folder: 'C:\\Windows\\System32', cmd: 'netsh.exe wlan show interfaces', parent: 'cmd.exe' },
  { file: 'EXCEL.EXE', folder: 'C:\\Program Files\\Microsoft Office\\root\\Office16', cmd: '"EXCEL.EXE" /e', parent: 'explorer.exe' },
] as const
const REMOTE = [
  { ip: '52.96.10.4', url: 'outlook.office365.com', port: 443 },
  { ip: '13.107.42.14', url: 'login.microsoftonline.com', port: 443 },
  { ip: '20.190.128.1', url: 'graph.microsoft.com', port: 443 },
  { ip: '142.250.74.14', url: 'www.google.com', port: 443 },
  { ip: '140.82.121.3', url: 'github.com', port: 443 },
  { ip: '10.0.0.10', url: '', port: 445 },
  { ip: '10.0.0.11', url: '', port: 389 },
  { ip: '10.0.0.53', url: '', port: 53 },
] as const
const SENDERS = ['newsletter@contoso-news.example', 'it-support@{domain}', 'hr@{domain}', 'noreply@github.com', 'billing@vendor.example']
const SUBJECTS = ['Weekly report', 'Meeting notes', 'Your order has shipped', 'Team lunch', 'Quarterly results', 'Password policy reminder']
const DEPARTMENTS = ['Finance', 'Sales', 'Engineering', 'HR', 'IT', 'Legal']
const TITLES = ['Analyst', 'Engineer', 'Manager', 'Director', 'Administrator', 'Consultant']
const APPS = ['Microsoft Teams', 'Office 365 Exchange Online', 'Microsoft SharePoint Online', 'Azure Portal', 'OneDrive']

/** Stable fake hashes of a file name (the same binary has the same hash on every device). */
function hashes(name: string): { SHA1: string; SHA256: string; MD5: string } {
  const h = createHash('sha256').update(name.toLowerCase()).digest('hex')
  return { SHA256: h, SHA1: h.slice(0, 40), MD5: h.slice(24, 56) }
}

interface User {
  name: string
  upn: string
  sid: string
  objectId: string
}
interface Host {
  id: string
  name: string
  aadId: string
  os: string
  build: number
  ip: string
  user: User
}

export function generateHuntingData(o: HuntingDataOptions): Map<string, Table> {
  const rng = new Prng(tenantSeed(o.seed, o.tenantId) ^ 0x41b7)
  const tables = new TableSet(o.schema)
  const days = o.days ?? 30
  const from = o.now - days * DAY
  const netbios = o.domain.split('.')[0]!.toUpperCase()
  let reportId = 1
  const hashCache = new Map<string, ReturnType<typeof hashes>>()
  const hashOf = (f: string) => hashCache.get(f) ?? (hashCache.set(f, hashes(f)), hashCache.get(f)!)
  const newUser = (name: string, upn?: string, sid?: string, objectId?: string): User => ({
    name,
    upn: upn ?? `${name}@${o.domain}`,
    sid: sid ?? `S-1-5-21-${rng.int(1e8, 9e8)}-${rng.int(1e8, 9e8)}-${rng.int(1000, 9999)}`,
    objectId: objectId ?? rng.guid(),
  })

  // The cast: every user and device of the tenant's alerts, plus colleagues who only make noise.
  const users = new Map<string, User>()
  const hosts = new Map<string, Host>()
  const alerts = o.incidents.flatMap((i) => i.alerts).filter((a) => a.creationTime >= from && a.creationTime <= o.now)
  for (const a of o.incidents.flatMap((i) => i.alerts)) {
    for (const e of a.entities) if (e.entityType === 'User' && !users.has(String(e.accountName))) users.set(String(e.accountName), newUser(String(e.accountName), str(e.userPrincipalName), str(e.userSid), str(e.aadUserId)))
  }
  for (let i = 0; i < 15; i++) {
    const name = `${FIRST[i]}.${rng.pick(['ng', 'roy', 'diaz', 'berg', 'sato', 'adeyemi'])}`
    if (!users.has(name)) users.set(name, newUser(name))
  }
  const userList = [...users.values()]
  for (const a of o.incidents.flatMap((i) => i.alerts)) {
    const u = users.get(String(a.entities.find((e) => e.entityType === 'User')?.accountName)) ?? rng.pick(userList)
    for (const d of a.devices) if (!hosts.has(d.mdatpDeviceId)) hosts.set(d.mdatpDeviceId, { id: d.mdatpDeviceId, name: d.deviceDnsName, aadId: d.aadDeviceId ?? '', os: d.osPlatform, build: d.osBuild, ip: '', user: u })
  }
  for (let i = 0; i < 15; i++) {
    const id = rng.hex(40)
    hosts.set(id, { id, name: `${rng.pick(['ws', 'lt', 'srv'])}-${rng.hex(4)}.${o.domain.split('.')[0]}.corp`, aadId: rng.guid(), os: rng.pick(['Windows10', 'Windows11', 'WindowsServer2019']), build: rng.pick([19045, 22631, 17763]), ip: '', user: rng.pick(userList) })
  }
  const hostList = [...hosts.values()]
  hostList.forEach((h, i) => (h.ip = `10.0.${1 + (i >> 8)}.${(i % 250) + 2}`))

  const cached = <T extends object>(cache: Map<string, T>, key: string, make: () => T): T => cache.get(key) ?? (cache.set(key, make()), cache.get(key)!)
  const devices = new Map<string, Row>()
  const accounts = new Map<string, Row>()
  const parents = new Map<string, Row>()
  const images = new Map<string, Row>()
  const device = (h: Host) => cached(devices, h.id, () => ({ DeviceId: h.id, DeviceName: h.name }))
  const account = (u: User) => cached(accounts, u.name, () => ({ AccountName: u.name, AccountDomain: netbios, AccountSid: u.sid, AccountUpn: u.upn, AccountObjectId: u.objectId }))
  /** The initiating process: a shared part per (user, image, command line) plus its own id and start time. */
  const initiating = (u: User, file: string, cmd: string, pid: number, t: number, parent = 'explorer.exe'): Row[] => [
    cached(parents, `${u.name}|${file}|${cmd}|${parent}`, () => initiatingStatic(u, file, cmd, parent)),
    { InitiatingProcessId: pid, InitiatingProcessCreationTime: t - 5_000, InitiatingProcessParentId: pid - 4, InitiatingProcessLogonId: 999 + pid },
  ]
  const initiatingStatic = (u: User, file: string, cmd: string, parent: string): Row => {
    const h = hashOf(file)
    return {
      InitiatingProcessFileName: file, InitiatingProcessCommandLine: cmd,
      InitiatingProcessFolderPath: `C:\\Windows\\System32\\${file}`, InitiatingProcessSHA1: h.SHA1, InitiatingProcessSHA256: h.SHA256, InitiatingProcessMD5: h.MD5,
      InitiatingProcessParentFileName: parent, InitiatingProcessAccountName: u.name, InitiatingProcessAccountDomain: netbios,
      InitiatingProcessAccountSid: u.sid, InitiatingProcessAccountUpn: u.upn, InitiatingProcessAccountObjectId: u.objectId, InitiatingProcessIntegrityLevel: 'Medium',
      InitiatingProcessTokenElevation: 'TokenElevationTypeLimited',
    }
  }
  /** One row from shared parts (device, account, initiating process…) plus its own fields. */
  const add = (table: string, t: number, ...parts: Row[]) => tables.add(table, [{ Timestamp: t, ReportId: table.startsWith('Device') ? reportId++ : `${reportId++}` }, ...parts])

  // ── Stories: one set of events per alert, at the alert's time ────────────────────────────────
  for (const a of alerts) storyOf(a)

  function storyOf(a: Alert): void {
    const src = SOURCES[a.source]!
    const t = a.creationTime
    const user = a.entities.find((e) => e.entityType === 'User')
    const u = users.get(String(user?.accountName)) ?? rng.pick(userList)
    add('AlertInfo', t, { AlertId: a.alertId, Title: a.title, Category: a.category, Severity: a.severity, ServiceSource: src.product, DetectionSource: detectionSource(src.legacyDetection), AttackTechniques: JSON.stringify(a.mitreTechniques) })
    const evidence = (row: Row) => add('AlertEvidence', t, { AlertId: a.alertId, Title: a.title, Categories: JSON.stringify([a.category]), AttackTechniques: JSON.stringify(a.mitreTechniques), ServiceSource: src.product, DetectionSource: detectionSource(src.legacyDetection), Severity: a.severity, ...row })
    for (const d of a.devices) evidence({ EntityType: 'Machine', EvidenceRole: 'Impacted', DeviceId: d.mdatpDeviceId, DeviceName: d.deviceDnsName })
    for (const e of a.entities) evidence(evidenceRow(e))
    const h = a.devices[0] ? hosts.get(a.devices[0].mdatpDeviceId) : undefined
    const file = a.entities.find((e) => e.entityType === 'File')
    const proc = a.entities.find((e) => e.entityType === 'Process')
    const ip = a.entities.find((e) => e.entityType === 'Ip')
    if (h) {
      add('DeviceLogonEvents', a.firstActivity - 600_000, device(h), account(u), { ActionType: 'LogonSuccess', LogonType: 'Interactive', Protocol: 'Negotiate', IsLocalAdmin: false, LogonId: rng.int(1e5, 9e5) }, ...initiating(u, 'lsass.exe', 'lsass.exe', 700, t, 'wininit.exe'))
      if (file) {
        const path = `${str(file.filePath)}\\${str(file.fileName)}`
        add('DeviceFileEvents', a.firstActivity, device(h), { ActionType: 'FileCreated', FileName: file.fileName, FolderPath: path, SHA1: file.sha1, SHA256: file.sha256, FileSize: rng.int(2e4, 5e6), FileOriginUrl: ip ? `http://${str(ip.ipAddress)}/${str(file.fileName)}` : '', FileOriginIP: ip?.ipAddress ?? '' }, ...initiating(u, 'msedge.exe', '"msedge.exe"', rng.int(1000, 60000), t))
      }
      if (proc) {
        const f = str(proc.fileName)
        add('DeviceProcessEvents', t, device(h), account(u), { ActionType: 'ProcessCreated', FileName: f, FolderPath: `${str(proc.filePath)}\\${f}`, SHA1: proc.sha1, SHA256: file?.sha256 ?? hashOf(f).SHA256, MD5: hashOf(f).MD5, ProcessId: proc.processId, ProcessCommandLine: proc.processCommandLine, ProcessCreationTime: t, ProcessIntegrityLevel: 'High', ProcessTokenElevation: 'TokenElevationTypeFull' }, ...initiating(u, 'cmd.exe', 'cmd.exe /c start ' + f, Number(proc.parentProcessId), t))
        if (ip) add('DeviceNetworkEvents', t + 30_000, device(h), { ActionType: 'ConnectionSuccess', RemoteIP: ip.ipAddress, RemotePort: 443, RemoteUrl: '', LocalIP: h.ip, LocalPort: rng.int(49152, 65535), Protocol: 'Tcp', LocalIPType: 'Private', RemoteIPType: 'Public' }, ...initiating(u, f, str(proc.processCommandLine), Number(proc.processId), t))
      }
      const reg = a.entities.find((e) => e.entityType === 'Registry')
      if (reg) add('DeviceRegistryEvents', t + 60_000, device(h), { ActionType: 'RegistryValueSet', RegistryKey: `${str(reg.registryHive)}\\${str(reg.registryKey)}`, RegistryValueName: 'Updater', RegistryValueType: 'String', RegistryValueData: reg.registryValue }, ...initiating(u, str(proc?.fileName) || 'reg.exe', 'reg add', rng.int(1000, 60000), t))
    }
    const mail = a.entities.find((e) => e.entityType === 'MailMessage')
    if (mail) {
      const nmid = rng.guid()
      const sender = str(mail.sender)
      const url = a.entities.find((e) => e.entityType === 'Url')
      add('EmailEvents', a.firstActivity, { NetworkMessageId: nmid, InternetMessageId: mail.internetMessageId, SenderFromAddress: sender, SenderMailFromAddress: sender, SenderFromDomain: sender.split('@')[1], SenderMailFromDomain: sender.split('@')[1], SenderDisplayName: 'Billing', SenderIPv4: `203.0.113.${rng.int(2, 250)}`, RecipientEmailAddress: mail.recipient, RecipientObjectId: u.objectId, Subject: mail.subject, EmailDirection: 'Inbound', DeliveryAction: mail.deliveryAction, DeliveryLocation: mail.deliveryAction === 'Delivered' ? 'Inbox/folder' : mail.deliveryAction === 'Junked' ? 'Junk folder' : 'Quarantine', ThreatTypes: a.threatFamilyName ? 'Malware' : 'Phish', ThreatNames: a.threatFamilyName ?? '', DetectionMethods: JSON.stringify({ Phish: ['URL detonation reputation'] }), UrlCount: url ? 1 : 0, AttachmentCount: a.threatFamilyName ? 1 : 0, EmailLanguage: 'en', LatestDeliveryAction: mail.deliveryAction, LatestDeliveryLocation: 'Quarantine' })
      if (url) {
        add('EmailUrlInfo', a.firstActivity, { NetworkMessageId: nmid, Url: url.url, UrlDomain: new URL(str(url.url)).hostname, UrlLocation: 'Body' })
        if (a.title.startsWith('User clicked')) add('UrlClickEvents', t, { Url: url.url, ActionType: 'ClickAllowed', AccountUpn: u.upn, Workload: 'Email', NetworkMessageId: nmid, IPAddress: `198.51.100.${rng.int(2, 250)}`, IsClickedThrough: true, UrlChain: JSON.stringify([url.url]) })
      }
    }
    if (src.kind === 'identity') {
      const addr = str(ip?.ipAddress) || `198.51.100.${rng.int(2, 250)}`
      const failures = a.title.startsWith('Suspected brute-force') ? 30 : 1
      for (let i = 0; i < failures; i++) add('IdentityLogonEvents', a.firstActivity + i * 20_000, { ActionType: 'LogonFailed', Application: 'Active Directory', LogonType: 'Credentials validation', Protocol: 'Kerberos', FailureReason: 'WrongPassword' }, identity(u), { IPAddress: addr, Port: 88, DestinationDeviceName: `dc01.${o.domain.split('.')[0]}.corp`, DestinationPort: 88 })
      add('IdentityLogonEvents', t, { ActionType: 'LogonSuccess', Application: 'Microsoft 365', LogonType: 'Interactive', Protocol: 'OAuth2' }, identity(u), { IPAddress: addr, Location: rng.pick(['NL', 'BR', 'VN', 'US']), Isp: 'Example ISP' })
      if (a.title.startsWith('Mass download')) for (let i = 0; i < 20; i++) add('CloudAppEvents', t + i * 5_000, { ActionType: 'FileDownloaded', Application: 'Microsoft SharePoint Online', ApplicationId: 20892, AccountObjectId: u.objectId, AccountDisplayName: u.name, AccountId: u.objectId, IPAddress: addr, ObjectName: `Q${rng.int(1, 4)}-plan-${i}.xlsx`, ObjectType: 'File' })
    }
  }

  function evidenceRow(e: Entity): Row {
    switch (e.entityType) {
      case 'User': return { EntityType: 'User', EvidenceRole: 'Impacted', AccountName: e.accountName, AccountDomain: netbios, AccountSid: e.userSid, AccountObjectId: e.aadUserId, AccountUpn: e.userPrincipalName }
      case 'File': return { EntityType: 'File', EvidenceRole: 'Related', FileName: e.fileName, FolderPath: `${str(e.filePath)}\\${str(e.fileName)}`, SHA1: e.sha1, SHA256: e.sha256, DeviceId: e.deviceId ?? '' }
      case 'Process': return { EntityType: 'Process', EvidenceRole: 'Related', FileName: e.fileName, FolderPath: `${str(e.filePath)}\\${str(e.fileName)}`, SHA1: e.sha1, ProcessCommandLine: e.processCommandLine, DeviceId: e.deviceId ?? '' }
      case 'Ip': return { EntityType: 'Ip', EvidenceRole: 'Related', RemoteIP: e.ipAddress }
      case 'Url': return { EntityType: 'Url', EvidenceRole: 'Related', RemoteUrl: e.url }
      case 'Registry': return { EntityType: 'RegistryValue', EvidenceRole: 'Related', RegistryKey: `${str(e.registryHive)}\\${str(e.registryKey)}`, RegistryValueName: 'Updater', RegistryValueData: e.registryValue }
      case 'MailMessage': return { EntityType: 'MailMessage', EvidenceRole: 'Impacted', EmailSubject: e.subject, AccountUpn: e.recipient }
      case 'Mailbox': return { EntityType: 'Mailbox', EvidenceRole: 'Impacted', AccountUpn: e.mailboxAddress, AccountName: str(e.mailboxAddress).split('@')[0] }
      default: return { EntityType: e.entityType, EvidenceRole: 'Related', AdditionalFields: JSON.stringify(e) }
    }
  }

  function identity(u: User): Row {
    return { AccountName: u.name, AccountDomain: o.domain, AccountUpn: u.upn, AccountSid: u.sid, AccountObjectId: u.objectId, AccountDisplayName: u.name.replace('.', ' ') }
  }

  // ── Background noise on the same devices and users ────────────────────────────────────────────
  const budget = o.rows ?? 20_000
  const countFor = (table: string) => o.rowsByTable ? (o.rowsByTable[table] ?? 0) : Math.round(budget * (SHARES[table] ?? 0))
  const at = () => from + Math.floor(rng.next() * (o.now - from))
  const noise: Record<string, (t: number, h: Host) => Row[]> = {
    DeviceProcessEvents: (t, h) => {
      const b = rng.pick(BENIGN)
      const hs = hashOf(b.file)
      return [device(h), account(h.user), cached(images, b.cmd, () => ({ ActionType: 'ProcessCreated', FileName: b.file, FolderPath: `${b.folder}\\${b.file}`, ProcessCommandLine: b.cmd })), hs, { FileSize: 100_000 + (hs.SHA1.charCodeAt(0) << 12), ProcessId: rng.int(1000, 65000), ProcessCreationTime: t, ProcessIntegrityLevel: 'Medium', ProcessTokenElevation: 'TokenElevationTypeLimited' }, ...initiating(h.user, b.parent, b.parent, rng.int(500, 9000), t, 'explorer.exe')]
    },
    DeviceNetworkEvents: (t, h) => {
      const r = rng.pick(REMOTE)
      const b = rng.pick(BENIGN)
      return [device(h), { ActionType: rng.chance(0.85) ? 'ConnectionSuccess' : rng.pick(['ConnectionFailed', 'InboundConnectionAccepted', 'ListeningConnectionCreated']), RemoteIP: r.ip, RemotePort: r.port, RemoteUrl: r.url, LocalIP: h.ip, LocalPort: rng.int(49152, 65535), Protocol: 'Tcp', LocalIPType: 'Private', RemoteIPType: r.ip.startsWith('10.') ? 'Private' : 'Public' }, ...initiating(h.user, b.file, b.cmd, rng.int(1000, 65000), t)]
    },
    DeviceFileEvents: (t, h) => {
      const name = `${rng.pick(['report', 'notes', 'budget', 'photo', 'setup'])}_${rng.int(1, 999)}.${rng.pick(['docx', 'xlsx', 'pdf', 'jpg', 'msi'])}`
      return [device(h), { ActionType: rng.pick(['FileCreated', 'FileModified', 'FileRenamed', 'FileDeleted']), FileName: name, FolderPath: `C:\\Users\\${h.user.name}\\Documents\\${name}` }, hashOf(name), { FileSize: rng.int(1000, 9e6) }, ...initiating(h.user, 'explorer.exe', 'C:\\Windows\\Explorer.EXE', rng.int(1000, 65000), t)]
    },
    DeviceEvents: (t, h) => [device(h), { ActionType: rng.pick(['PowerShellCommand', 'AntivirusScanCompleted', 'UsbDriveMounted', 'BrowserLaunchedToOpenUrl', 'DnsQueryResponse', 'SmartScreenUrlWarning', 'PnpDeviceConnected', 'NamedPipeEvent', 'OpenProcessApiCall', 'ScheduledTaskCreated']), AccountName: h.user.name, AccountDomain: netbios, AdditionalFields: JSON.stringify({ Command: 'Get-Process' }) }, ...initiating(h.user, 'powershell.exe', 'powershell.exe', rng.int(1000, 65000), t)],
    DeviceRegistryEvents: (t, h) => [device(h), { ActionType: 'RegistryValueSet', RegistryKey: 'HKEY_CURRENT_USER\\Software\\Microsoft\\Office\\16.0\\Common', RegistryValueName: 'LastUsed', RegistryValueType: 'Dword', RegistryValueData: String(rng.int(0, 100)) }, ...initiating(h.user, 'WINWORD.EXE', '"WINWORD.EXE" /n', rng.int(1000, 65000), t)],
    DeviceLogonEvents: (t, h) => {
      const ok = rng.chance(0.93)
      return [device(h), account(h.user), { ActionType: ok ? 'LogonSuccess' : 'LogonFailed', LogonType: rng.pick(['Interactive', 'Network', 'RemoteInteractive', 'Unlock']), Protocol: rng.pick(['Kerberos', 'NTLM', 'Negotiate']), FailureReason: ok ? '' : 'InvalidUserNameOrPassword', IsLocalAdmin: rng.chance(0.1), LogonId: rng.int(1e5, 9e5), RemoteIP: rng.chance(0.3) ? rng.pick(hostList).ip : '' }, ...initiating(h.user, 'lsass.exe', 'lsass.exe', 700, t, 'wininit.exe')]
    },
    DeviceImageLoadEvents: (t, h) => [device(h), { ActionType: 'ImageLoaded', FileName: rng.pick(['ntdll.dll', 'kernel32.dll', 'amsi.dll', 'clr.dll']), FolderPath: 'C:\\Windows\\System32' }, ...initiating(h.user, 'powershell.exe', 'powershell.exe', rng.int(1000, 65000), t)],
    EmailEvents: (t, h) => {
      const sender = rng.pick(SENDERS).replace('{domain}', o.domain)
      return [{ NetworkMessageId: rng.guid(), InternetMessageId: `<${rng.hex(16)}@${sender.split('@')[1]}>`, SenderFromAddress: sender, SenderMailFromAddress: sender, SenderFromDomain: sender.split('@')[1], SenderMailFromDomain: sender.split('@')[1], RecipientEmailAddress: h.user.upn, RecipientObjectId: h.user.objectId, Subject: rng.pick(SUBJECTS), EmailDirection: sender.endsWith(o.domain) ? 'Intra-org' : 'Inbound', DeliveryAction: 'Delivered', DeliveryLocation: 'Inbox/folder', ThreatTypes: '', BulkComplaintLevel: rng.int(0, 7), UrlCount: rng.int(0, 3), AttachmentCount: rng.int(0, 1), EmailLanguage: 'en', LatestDeliveryAction: 'Delivered', LatestDeliveryLocation: 'Inbox/folder' }]
    },
    IdentityLogonEvents: (t, h) => [{ ActionType: rng.chance(0.95) ? 'LogonSuccess' : 'LogonFailed', Application: 'Active Directory', LogonType: 'Resource access', Protocol: 'Kerberos' }, identity(h.user), { DeviceName: h.name, IPAddress: h.ip, Port: 88, DestinationDeviceName: `dc01.${o.domain.split('.')[0]}.corp`, DestinationPort: 88 }],
    CloudAppEvents: (t, h) => [{ ActionType: rng.pick(['FileAccessed', 'MailItemsAccessed', 'FileUploaded']), Application: rng.pick(APPS), ApplicationId: rng.int(10000, 30000), AccountObjectId: h.user.objectId, AccountDisplayName: h.user.name, AccountId: h.user.objectId, IPAddress: `52.${rng.int(0, 255)}.${rng.int(0, 255)}.${rng.int(1, 254)}`, ObjectType: 'File' }],
    AADSignInEventsBeta: (t, h) => [{ Application: rng.pick(APPS), ApplicationId: rng.guid(), LogonType: '["interactiveUser"]', ErrorCode: rng.chance(0.9) ? 0 : 50126, AccountObjectId: h.user.objectId, AccountUpn: h.user.upn, AccountDisplayName: h.user.name, DeviceName: h.name, AadDeviceId: h.aadId, OSPlatform: h.os, IPAddress: `52.${rng.int(0, 255)}.${rng.int(0, 255)}.${rng.int(1, 254)}`, Country: 'US', ReportId: rng.guid() }],
  }
  const names = o.rowsByTable ? Object.keys(o.rowsByTable) : Object.keys(SHARES)
  for (const table of names) {
    const make = noise[table]
    if (!make) continue
    const n = countFor(table)
    for (let i = 0; i < n; i++) {
      const t = at()
      add(table, t, ...make(t, rng.pick(hostList)))
    }
  }
  // IdentityInfo: a weekly snapshot per user (the table hunts join on for department and title).
  if (!o.rowsByTable || 'IdentityInfo' in o.rowsByTable) {
    for (const u of userList) {
      const [given, sur] = u.name.split('.')
      for (let d = 0; d < days; d += 7)
        add('IdentityInfo', from + d * DAY + 3_600_000, { AccountObjectId: u.objectId, AccountUpn: u.upn, OnPremSid: u.sid, AccountDisplayName: u.name.replace('.', ' '), AccountName: u.name, AccountDomain: o.domain, GivenName: given ?? '', Surname: sur ?? '', Department: DEPARTMENTS[u.name.length % DEPARTMENTS.length], JobTitle: TITLES[u.name.charCodeAt(0) % TITLES.length], EmailAddress: u.upn, IsAccountEnabled: true, Type: 'User', SourceProviders: ['ActiveDirectory', 'AzureActiveDirectory'], CriticalityLevel: 0 })
    }
  }
  // DeviceInfo: one report per device per day ("complete reports are sent every hour", §3.7; daily keeps it small).
  if (!o.rowsByTable || 'DeviceInfo' in o.rowsByTable) {
    for (const h of hostList) {
      for (let d = 0; d < days; d++) {
        const t = from + d * DAY + (h.id.charCodeAt(0) % 60) * 60_000
        add('DeviceInfo', t, device(h), { ClientVersion: '10.8760.19045.1', PublicIP: `203.0.113.${(h.id.charCodeAt(1) % 200) + 2}`, OSArchitecture: '64-bit', OSPlatform: h.os, OSBuild: h.build, IsAzureADJoined: h.aadId !== '', JoinType: h.aadId ? 'Hybrid Azure AD Join' : 'Domain Joined', AadDeviceId: h.aadId, LoggedOnUsers: JSON.stringify([{ UserName: h.user.name, DomainName: netbios, Sid: h.user.sid }]), OSVersion: '10.0', MachineGroup: 'UnassignedGroup', OnboardingStatus: 'Onboarded', DeviceCategory: 'Endpoint', DeviceType: h.name.startsWith('srv') || h.name.startsWith('dc') ? 'Server' : 'Workstation', SensorHealthState: 'Active', ExposureLevel: 'Medium', AssetValue: 'Normal' })
      }
    }
  }
  return tables.build()
}

/** AlertInfo.DetectionSource spells sources as the portal does. */
function detectionSource(legacy: string): string {
  return ({ WindowsDefenderAv: 'Antivirus', WindowsDefenderAtp: 'EDR', OfficeATP: 'Microsoft Defender for Office 365', MCAS: 'Microsoft Defender for Cloud Apps', AzureATP: 'Microsoft Defender for Identity', AutomatedInvestigation: 'Automated investigation' } as Record<string, string>)[legacy] ?? legacy
}

function str(v: unknown): string {
  return v === undefined || v === null ? '' : String(v)
}
