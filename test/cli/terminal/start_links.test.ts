// Issue 11 §2: `npm start` runs one emulator, so the consent link its token checks print at the
// start is live when clicked later (and Accept brings the tenant in); no "Next:" line mid-run; a line for each slow step. Under a
// real pty (tmux) at 80×24 and 200×50, reading what the screen shows (wrapped rows joined).
import assert from 'node:assert/strict'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, test } from 'node:test'
import { WELL_KNOWN } from '../../../src/emulator/index.js'
import { tempDir } from '../_cli.js'
import { hasTmux, Tmux } from './_tmux.js'

const main = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'src', 'cli', 'main.js')
const cli = `${process.execPath} ${main}`

describe('npm start (m365d start) with the token checks, under tmux', { skip: !hasTmux && 'tmux not installed', concurrency: true }, () => {
  for (const [cols, rows] of [[80, 24], [200, 50]] as const) {
    test(`at ${cols}×${rows}: one emulator; the consent link printed first still opens the consent page mid-run; no "Next:"`, { timeout: 240_000 }, async () => {
      const t = new Tmux(cols, rows)
      try {
        t.start(`${cli} start --duration 90s --refresh 1s --no-console --data-dir ${join(tempDir(), 'data')}`, { HOME: tempDir() })
        const all = await t.waitFor(/── live summary after/, 180_000)
        const joined = t.capture(true, true)
        const emulator = /^m365d start: emulator (http:\/\/127\.0\.0\.1:\d+) /m.exec(joined)?.[1]
        assert.ok(emulator, joined)
        // Every identity-platform URL on the screen, from the token checks on, is that emulator's.
        const origins = new Set([...joined.matchAll(/(http:\/\/127\.0\.0\.1:\d+)\/[^\s]*(oauth2|discovery|adminconsent)/g)].map((m) => m[1]))
        assert.deepEqual([...origins], [emulator], joined)
        // The token checks' consent link for the never-consented tenant, printed before the sync started…
        const demo = joined.slice(0, joined.indexOf('m365d start: emulator'))
        const link = new RegExp(`${emulator.replace(/[.:/]/g, '\\$&')}/woodgrove\\.onmicrosoft\\.com/oauth2/authorize\\?[^\\s]+`).exec(demo)?.[0]
        assert.ok(link, demo)
        // …is served by the emulator that is still running: the consent page of the well-known app.
        const page = await fetch(link)
        assert.equal(page.status, 200)
        const html = await page.text()
        assert.match(html, /Permissions requested/)
        assert.ok(html.includes(WELL_KNOWN.clientId) || /m365d demo partner app/.test(html), html.slice(0, 400))
        // The admin clicks Accept: Entra (the emulator) sends them to this run's ops server, and
        // Woodgrove turns ok in the live summary within seconds instead of after a 5 min backoff.
        const ops = / · ops (http:\/\/127\.0\.0\.1:\d+)\/metrics/.exec(joined)?.[1]
        assert.ok(ops, joined)
        const flowToken = /name="flowToken" value="([^"]+)"/.exec(html)?.[1]
        assert.ok(flowToken)
        const accepted = await fetch(`${emulator}/common/Consent/Set`, { method: 'POST', body: new URLSearchParams({ flowToken, action: 'accept' }), redirect: 'manual' })
        assert.equal(accepted.status, 302)
        const back = accepted.headers.get('location')!
        assert.ok(back.startsWith(`${ops}/consent/callback?`), back)
        const landed = await fetch(back)
        assert.equal(landed.status, 200)
        assert.match(await landed.text(), /Consent received/)
        await t.waitFor(/Woodgrove Bank +ok /, 90_000, false)
        assert.doesNotMatch(all, /^Next:/m)
        assert.match(all, /^✓ (Creating|Opening) the embedded database/m)
        for (const row of all.split('\n')) assert.ok([...row].length <= cols, row)
      } finally {
        t.kill()
      }
    })
  }
})
