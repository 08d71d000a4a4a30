/**
 * -o/--output and --query on EVERY command that prints data (issue 11 §3), each run as a
 * subprocess against the emulator on a real port. The command list comes from the registry: a new
 * command that is neither exercised here nor listed with a reason in NOT_DATA fails the test.
 */
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { parse as parseYaml } from 'yaml'
import { commands } from '../../../src/cli/commands/index.js'
import type { Command } from '../../../src/cli/command.js'
import { createEmulator, serve, WELL_KNOWN, type RunningEmulator } from '../../../src/emulator/index.js'
import { collectLogs, emulatorEnv } from '../../sync/process/_rig.js'
import { runCli, startCli, tempDir, type CliResult } from '../_cli.js'
import { parseCsv } from './_csv.js'

const FORMATS = ['json', 'jsonc', 'yaml', 'table', 'tsv', 'csv', 'ndjson'] as const

/** Runnable commands that print no data document, and why. */
const NOT_DATA: Record<string, string> = {
  'config set': 'writes the config file; says what it did on stderr, stdout stays empty',
  'config unset': 'as config set',
  'config use': 'as config set',
  start: 'a long-running live view (test/cli/start.test.ts)',
  sync: 'the daemon; its --once summary is tested in test/cli/sync_once.test.ts',
  demo: 'starts its own emulator on a port; -o json tested in test/cli/commands/demo.test.ts',
  completion: 'prints a shell script (test/cli/completion.test.ts)',
}

let server: RunningEmulator
let daemon: ReturnType<typeof startCli>
let env: Record<string, string>
let incident: string
/** Command lines (after `m365d`) that print data; `setup` runs before each run of a command that is not repeatable. */
let DATA: { args: string[]; setup?: string[] }[] = []

const run = (args: string[]) => runCli(args, { env })

/** Runs jobs `limit` at a time: dozens of node children at once would crawl on a 2-core machine. */
async function pool<T, R>(items: T[], limit: number, job: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = []
  let next = 0
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) {
        const i = next++
        out[i] = await job(items[i]!)
      }
    }),
  )
  return out
}

async function commandPaths(): Promise<string[]> {
  const paths: string[] = []
  const walk = (c: Command<any>, path: string) => {
    if (c.run) paths.push(path)
    for (const s of c.subCommands ?? []) walk(s, `${path} ${s.name}`)
  }
  for (const load of Object.values(commands)) {
    const c = (await load()).default
    walk(c, c.name)
  }
  return paths
}

/** Lists by type (a comment command's list grows run by run), objects by their keys. */
const shape = (doc: unknown) => (Array.isArray(doc) ? 'a list' : Object.keys(doc as object))

/** What each format must be, whatever the command. */
function checkFormat(format: (typeof FORMATS)[number], r: CliResult, json: unknown, where: string): void {
  assert.equal(r.code, 0, `${where}: ${r.stderr}`)
  assert.doesNotMatch(r.stdout, /\u001b/, `${where}: escape codes in piped output`)
  assert.ok(r.stdout.endsWith('\n') || r.stdout === '', `${where}: ends with a newline`)
  const lines = r.stdout.split('\n').slice(0, -1)
  switch (format) {
    case 'json':
    case 'jsonc':
      assert.deepEqual(shape(JSON.parse(r.stdout)), shape(json), where)
      break
    case 'yaml':
      assert.deepEqual(shape(parseYaml(r.stdout)), shape(json), where)
      break
    case 'ndjson':
      for (const l of lines) assert.equal(typeof JSON.parse(l), 'object', `${where}: ${l.slice(0, 80)}`)
      break
    case 'csv': {
      const rows = parseCsv(r.stdout)
      assert.ok(rows.length >= 1, `${where}: no header`)
      for (const row of rows) assert.equal(row.length, rows[0]!.length, `${where}: ragged csv row ${row.join('|').slice(0, 80)}`)
      break
    }
    case 'tsv': {
      const width = lines[0]?.split('\t').length
      for (const l of lines) assert.equal(l.split('\t').length, width, `${where}: ragged line ${l.slice(0, 80)}`)
      break
    }
    case 'table':
      // A list is tab-separated rows, a single object its human view: either way nothing is cut.
      assert.doesNotMatch(r.stdout, /…/, `${where}: a piped table cut a value`)
      break
  }
}

