/**
 * The output layer on a real terminal (tmux) at 80×24 and 200×50, issue 11 §3: tables fit the
 * width and cut with … only there, whole values when the width allows, colour only on a terminal
 * and never with --no-color or NO_COLOR.
 */
import assert from 'node:assert/strict'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { after, before, describe, test } from 'node:test'
import { createEmulator, serve, WELL_KNOWN, type RunningEmulator } from '../../../src/emulator/index.js'
import { tempDir } from '../_cli.js'
import { hasTmux, Tmux } from './_tmux.js'

const main = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'src', 'cli', 'main.js')
const cli = `${process.execPath} ${main}`
const widest = (screen: string) => Math.max(...screen.split('\n').map((l) => [...l].length))
const SGR = /\u001b\[[0-9;]*m/

describe('output on a real terminal (tmux)', { skip: !hasTmux && 'tmux not installed', concurrency: 3 }, () => {
  let srv: RunningEmulator
  let env: Record<string, string>
  before(async () => {
    srv = await serve(await createEmulator())
    env = {
      HOME: tempDir(),
      M365D_TENANT_ID: WELL_KNOWN.contosoTenantId,
      M365D_CLIENT_ID: WELL_KNOWN.clientId,
      M365D_CLIENT_SECRET: WELL_KNOWN.clientSecret,
      M365D_AUTHORITY_HOST: srv.url,
      M365D_DEFENDER_API: srv.url,
      M365D_GRAPH_API: srv.url,
    }
  })
  after(() => srv?.close())

  /** Runs one command line on a fresh terminal of that size; returns the screen (and with escapes). */
  async function screenOf(cols: number, rows: number, line: string): Promise<{ text: string; raw: string }> {
    const t = new Tmux(cols, rows)
    try {
      // The runner may have NO_COLOR set; each case sets what it tests.
      t.start(`unset NO_COLOR; ${line}`, env)
      const text = await t.waitFor(/\[exited\]/)
      return { text, raw: t.captureEscapes() }
    } finally {
      t.kill()
    }
  }

  for (const [cols, rows] of [[80, 24], [200, 50]] as const) {
    test(`alerts list and incidents get at ${cols}×${rows}: every line fits; … only where a value does not`, async () => {
      const [list, get] = await Promise.all([screenOf(cols, rows, `${cli} alerts list --top 8`), screenOf(cols, rows, `${cli} incidents list --top 1 -o tsv --query '[].id' | xargs ${cli} incidents get`)])
      for (const s of [list, get]) {
        assert.ok(widest(s.text) <= cols, s.text)
        assert.doesNotMatch(s.raw, SGR, 'no colour in a table')
      }
      assert.match(list.text, /^ID +SEVERITY +STATUS +CREATED/m)
      assert.match(get.text, /^ {2}ID +SEVERITY +STATUS +TITLE/m)
      const alertRows = list.text.split('\n').filter((l) => /^[a-z]{2}[0-9a-f]{6}/.test(l))
      assert.equal(alertRows.length, 8, list.text)
      if (cols === 80) assert.ok(alertRows.every((l) => l.includes('…')), 'an alert row is wider than 80 columns: cut with …')
      // At 200 columns the alert ids are whole: one can be copied into `m365d alerts get`; times to the minute.
      else assert.ok(alertRows.every((l) => /^[a-z]{2}[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12} .* \d{4}-\d{2}-\d{2} \d{2}:\d{2}Z /.test(l)), list.text)
    })
  }

  test('-o jsonc is coloured on a terminal; --no-color, NO_COLOR=1 and a pipe give none; NO_COLOR= (empty) does not count', async () => {
    const [colored, flag, envVar, empty, piped] = await Promise.all([
      screenOf(200, 50, `${cli} config -o jsonc`),
      screenOf(200, 50, `${cli} config -o jsonc --no-color`),
      screenOf(200, 50, `NO_COLOR=1 ${cli} config -o jsonc`),
      screenOf(200, 50, `NO_COLOR= ${cli} config -o jsonc`),
      screenOf(200, 50, `${cli} config -o jsonc | cat`),
    ])
    assert.match(colored.raw, SGR)
    assert.match(empty.raw, SGR, 'https://no-color.org: only a non-empty NO_COLOR disables colour')
    for (const s of [flag, envVar, piped]) {
      assert.doesNotMatch(s.raw, SGR)
      assert.match(s.text, /"tenant": \{/)
    }
  })
})
