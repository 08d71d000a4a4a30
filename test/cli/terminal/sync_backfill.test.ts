// Issue 11 §1: `m365d sync` on a terminal shows a bar only for a real backfill, with the log's
// numbers, and never on the same row as a log line — under a real pty (tmux) at 80×24 and 200×50.
import assert from 'node:assert/strict'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { after, before, describe, test } from 'node:test'
import { createEmulator, serve, WELL_KNOWN, type RunningEmulator } from '../../../src/emulator/index.js'
import { runCli, tempDir } from '../_cli.js'
import { emulatorEnv } from '../../sync/process/_rig.js'
import { hasTmux, Tmux } from './_tmux.js'

const main = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'src', 'cli', 'main.js')
const cli = `${process.execPath} ${main}`
const LOG_LINE = /^\d\d:\d\d:\d\d (DEBUG|INFO |WARN |ERROR) /

describe('m365d sync --once on a TTY, first backfill of two tenants (tmux)', { skip: !hasTmux && 'tmux not installed', concurrency: true }, () => {
  let srv: RunningEmulator
  before(async () => {
    srv = await serve(await createEmulator({ defender: { incidentsPerTenant: 40 } }))
  })
  after(() => srv?.close())

  test('--log-format json on a TTY at 80×24: every line on the screen is one JSON record (steps and the backfill summary too)', { timeout: 240_000 }, async () => {
    const env = emulatorEnv(srv.url, { HOME: tempDir(), M365D_DATA_DIR: join(tempDir(), 'data') })
    assert.equal((await runCli(['tenants', 'add', WELL_KNOWN.contosoTenantId], { env })).code, 0)
    const t = new Tmux(80, 24)
    try {
      t.start(`${cli} sync --once --log-format json --no-console; echo "[code $?]"`, env)
      await t.waitFor(/\[exited\]/, 180_000)
      const lines = t.capture(true, true).split('\n').filter((l) => l.trim() !== '')
      const records = lines.slice(0, lines.findIndex((l) => l.startsWith('ok   ')))
      assert.ok(records.length > 3, lines.join('\n'))
      for (const l of records) assert.doesNotThrow(() => JSON.parse(l), l)
      assert.ok(records.some((l) => JSON.parse(l).msg === 'pass finished'))
      assert.ok(records.some((l) => /^backfill: 1\/1 tenant done, \d+ records$/.test(JSON.parse(l).msg)), lines.join('\n'))
      assert.match(lines.join('\n'), /\[code 0\]/)
    } finally {
      t.kill()
    }
  })

  for (const [cols, rows] of [[80, 24], [200, 50]] as const) {
    test(`at ${cols}×${rows}: one bar for both tenants, its summary has the log's records, no row mixes bar and log`, { timeout: 240_000 }, async () => {
      const env = emulatorEnv(srv.url, { HOME: tempDir(), M365D_DATA_DIR: join(tempDir(), 'data') })
      for (const id of [WELL_KNOWN.contosoTenantId, WELL_KNOWN.fabrikamTenantId]) assert.equal((await runCli(['tenants', 'add', id], { env })).code, 0)
      const t = new Tmux(cols, rows)
      try {
        t.start(`${cli} sync --once --backfill 30d --no-console; echo "[code $?]"`, env)
        await t.waitFor(/\[exited\]/, 180_000)
        const all = t.capture(true, true)
        assert.match(all, /\[code 0\]/, all)
        const lines = all.split('\n')
        // The log's numbers: the records of each tenant's `pass finished` line.
        const logged = lines.filter((l) => LOG_LINE.test(l) && l.includes('pass finished')).map((l) => Number(/ records=(\d+)/.exec(l)?.[1]))
        assert.equal(logged.length, 2, all)
        const summaries = lines.filter((l) => /backfill/.test(l))
        assert.deepEqual(summaries, [`backfill: 2/2 tenants done, ${logged[0]! + logged[1]!} records`], all)
        // The bar was drawn in place and is gone; no log line carries a piece of it.
        assert.ok(!lines.some((l) => l.includes('backfill [')), all)
        assert.ok(!lines.some((l) => /\S.*\d\d:\d\d:\d\d (INFO|WARN) /.test(l) && !LOG_LINE.test(l)), `a log line starts mid-row:\n${all}`)
        assert.ok(!/durationMs=\d+\.\d/.test(all), 'whole milliseconds in human log lines')
        for (const row of t.capture(true).split('\n')) assert.ok([...row].length <= cols, row)
      } finally {
        t.kill()
      }
    })
  }
})
