import assert from 'node:assert/strict'
import { EventEmitter } from 'node:events'
import { describe, test } from 'node:test'
import { LiveRegion } from '../../../src/cli/output/live_region.js'
import { displayWidth, stripAnsi } from '../../../src/cli/output/width.js'

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
  test('redraws in place: cursor up exactly the rows drawn, erase below; unchanged frames write nothing', () => {
    const t = terminal(80)
    const r = new LiveRegion(t)
    r.set(['a', 'b', 'c'])
    t.out = ''
    r.set(['a', 'b', 'c'])
    assert.equal(t.out, '')
    r.set(['a', 'b'])
    assert.equal(t.out, '\r\u001b[3A\u001b[0Ja\nb\n')
  })
  test('log() writes above the frame and redraws it below', () => {
    const t = terminal(80)
    const r = new LiveRegion(t)
    r.set(['progress 1'])
    t.out = ''
    r.log('a log line\n')
    assert.equal(t.out, '\r\u001b[1A\u001b[0Ja log line\nprogress 1\n')
  })
  test('on resize the previous frame is recounted at the new width and redrawn cut to it', () => {
    const t = terminal(100)
    const r = new LiveRegion(t)
    r.set(['y'.repeat(90)])
    t.out = ''
    t.columns = 40
    t.emit('resize')
    // The 90-column line re-wrapped into 3 rows of 40: move up 3, not 1.
    assert.ok(t.out.startsWith('\r\u001b[3A\u001b[0J'), JSON.stringify(t.out))
    assert.ok(displayWidth(t.out.split('\u001b[0J')[1]!.trimEnd()) <= 39)
    r.clear()
    t.out = ''
    t.emit('resize')
    assert.equal(t.out, '', 'no redraw after clear()')
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
