import assert from 'node:assert/strict'
import { EventEmitter } from 'node:events'
import { describe, test } from 'node:test'
import { LiveRegion } from '../../../src/cli/output/live_region.js'
import { displayWidth, stripAnsi } from '../../../src/cli/output/width.js'

/** Cursor up one row and erase it, `n` times: how a frame of `n` rows is taken back. */
const up = (n: number) => '\r' + '\u001b[1A\u001b[2K'.repeat(n)

/** A fake terminal stream: records writes, has a size, emits 'resize' like a TTY WriteStream. */
function terminal(columns: number, rows = 24) {
  const t = Object.assign(new EventEmitter(), { isTTY: true, columns, rows, out: '', write: (s: string) => ((t.out += s), true) })
  return t
}

describe('LiveRegion', () => {
  test('cuts every line to the width minus one (display width, ANSI stripped) so nothing wraps', () => {
    const t = terminal(30)
    const r = new LiveRegion(t)
    r.set(['\u001b[32m' + 'x'.repeat(50) + '\u001b[0m', '漢'.repeat(40), 'short'])
    const lines = t.out.split('\n').filter(Boolean)
    assert.equal(lines.length, 3)
    for (const l of lines) assert.ok(displayWidth(l) <= 29, `${displayWidth(l)}: ${stripAnsi(l)}`)
    assert.ok(lines[0]!.endsWith('…'))
  })
  test('redraws in place: erases exactly the rows drawn, row by row (never a screen clear); unchanged frames write nothing', () => {
    const t = terminal(80)
    const r = new LiveRegion(t)
    r.set(['a', 'b', 'c'])
    t.out = ''
    r.set(['a', 'b', 'c'])
    assert.equal(t.out, '')
    r.set(['a', 'b'])
    assert.equal(t.out, `${up(3)}a\nb\n`)
    assert.doesNotMatch(t.out, /\u001b\[\d*J/, 'no erase-to-end-of-screen: tmux scroll-on-clear would push the frame into the scrollback')
  })
  test('log() writes above the frame and redraws it below', () => {
    const t = terminal(80)
    const r = new LiveRegion(t)
    r.set(['progress 1'])
    t.out = ''
    r.log('a log line\n')
    assert.equal(t.out, `${up(1)}a log line\nprogress 1\n`)
  })
  test('on resize the previous frame is recounted at the new width and redrawn cut to it', () => {
    const t = terminal(100)
    const r = new LiveRegion(t)
    r.set(['y'.repeat(90)])
    t.out = ''
    t.columns = 40
    t.emit('resize')
    // The 90-column line re-wrapped into 3 rows of 40: move up 3, not 1.
    assert.ok(t.out.startsWith(up(3)) && !t.out.startsWith(up(4)), JSON.stringify(t.out))
    assert.ok(displayWidth(t.out.slice(up(3).length).trimEnd()) <= 39)
    r.clear()
    t.out = ''
    t.emit('resize')
    assert.equal(t.out, '', 'no redraw after clear()')
  })
  test('each redraw reads the terminal size first: a resize whose SIGWINCH is not handled yet still erases the re-wrapped rows', () => {
    const t = terminal(100)
    let kernelColumns = 100
    // Like tty.WriteStream#_refreshSize: ask the kernel, emit 'resize' when the size changed.
    Object.assign(t, {
      _handle: {},
      _refreshSize() {
        if (t.columns === kernelColumns) return
        t.columns = kernelColumns
        t.emit('resize')
      },
    })
    const r = new LiveRegion(t)
    r.set(['y'.repeat(90)])
    t.out = ''
    kernelColumns = 40 // the terminal shrank and re-wrapped the line into 3 rows; no signal seen yet
    r.set(['next'])
    assert.ok(t.out.startsWith(up(3)) && !t.out.startsWith(up(4)), JSON.stringify(t.out))
    assert.ok(t.out.endsWith('next\n'))
  })
  test('a resize erases only the frame: output logged above it is never taken back', () => {
    const t = terminal(100)
    const r = new LiveRegion(t)
    r.log('the URL a user needs\n')
    r.set(['y'.repeat(90), 'a'])
    r.set(['b', 'c'])
    t.out = ''
    t.columns = 40
    t.emit('resize')
    // The frame on screen is 'b' and 'c': two rows at any width, so two rows up and no more.
    assert.ok(t.out.startsWith(up(2)) && !t.out.startsWith(up(3)), JSON.stringify(t.out))
    assert.ok(t.out.endsWith('b\nc\n'))
    t.out = ''
    t.columns = 120
    t.emit('resize')
    assert.ok(t.out.startsWith(up(2)) && !t.out.startsWith(up(3)), JSON.stringify(t.out))
  })
  test('a frame never exceeds the screen height', () => {
    const t = terminal(80, 5)
    const r = new LiveRegion(t)
    r.set(Array.from({ length: 10 }, (_, i) => `line ${i}`))
    const lines = t.out.split('\n').filter(Boolean)
    assert.equal(lines.length, 4)
    assert.match(lines[3]!, /… 7 more lines/)
  })
})
