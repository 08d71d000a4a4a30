/**
 * The KQL engine over 1,000,000 DeviceProcessEvents rows (and 200,000 DeviceNetworkEvents rows for
 * the join), from the emulator's hunting generator, beside hand-written JavaScript loops that compute
 * the same results over the same columnar arrays in the same run (issue 5 §5). Rounds alternate
 * engine/loop; medians are compared. Targets: engine ≤ 3× the loop; the 1M rows held in ≤ 1 GB.
 *
 *   node --import tsx bench/kql_engine.ts [--rows 1000000] [--network 200000] [--rounds 5]
 *
 * With `--corpus FILE.jsonl` it instead sends every query of the corpus (one {"query"} per line, e.g.
 * /work/shared/kql/queries.jsonl) to the emulator's legacy hunting endpoint and reports how many
 * answer 200, how many return rows, and the top error messages.
 *
 * Heap is measured with a forced GC before and after generating each table (gc exposed at run time).
 */
import { availableParallelism, loadavg } from 'node:os'
import { performance } from 'node:perf_hooks'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { generateHuntingData, huntingSchema } from '../src/emulator/hunting/index.js'
import { KqlEngine, type Table } from '../src/kql/index.js'

if (process.argv.includes('--corpus')) {
  await corpus(process.argv[process.argv.indexOf('--corpus') + 1]!)
  process.exit(0)
}

