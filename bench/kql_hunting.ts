/**
 * KQL engine over 1,000,000 DeviceProcessEvents rows (all schema columns), each query beside a
 * hand-written JavaScript loop computing the same result on the same columnar data in the same run
 * (issue 5 §5; targets: ≤ 3× the loop, the rows held in ≤ 1 GB).
 *
 *   node --expose-gc --import tsx bench/kql_hunting.ts     (M365D_BENCH_KQL_ROWS=1000000)
 *
 * Queries:
 *   filter    DeviceProcessEvents | where FileName =~ "powershell.exe" and ProcessCommandLine has "-enc" | count
 *   summarize DeviceProcessEvents | summarize count() by DeviceName, bin(Timestamp, 1h) | count
 *   join      DeviceProcessEvents | where FileName =~ "powershell.exe"
 *             | join (DeviceNetworkEvents | where RemotePort == 4444) on DeviceId | count
 * The loops implement the same semantics (case-insensitive equality, `has` as a term match, bin
 * flooring, innerunique join that keeps the first left row per key).
 */
import { KqlEngine, loadSchema, type Column, type Table } from '../src/kql/index.js'

const ROWS = Number(process.env.M365D_BENCH_KQL_ROWS ?? 1_000_000)
const NET_ROWS = Math.max(1000, Math.floor(ROWS / 5))
const SCHEMA = loadSchema(process.env.KQL_SCHEMA ?? '/work/shared/kql/schema.json')
const NOW = Date.parse('2026-11-01T00:00:00Z')
const gc = (globalThis as { gc?: () => void }).gc

function rng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = Math.imul(a ^ (a >>> 15), a | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const FILES = ['powershell.exe', 'PowerShell.exe', 'cmd.exe', 'svchost.exe', 'rundll32.exe', 'explorer.exe', 'chrome.exe', 'msedge.exe', 'conhost.exe', 'wmiprvse.exe', 'taskhostw.exe', 'reg.exe', 'net.exe', 'certutil.exe', 'mshta.exe', 'wscript.exe', 'python.exe', 'git.exe', 'node.exe', 'code.exe', 'teams.exe', 'outlook.exe', 'winword.exe', 'excel.exe', 'msiexec.exe']
const COMMANDS = ['powershell.exe -nop -w hidden -enc SQBFAFgA', 'powershell.exe -File C:\\scripts\\inventory.ps1', 'cmd.exe /c whoami', 'svchost.exe -k netsvcs -p', 'powershell.exe -encodedcommand AAAA', 'rundll32.exe shell32.dll,Control_RunDLL', 'PowerShell -Enc ZQBjAGgAbwA=', 'git.exe fetch --all', 'node.exe server.js', 'reg.exe query HKLM\\Software']

/** A columnar table for `name` with every schema column; strings come from small pools (shared). */
function generate(name: string, rows: number, seed: number, devices: number): Table {
  const cols = SCHEMA.get(name)!
  const rnd = rng(seed)
  const deviceIds = Array.from({ length: devices }, (_, i) => `dev${i.toString(16).padStart(8, '0')}`)
  const deviceNames = deviceIds.map((_, i) => `ws-${i}.contoso.com`)
  const pools = new Map<string, string[]>()
  const pool = (c: Column): string[] => {
    let p = pools.get(c.name)
    if (!p) pools.set(c.name, (p = Array.from({ length: 64 }, (_, i) => `${c.name}-${i}`)))
    return p
  }
  const data = cols.map((c) => {
    const out = new Array<unknown>(rows)
    if (c.name === 'Timestamp') for (let i = 0; i < rows; i++) out[i] = NOW - Math.floor(rnd() * 7 * 86400000)
    else if (c.name === 'DeviceId') for (let i = 0; i < rows; i++) out[i] = deviceIds[Math.floor(rnd() * devices)]
    else if (c.name === 'DeviceName') for (let i = 0; i < rows; i++) out[i] = deviceNames[Math.floor(rnd() * devices)]
    else if (c.name === 'FileName') for (let i = 0; i < rows; i++) out[i] = FILES[Math.floor(rnd() * FILES.length)]
    else if (c.name === 'ProcessCommandLine') for (let i = 0; i < rows; i++) out[i] = COMMANDS[Math.floor(rnd() * COMMANDS.length)]
    else if (c.name === 'RemotePort') for (let i = 0; i < rows; i++) out[i] = [443, 80, 4444, 53, 445, 3389, 22, 8080][Math.floor(rnd() * 8)]
    else if (c.type === 'string') { const p = pool(c); for (let i = 0; i < rows; i++) out[i] = p[i & 63] }
    else if (c.type === 'long' || c.type === 'int') for (let i = 0; i < rows; i++) out[i] = i & 0xffff
    else if (c.type === 'datetime') for (let i = 0; i < rows; i++) out[i] = NOW - (i % 86400) * 1000
    else if (c.type === 'bool') for (let i = 0; i < rows; i++) out[i] = (i & 1) === 0
    else out.fill(null)
    return out
  })
  return { columns: cols, data, rowCount: rows }
}

const hasEnc = /(?:^|[^A-Za-z0-9])-enc(?![A-Za-z0-9])/i
function idx(t: Table, name: string): unknown[] {
  return t.data[t.columns.findIndex((c) => c.name === name)]!
}

function loopFilter(t: Table): number {
  const f = idx(t, 'FileName') as string[]
  const cmd = idx(t, 'ProcessCommandLine') as string[]
  let n = 0
  for (let i = 0; i < t.rowCount; i++) if (f[i]!.toLowerCase() === 'powershell.exe' && hasEnc.test(cmd[i]!)) n++
  return n
}
function loopSummarize(t: Table): number {
  const dev = idx(t, 'DeviceName') as string[]
  const ts = idx(t, 'Timestamp') as number[]
  const groups = new Map<string, number>()
  for (let i = 0; i < t.rowCount; i++) {
    const k = `${dev[i]}|${Math.floor(ts[i]! / 3600000) * 3600000}`
    groups.set(k, (groups.get(k) ?? 0) + 1)
  }
  return groups.size
}
function loopJoin(p: Table, net: Table): number {
  const f = idx(p, 'FileName') as string[]
  const pd = idx(p, 'DeviceId') as string[]
  const nd = idx(net, 'DeviceId') as string[]
  const port = idx(net, 'RemotePort') as number[]
  const right = new Map<string, number>()
  for (let i = 0; i < net.rowCount; i++) if (port[i] === 4444) right.set(nd[i]!, (right.get(nd[i]!) ?? 0) + 1)
  const seen = new Set<string>()
  let n = 0
  for (let i = 0; i < p.rowCount; i++) {
    if (f[i]!.toLowerCase() !== 'powershell.exe' || seen.has(pd[i]!)) continue
    seen.add(pd[i]!)
    n += right.get(pd[i]!) ?? 0
  }
  return n
}

function time(fn: () => number, runs = 5): { ms: number; result: number } {
  const samples: number[] = []
  let result = 0
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now()
    result = fn()
    samples.push(performance.now() - t0)
  }
  samples.sort((a, b) => a - b)
  return { ms: samples[Math.floor(samples.length / 2)]!, result }
}

