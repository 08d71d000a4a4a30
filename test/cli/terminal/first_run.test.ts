// Issue 11 §2: "a line (or spinner) for every step that takes more than a second, including the
// first-run database set-up of any command" — `m365d sync --once` on an empty data dir, on a real
// pty (tmux, 80×24 and 200×50) and piped. PGlite builds the database in WebAssembly on the main
// thread, which blocks the event loop: the spinner must keep turning and the piped line must come
// before the wait, not after it.
import assert from 'node:assert/strict'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { after, before, describe, test } from 'node:test'
import { createEmulator, serve, type RunningEmulator } from '../../../src/emulator/index.js'
import { startCli, tempDir } from '../_cli.js'
import { emulatorEnv } from '../../sync/process/_rig.js'
import { hasTmux, Tmux } from './_tmux.js'

const main = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'src', 'cli', 'main.js')
const cli = `${process.execPath} ${main}`
const CREATING = 'Creating the embedded database (first run only, ~20 s)'

describe('first run of a command that opens the embedded store', { concurrency: true }, () => {
  let srv: RunningEmulator
  let env: (dataDir: string) => Record<string, string>
  before(async () => {
    srv = await serve(await createEmulator())
    env = (dataDir) => emulatorEnv(srv.url, { HOME: tempDir(), M365D_DATA_DIR: dataDir })
  })
  after(() => srv?.close())

  for (const [cols, rows] of [[80, 24], [200, 50]] as const) {
    test(`sync --once at ${cols}×${rows}: the set-up spinner keeps counting while the database is built, then ✓ with its time`, { skip: !hasTmux && 'tmux not installed', timeout: 240_000 }, async () => {
      const t = new Tmux(cols, rows)
      try {
        t.start(`${cli} sync --once --no-console`, env(join(tempDir(), 'data')))
        // Sample the spinner's elapsed time while the step runs.
        const seen = new Set<string>()
        const end = Date.now() + 180_000
        let screen = ''
        while (Date.now() < end) {
          screen = t.capture()
          const m = new RegExp(`^. ${CREATING.replace(/[()~]/g, '\\$&')}… (\\d+\\.\\d)s`, 'm').exec(screen)
          if (m) seen.add(m[1]!)
          if (/\[exited\]/.test(screen)) break
          await new Promise((r) => setTimeout(r, 250))
        }
        const all = t.capture(true)
        const took = new RegExp(`^✓ ${CREATING.replace(/[()~]/g, '\\$&')} \\((\\d+\\.\\d)s\\)$`, 'm').exec(all)
        assert.ok(took, all)
        // While it ran the elapsed time moved on: a reading at least every ~2 s of the step
        // (the worker draws every 100 ms; tmux is sampled every 250 ms on a busy machine).
        const seconds = Number(took[1])
        if (seconds >= 4) assert.ok(seen.size >= Math.floor(seconds / 2), `spinner readings ${[...seen].join(', ')} over ${seconds}s:\n${all}`)
        assert.match(all, /0 of 0 tenants synced/)
        assert.equal(all.match(/Creating the embedded database/g)?.length, 1, 'the step left one line, not a copy per frame')
        for (const row of all.split('\n')) assert.ok([...row].length <= cols, row)
      } finally {
        t.kill()
      }
    })
  }

  test('sync --once piped: the set-up line comes at once, before the wait, and "done" with the time after it', { timeout: 240_000 }, async () => {
    const child = startCli(['sync', '--once', '--log-format', 'human', '--no-console'], { env: env(join(tempDir(), 'data')) })
    const lines: { at: number; text: string }[] = []
    let buffered = ''
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      buffered += d
      for (let i = buffered.indexOf('\n'); i >= 0; i = buffered.indexOf('\n')) {
        lines.push({ at: Date.now(), text: buffered.slice(0, i) })
        buffered = buffered.slice(i + 1)
      }
    })
    const code = await new Promise((r) => child.on('close', r))
    assert.equal(code, 0, lines.map((l) => l.text).join('\n'))
    const start = lines.find((l) => l.text === `${CREATING}…`)
    const done = lines.find((l) => l.text.startsWith(`${CREATING}: done (`))
    assert.ok(start && done, lines.map((l) => l.text).join('\n'))
    const seconds = Number(/done \((\d+\.\d)s\)/.exec(done.text)![1])
    // Printed before the blocking work, not together with "done" after it.
    if (seconds >= 2) assert.ok(done.at - start.at >= seconds * 500, `announced ${done.at - start.at} ms before done, step took ${seconds}s`)
  })
})