describe('every data command: -o json|jsonc|yaml|table|tsv|csv|ndjson and --query', () => {
  before(async () => {
    const emulator = await createEmulator({ defender: { incidentsPerTenant: 12 } })
    emulator.defender.limits = { ...emulator.defender.limits, enabled: false }
    server = await serve(emulator)
    env = emulatorEnv(server.url, { M365D_TENANT_ID: WELL_KNOWN.contosoTenantId, M365D_DATA_DIR: join(tempDir('m365d-every-'), 'data'), HOME: tempDir('m365d-every-home-') })
    const added = await run(['tenants', 'add', 'contoso.onmicrosoft.com', '--name', 'Contoso, "Ltd"'])
    assert.equal(added.code, 0, added.stderr)
    // With the daemon owning the embedded store, the registry commands go through its local API:
    // they can run in parallel (PGlite allows one process), and `console url` has a daemon to name.
    daemon = startCli(['sync', '--ops-port', '0', '--interval', '10m', '--log-format', 'json'], { env })
    await collectLogs(daemon).wait((l) => l.msg === 'local_api.published', 90_000)
    incident = JSON.parse((await run(['incidents', 'list', '--top', '1', '-o', 'json'])).stdout)[0].id as string
    const alert = JSON.parse((await run(['alerts', 'list', '--top', '1', '-o', 'json'])).stdout)[0].id as string
    const token = (await run(['token'])).stdout.trim()
    DATA = [
      ['token'],
      ['console', 'url'],
      ['token', 'inspect', token],
      ['token', 'validate'],
      ['consent-link'],
      ['config'],
      ['config', 'get', 'tenantId'],
      ['config', 'list'],
      ['emulator', '--print-config'],
      ['incidents', 'list', '--top', '3'],
      ['incidents', 'get', incident],
      ['incidents', 'update', incident, '--assigned-to', 'soc@contoso.onmicrosoft.com'],
      ['incidents', 'comment', incident, 'a comment, with "quotes"'],
      ['alerts', 'list', '--top', '3'],
      ['alerts', 'get', alert],
      ['alerts', 'update', alert, '--assigned-to', 'soc@contoso.onmicrosoft.com'],
      ['alerts', 'comment', alert, 'noted'],
      ['hunt', 'DeviceProcessEvents | take 3'],
      ['tenants', 'list'],
      ['tenants', 'add', 'fabrikam.onmicrosoft.com'],
      ['tenants', 'tag', 'contoso.onmicrosoft.com', 'mssp'],
      ['tenants', 'pause', 'contoso.onmicrosoft.com'],
      ['tenants', 'resume', 'contoso.onmicrosoft.com'],
      ['tenants', 'check', 'contoso.onmicrosoft.com'],
      ['tenants', 'onboard', '--tenant', 'fabrikam.onmicrosoft.com'],
      ['migrate', 'check', '--tenant', WELL_KNOWN.contosoTenantId],
    ].map((args) => ({ args }))
    DATA.push({ args: ['tenants', 'remove', 'tailspin.onmicrosoft.com'], setup: ['tenants', 'add', 'tailspin.onmicrosoft.com'] })
  })
  after(async () => {
    daemon?.kill('SIGTERM')
    await server.close()
  })

  test('every runnable command is exercised here or listed with the reason it prints no data', async () => {
    const covered = new Set(DATA.map(({ args }) => args.filter((a, i) => i < 2 && /^[a-z-]+$/.test(a)).join(' ')))
    covered.add('emulator') // --print-config
    for (const path of await commandPaths()) assert.ok(covered.has(path) || NOT_DATA[path] !== undefined, `'m365d ${path}' is not covered by this test and not in NOT_DATA`)
  })

  test('each format parses as that format, and --query applies to every command', { timeout: 600_000 }, async () => {
    // Every format of a few commands whose views differ (a list, one object, a text report, a
    // registry document); for the others the formats a command printing around the output layer
    // would fail (csv, ndjson) and --query. Repeatable commands run in parallel; `setup` ones last, in turn.
    const FULL = new Set(['incidents list', 'incidents get', 'token inspect', 'tenants list', 'config'])
    const jobs = DATA.flatMap((entry) => {
      const name = entry.args.filter((a, i) => i < 2 && /^[a-z-]+$/.test(a)).join(' ')
      const formats = FULL.has(name) ? FORMATS.filter((f) => f !== 'json') : (['csv', 'ndjson'] as const)
      return [...formats, 'query' as const].map((format) => ({ entry, format }))
    })
    const once = async ({ args, setup }: (typeof DATA)[number], more: string[]) => {
      if (setup) assert.equal((await run(setup)).code, 0, setup.join(' '))
      return run([...args, ...more])
    }
    const docs = new Map(await pool(DATA, 4, async (entry) => [entry, await once(entry, ['-o', 'json'])] as const))
    const check = async ({ entry, format }: (typeof jobs)[number]) => {
      const where = `m365d ${entry.args.slice(0, 3).join(' ')} ${format === 'query' ? "--query 'type(@)' -o tsv" : `-o ${format}`}`
      const json = docs.get(entry)!
      assert.equal(json.code, 0, `${where} (-o json): ${json.stderr}`)
      const doc = JSON.parse(json.stdout)
      if (format !== 'query') return checkFormat(format, await once(entry, ['-o', format]), doc, where)
      const r = await once(entry, ['--query', 'type(@)', '-o', 'tsv'])
      assert.equal(r.code, 0, `${where}: ${r.stderr}`)
      assert.equal(r.stdout, `${Array.isArray(doc) ? 'array' : 'object'}\n`, where)
    }
    await pool(jobs.filter((j) => !j.entry.setup), 4, check)
    await pool(jobs.filter((j) => j.entry.setup), 1, check)
  })

  test('awkward values survive every format: RFC 4180 csv quoting, tsv escapes, yaml, ndjson', async () => {
    const text = 'contained, "mostly"\nsee\tticket C:\\temp =1+1'
    const c = await run(['incidents', 'comment', incident, text, '-o', 'json'])
    assert.equal(c.code, 0, c.stderr)
    const at = (JSON.parse(c.stdout) as { comment: string }[]).findIndex((x) => x.comment === text)
    assert.ok(at >= 0)
    // Each run adds a comment and prints the incident's comments; --query picks the awkward one.
    const q = ['--query', `[${at}].{comment: comment, by: createdByDisplayName}`]
    const [csv, tsv, yaml, ndjson, lists] = await Promise.all([
      run(['incidents', 'comment', incident, 'second', ...q, '-o', 'csv']),
      run(['incidents', 'comment', incident, 'third', ...q, '-o', 'tsv']),
      run(['incidents', 'comment', incident, 'fourth', ...q, '-o', 'yaml']),
      run(['incidents', 'comment', incident, 'fifth', ...q, '-o', 'ndjson']),
      run(['incidents', 'comment', incident, 'sixth', '--query', `[${at}:${at + 1}].[comment, createdByDisplayName]`, '-o', 'tsv']),
    ])
    assert.deepEqual(parseCsv(csv.stdout), [['comment', 'by'], [text, 'm365d demo partner app']], csv.stdout)
    assert.match(csv.stdout, /^comment,by\n"contained, ""mostly""\nsee\tticket/)
    assert.equal(tsv.stdout, 'contained, "mostly"\\nsee\\tticket C:\\\\temp =1+1\tm365d demo partner app\n')
    assert.equal(lists.stdout, tsv.stdout, "--query '[].[a, b]' (az's tsv idiom) gives the same lines")
    assert.equal(parseYaml(yaml.stdout).comment, text)
    assert.equal(JSON.parse(ndjson.stdout).comment, text)
  })

  test('a --query that fails on the data is a usage error naming the shape, not an internal error', async () => {
    const r = await run(['incidents', 'list', '--top', '2', '--query', 'keys(@)'])
    assert.equal(r.code, 2, r.stderr)
    assert.match(r.stderr, /^error ERR_CLI_INVALID_QUERY: --query 'keys\(@\)' failed on this command's output \(a list of 2\): .*keys\(\).*\nhint: check the shape with -o json first/)
    assert.equal(r.stdout, '')
  })
})