gc?.()
const heap0 = process.memoryUsage().heapUsed
const proc = generate('DeviceProcessEvents', ROWS, 1, 5000)
gc?.()
const heap1 = process.memoryUsage().heapUsed
const net = generate('DeviceNetworkEvents', NET_ROWS, 2, 5000)
const engine = new KqlEngine({ schema: SCHEMA, tables: { DeviceProcessEvents: proc, DeviceNetworkEvents: net }, clock: { now: () => NOW, sleep: async () => {} } })

const cases: [string, string, () => number][] = [
  ['filter', 'DeviceProcessEvents | where FileName =~ "powershell.exe" and ProcessCommandLine has "-enc" | count', () => loopFilter(proc)],
  ['summarize', 'DeviceProcessEvents | summarize count() by DeviceName, bin(Timestamp, 1h) | count', () => loopSummarize(proc)],
  ['join', 'DeviceProcessEvents | where FileName =~ "powershell.exe" | join (DeviceNetworkEvents | where RemotePort == 4444) on DeviceId | count', () => loopJoin(proc, net)],
]
console.log(`DeviceProcessEvents: ${ROWS.toLocaleString('en')} rows × ${proc.columns.length} columns, heap ${((heap1 - heap0) / 1048576).toFixed(0)} MB; DeviceNetworkEvents: ${NET_ROWS.toLocaleString('en')} rows`)
console.log(`node ${process.version}, load average ${(await import('node:os')).loadavg().map((x) => x.toFixed(2)).join(' ')}`)
console.log('query      | engine ms | loop ms | ratio | rows (engine = loop)')
for (const [name, kql, loop] of cases) {
  const bound = engine.bind(kql)
  const e = time(() => bound.run().data[0]![0] as number)
  const l = time(loop)
  if (e.result !== l.result) throw new Error(`${name}: engine ${e.result} ≠ loop ${l.result}`)
  console.log(`${name.padEnd(10)} | ${e.ms.toFixed(1).padStart(9)} | ${l.ms.toFixed(1).padStart(7)} | ${(e.ms / l.ms).toFixed(2).padStart(5)} | ${e.result}`)
}
