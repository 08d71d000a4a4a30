// Terminal items of issue 11 under a real pty (tmux): a live region that survives a SHRINKING
// terminal, and `m365d sync` on a TTY (human log lines, no backfill bar on incremental passes).
import assert from 'node:assert/strict'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { after, before, describe, test } from 'node:test'
import { createEmulator, serve, WELL_KNOWN, type RunningEmulator } from '../../../src/emulator/index.js'
import { runCli, tempDir } from '../_cli.js'
import { hasTmux, Tmux } from './_tmux.js'

const main = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'src', 'cli', 'main.js')
const cli = `${process.execPath} ${main}`
const width = (screen: string) => Math.max(...screen.split('\n').map((l) => [...l].length))
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe('under a real terminal (tmux): resize and sync', { skip: !hasTmux && 'tmux not installed', concurrency: true }, () => {
  // A terminal that re-wraps on a narrowing resize keeps the cursor on its row and moves the rows
  // the re-wrap added above it into the scrollback (see src/cli/output/live_region.ts); when the
  // frame's top is among them it stays there once, beyond any redraw's reach. What the issue asks
  // (§1: "stay in place at any size, including on resize") is checked as what a redraw controls:
  // the screen shows one frame cut to the width, and redraws never push a copy into the scrollback.
  test('m365d start at 200×50, shrunk to 80×24 while drawing: one summary on screen, cut to 80 columns, and redraws add nothing to the scrollback', { timeout: 240_000 }, async () => {
    const titles = (text: string) => text.match(/── live summary after/g)?.length ?? 0
    const t = new Tmux(200, 50)
    try {
      t.start(`${cli} start --skip-demo --refresh 300ms --duration 200s --data-dir ${join(tempDir(), 'data')} --no-console`, { HOME: tempDir() })
      await t.waitFor(/── live summary after/, 180_000)
      await sleep(2000)
      assert.equal(titles(t.capture(true)), 1, 'redraws at a steady size stay in place')
      for (const [cols, rows] of [[80, 24], [60, 20], [120, 30]] as const) {
        t.resize(cols, rows)
        await sleep(1500)
        const history = t.historySize()
        const copies = titles(t.capture(true))
        // The title changes every second, so each wait spans several redraws.
        await sleep(3000)
        const screen = t.capture()
        assert.equal(titles(screen), 1, `${cols}×${rows}:\n${screen}`)
        assert.ok(width(screen) <= cols, `${cols}×${rows}:\n${screen}`)
        assert.match(screen, /Woodgrove Bank/)
        assert.equal(t.historySize(), history, `redraws at ${cols}×${rows} pushed rows into the scrollback:\n${t.capture(true)}`)
        assert.equal(titles(t.capture(true)), copies, `${cols}×${rows}:\n${t.capture(true)}`)
      }
      // Whatever the re-wraps pushed off, no whole copy of the summary: each tenant's row is once
      // in the screen and scrollback together.
      const all = t.capture(true)
      assert.equal(all.match(/^Woodgrove Bank +not_consented/gm)?.length, 1, all)
    } finally {
      t.kill()
    }
  })

  describe('m365d sync on a TTY', () => {
    let srv: RunningEmulator
    before(async () => {
      srv = await serve(await createEmulator({ defender: { incidentsPerTenant: 5 } }))
    })
    after(() => srv?.close())

    test('with the console: its one-time login link is on the screen once (stdout), not repeated by the log line', { timeout: 240_000 }, async () => {
      const t = new Tmux(200, 50)
      try {
        t.start(`${cli} sync --interval 5s --ops-port 0`, {
          HOME: tempDir(),
          M365D_DATA_DIR: join(tempDir(), 'data'),
          M365D_AUTHORITY_HOST: srv.url,
          M365D_GRAPH_API: srv.url,
          M365D_CLIENT_ID: WELL_KNOWN.clientId,
          M365D_CLIENT_SECRET: WELL_KNOWN.clientSecret,
          M365D_TENANT_ID: WELL_KNOWN.homeTenantId,
        })
        const screen = await t.waitFor(/INFO  console\.listening/, 180_000)
        assert.equal(screen.match(/token=/g)?.length, 1, screen)
        assert.match(screen, /^console: http:\/\/127\.0\.0\.1:\d+\/console\/\?token=/m)
        assert.match(screen, /console\.listening .*newLoginUrl=/)
      } finally {
        t.kill()
      }
    })

    test('human log lines (not JSON), and no backfill bar on incremental passes', { timeout: 240_000 }, async () => {
      const env = {
        HOME: tempDir(),
        M365D_DATA_DIR: join(tempDir(), 'data'),
        M365D_AUTHORITY_HOST: srv.url,
        M365D_DEFENDER_API: srv.url,
        M365D_GRAPH_API: srv.url,
        M365D_CLIENT_ID: WELL_KNOWN.clientId,
        M365D_CLIENT_SECRET: WELL_KNOWN.clientSecret,
        M365D_TENANT_ID: WELL_KNOWN.homeTenantId,
      }
      assert.equal((await runCli(['tenants', 'add', WELL_KNOWN.contosoTenantId], { env })).code, 0)
      // The first pass (the backfill) runs piped; every pass the TTY run makes is incremental.
      const first = await runCli(['sync', '--once', '--backfill', '30d'], { env })
      assert.equal(first.code, 0, first.stderr)
      const t = new Tmux(80, 24)
      try {
        t.start(`${cli} sync --interval 1s --ops-port 0 --no-console`, env)
        const screen = await t.waitFor(/pass finished[\s\S]*pass finished[\s\S]*pass finished/, 120_000)
        const lines = screen.split('\n').filter((l) => l.trim() !== '')
        assert.ok(lines.some((l) => /^\d\d:\d\d:\d\d INFO  pass finished/.test(l)), screen)
        assert.ok(!lines.some((l) => l.trimStart().startsWith('{')), `no JSON log lines on a terminal:\n${screen}`)
        assert.doesNotMatch(screen, /backfill/i, 'no backfill bar (or summary) for incremental passes')
        assert.ok(width(t.capture()) <= 80)
        assert.match(t.captureEscapes(), /\u001b\[36mINFO/, 'levels in colour on a terminal')
      } finally {
        t.kill()
      }
      // --no-color turns the log colours off too (the rule stdout follows: output/options.ts).
      // (The killed worker may hold the embedded store for a moment: PGlite is one process per directory.)
      for (let attempt = 1; ; attempt++) {
        const plain = new Tmux(80, 24)
        try {
          plain.start(`${cli} sync --interval 1s --ops-port 0 --no-console --no-color`, env)
          const shown = await plain.waitFor(/pass finished|is in use/, 120_000)
          if (/is in use/.test(shown) && attempt < 20) {
            await sleep(1000)
            continue
          }
          assert.match(shown, /pass finished/)
          assert.doesNotMatch(plain.captureEscapes(), /\u001b\[3\dm/, plain.captureEscapes())
          break
        } finally {
          plain.kill()
        }
      }
    })
  })
})
