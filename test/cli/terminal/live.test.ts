// The terminal items of issue 11 under a real pty (tmux) at 80×24 and 200×50: what the screen shows.
import assert from 'node:assert/strict'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { after, before, describe, test } from 'node:test'
import { createEmulator, serve, WELL_KNOWN, type RunningEmulator } from '../../../src/emulator/index.js'
import { tempDir } from '../_cli.js'
import { hasTmux, Tmux } from './_tmux.js'

const main = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'src', 'cli', 'main.js')
const cli = `${process.execPath} ${main}`
const width = (screen: string) => Math.max(...screen.split('\n').map((l) => [...l].length))

describe('under a real terminal (tmux)', { skip: !hasTmux && 'tmux not installed', concurrency: true }, () => {
  let srv: RunningEmulator
  let env: Record<string, string>
  before(async () => {
    srv = await serve(await createEmulator())
    env = { HOME: tempDir(), M365D_TENANT_ID: WELL_KNOWN.contosoTenantId, M365D_CLIENT_ID: WELL_KNOWN.clientId, M365D_CLIENT_SECRET: WELL_KNOWN.clientSecret, M365D_AUTHORITY_HOST: srv.url, M365D_DEFENDER_API: srv.url, M365D_API: 'legacy' }
  })
  after(() => srv?.close())

  for (const [cols, rows] of [[80, 24], [200, 50]] as const) {
    test(`incidents list at ${cols}×${rows}: the table fits the screen, long names end with …`, async () => {
      const t = new Tmux(cols, rows)
      try {
        t.start(`${cli} incidents list --top 15`, env)
        const screen = await t.waitFor(/\[exited\]/)
        const lines = screen.split('\n').filter((l) => /^\d+ /.test(l))
        assert.equal(lines.length, 15, screen)
        assert.ok(width(screen) <= cols, screen)
        if (cols === 80) assert.ok(lines.some((l) => l.endsWith('…')), 'names are cut on a narrow terminal')
        assert.match(screen, /^ID +SEVERITY +STATUS +LAST UPDATE/m)
      } finally {
        t.kill()
      }
    })
  }

  test('npm start (m365d start) at 80×24, then resized to 200×50: the live summary is redrawn in place, never stacked', { timeout: 240_000 }, async () => {
    const t = new Tmux(80, 24)
    try {
      t.start(`${cli} start --skip-demo --refresh 500ms --duration 200s --data-dir ${join(tempDir(), 'data')} --no-console`, { HOME: tempDir() })
      await t.waitFor(/── live summary after/, 180_000)
      // Let it redraw a few times at each size, then count the copies in the whole scrollback.
      await new Promise((r) => setTimeout(r, 3000))
      let all = t.capture(true)
      assert.equal(all.match(/── live summary after/g)?.length, 1, all)
      assert.ok(width(t.capture()) <= 80)
      assert.match(t.capture(), /Woodgrove Bank +not_consented/)
      t.resize(200, 50)
      await new Promise((r) => setTimeout(r, 3000))
      all = t.capture(true)
      const screen = t.capture()
      assert.equal(screen.match(/── live summary after/g)?.length, 1, screen)
      assert.ok(width(screen) <= 200, screen)
      // Steps for the slow parts were shown, and there is no "Next:" line mid-run.
      assert.match(all, /✓ (Creating|Opening) the embedded database/)
      assert.doesNotMatch(all, /^Next:/m)
    } finally {
      t.kill()
    }
  })
})