async function corpus(path: string): Promise<void> {
  const { readFileSync } = await import('node:fs')
  const { createEmulator, WELL_KNOWN: W } = await import('../src/emulator/index.js')
  const { huntingOf } = await import('../src/emulator/hunting/index.js')
  const emu = await createEmulator()
  huntingOf(emu).configure({ limits: { enabled: false } })
  const tokenResponse = await emu.fetch(`http://emulator/${W.contosoTenantId}/oauth2/v2.0/token`, { method: 'POST', body: new URLSearchParams({ grant_type: 'client_credentials', client_id: W.clientId, client_secret: W.clientSecret, scope: 'https://api.security.microsoft.com/.default' }) })
  const token = ((await tokenResponse.json()) as { access_token: string }).access_token
  const queries = readFileSync(path, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { query: string }).query)
  let ok = 0
  let rows = 0
  const reasons = new Map<string, number>()
  const t0 = performance.now()
  for (const query of queries) {
    const r = await emu.fetch('http://emulator/api/advancedhunting/run', { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: JSON.stringify({ Query: query }) })
    const body = (await r.json()) as { Results?: unknown[]; error?: { message?: string } }
    if (r.status === 200) {
      ok++
      if (body.Results!.length > 0) rows++
    } else {
      const reason = `${r.status} ${String(body.error?.message).replace(/ \(line \d+, column \d+\)$/, '').replace(/'[^']*'/g, "'…'").slice(0, 90)}`
      reasons.set(reason, (reasons.get(reason) ?? 0) + 1)
    }
  }
  const pct = (n: number) => `${((100 * n) / queries.length).toFixed(1)} %`
  console.log(`${queries.length} queries in ${((performance.now() - t0) / 1000).toFixed(1)} s: 200 for ${ok} (${pct(ok)}), rows for ${rows} (${pct(rows)})`)
  for (const [reason, n] of [...reasons].sort((a, b) => b[1] - a[1]).slice(0, 10)) console.log(`  ${n} × ${reason}`)
}

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void
const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`)
  return i > 0 ? process.argv[i + 1]! : fallback
}
const ROWS = Number(arg('rows', '1000000'))
const NETWORK = Number(arg('network', '200000'))
const ROUNDS = Number(arg('rounds', '5'))
const DEADLINE = performance.now() + 170_000
const now = Date.parse('2026-11-01T00:00:00Z')

function heapMb(): number {
  gc()
  gc()
  return process.memoryUsage().heapUsed / 2 ** 20
}

function generate(table: string, rows: number): { table: Table; ms: number; mb: number } {
  const before = heapMb()
  const t0 = performance.now()
  const t = generateHuntingData({ tenantId: 'bench', domain: 'contoso.com', seed: 1, now, incidents: [], schema: huntingSchema(), rowsByTable: { [table]: rows } }).get(table)!
  const ms = performance.now() - t0
  return { table: t, ms, mb: heapMb() - before }
}

const dpe = generate('DeviceProcessEvents', ROWS)
const dne = generate('DeviceNetworkEvents', NETWORK)
console.log(`generated DeviceProcessEvents: ${dpe.table.rowCount} rows × ${dpe.table.columns.length} columns in ${(dpe.ms / 1000).toFixed(1)} s, heap ${dpe.mb.toFixed(0)} MB (${((dpe.mb * 2 ** 20) / dpe.table.rowCount).toFixed(0)} B/row)`)
console.log(`generated DeviceNetworkEvents: ${dne.table.rowCount} rows × ${dne.table.columns.length} columns in ${(dne.ms / 1000).toFixed(1)} s, heap ${dne.mb.toFixed(0)} MB`)

const tables: Record<string, Table> = { DeviceProcessEvents: dpe.table, DeviceNetworkEvents: dne.table }
const engine = new KqlEngine({ schema: huntingSchema(), tables, clock: { now: () => now, sleep: async () => {} } })
const col = (t: Table, name: string) => t.data[t.columns.findIndex((c) => c.name === name)]! as unknown[]

/** Kusto `has` for a needle like "-enc": the text contains it and the needle's alphanumeric edges are term edges. */
function hasTerm(text: string, needle: string): boolean {
  const lower = text.toLowerCase()
  const edgeStart = isAlnum(needle.charCodeAt(0))
  const edgeEnd = isAlnum(needle.charCodeAt(needle.length - 1))
  for (let i = lower.indexOf(needle); i >= 0; i = lower.indexOf(needle, i + 1)) {
    if ((!edgeStart || i === 0 || !isAlnum(lower.charCodeAt(i - 1))) && (!edgeEnd || !isAlnum(lower.charCodeAt(i + needle.length)))) return true
  }
  return false
}

/** Letters, digits, `_`, and anything non-ASCII (NaN past the end is not). */
function isAlnum(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c > 127
}

interface Case {
  name: string
  kql: string
  loop: () => number
}
const FILTER = 'DeviceProcessEvents | where FileName =~ "powershell.exe" and ProcessCommandLine has "-enc"'
const cases: Case[] = [
  {
    name: 'filter (=~ and has), all 68 columns of the matching rows',
    kql: FILTER,
    loop: () => {
      const t = dpe.table
      const file = col(t, 'FileName') as string[]
      const cmd = col(t, 'ProcessCommandLine') as string[]
      const idx: number[] = []
      for (let r = 0; r < t.rowCount; r++) {
        const f = file[r]!
        if (f.length === 14 && f.toLowerCase() === 'powershell.exe' && hasTerm(cmd[r]!, '-enc')) idx.push(r)
      }
      const out = t.data.map((c) => idx.map((i) => c[i]))
      return out[0]!.length
    },
  },
  {
    name: 'summarize count() by DeviceName, bin(Timestamp, 1h)',
    kql: 'DeviceProcessEvents | summarize count() by DeviceName, bin(Timestamp, 1h)',
    loop: () => {
      const t = dpe.table
      const name = col(t, 'DeviceName') as string[]
      const ts = col(t, 'Timestamp') as number[]
      const groups = new Map<string, Map<number, number>>()
      for (let r = 0; r < t.rowCount; r++) {
        let g = groups.get(name[r]!)
        if (!g) groups.set(name[r]!, (g = new Map()))
        const h = Math.floor(ts[r]! / 3_600_000) * 3_600_000
        g.set(h, (g.get(h) ?? 0) + 1)
      }
      let n = 0
      for (const g of groups.values()) n += g.size
      return n
    },
  },
  {
    name: 'join: encoded commands × their network connections (on DeviceId and process id)',
    kql: 'DeviceProcessEvents | where ProcessCommandLine has "-enc" | project DeviceId, ProcessId | join kind=inner (DeviceNetworkEvents | project DeviceId, InitiatingProcessId, RemoteIP) on DeviceId, $left.ProcessId == $right.InitiatingProcessId',
    loop: () => {
      const l = dpe.table
      const r = dne.table
      const lDev = col(l, 'DeviceId') as string[]
      const lPid = col(l, 'ProcessId') as number[]
      const lCmd = col(l, 'ProcessCommandLine') as string[]
      const rDev = col(r, 'DeviceId') as string[]
      const rPid = col(r, 'InitiatingProcessId') as number[]
      const rIp = col(r, 'RemoteIP') as string[]
      const index = new Map<string, number[]>()
      for (let i = 0; i < r.rowCount; i++) {
        const k = `${rDev[i]}|${rPid[i]}`
        const list = index.get(k)
        if (list) list.push(i)
        else index.set(k, [i])
      }
      const out: unknown[][] = [[], [], [], [], []]
      for (let i = 0; i < l.rowCount; i++) {
        if (!hasTerm(lCmd[i]!, '-enc')) continue
        const m = index.get(`${lDev[i]}|${lPid[i]}`)
        if (!m) continue
        for (const j of m) {
          out[0]!.push(lDev[i])
          out[1]!.push(lPid[i])
          out[2]!.push(rDev[j])
          out[3]!.push(rPid[j])
          out[4]!.push(rIp[j])
        }
      }
      return out[0]!.length
    },
  },
]

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
console.log(`node ${process.version}, ${availableParallelism()} CPUs, load ${loadavg()[0]!.toFixed(2)}; ${ROUNDS} alternating rounds, medians`)
let worst = 0
for (const c of cases) {
  const bound = engine.bind(c.kql)
  const engineMs: number[] = []
  const loopMs: number[] = []
  let engineRows = -1
  let loopRows = -1
  for (let round = 0; round < ROUNDS && performance.now() < DEADLINE; round++) {
    let t0 = performance.now()
    engineRows = bound.run().rowCount
    engineMs.push(performance.now() - t0)
    t0 = performance.now()
    loopRows = c.loop()
    loopMs.push(performance.now() - t0)
  }
  if (engineRows !== loopRows) console.log(`  MISMATCH: engine ${engineRows} rows, loop ${loopRows} rows`)
  const ratio = median(engineMs) / median(loopMs)
  worst = Math.max(worst, ratio)
  console.log(`${c.name}\n  rows ${engineRows}; engine ${median(engineMs).toFixed(1)} ms, loop ${median(loopMs).toFixed(1)} ms, ratio ${ratio.toFixed(2)}× (target ≤ 3×)`)
}
console.log(`worst ratio ${worst.toFixed(2)}× (target ≤ 3×); DeviceProcessEvents heap ${dpe.mb.toFixed(0)} MB (target ≤ 1024 MB)`)
