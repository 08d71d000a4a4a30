import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { renderTable, type Column } from '../../../src/cli/output/table.js'
import { displayWidth, stripAnsi, truncate } from '../../../src/cli/output/width.js'

describe('display width', () => {
  test('ANSI takes no columns, CJK and emoji two, combining marks none', () => {
    assert.equal(displayWidth('\u001b[31mred\u001b[0m'), 3)
    assert.equal(displayWidth('漢字'), 4)
    assert.equal(displayWidth('e\u0301'), 1)
    assert.equal(displayWidth('🔥'), 2)
    assert.equal(stripAnsi('\u001b]8;;http://x\u0007link\u001b]8;;\u0007'), 'link')
  })
  test('truncate cuts to the width with an ellipsis, never splitting a wide character past it', () => {
    assert.equal(truncate('abcdef', 4), 'abc…')
    assert.equal(truncate('abc', 3), 'abc')
    assert.equal(truncate('漢字漢字', 5), '漢字…')
    assert.ok(displayWidth(truncate('漢字漢字', 4)) <= 4)
  })
})

describe('renderTable', () => {
  type R = { id: string; name: string; n: number }
  const columns: Column<R>[] = [{ key: 'id', header: 'ID' }, { key: 'name', header: 'NAME', flex: true }, { key: 'n', header: 'N', right: true }]
  const rows: R[] = [
    { id: '1', name: 'A very long incident name that will not fit in a narrow terminal at all', n: 3 },
    { id: '22', name: 'Short', n: 12 },
  ]
  test('on a terminal every line fits the width; the flexible column is cut with an ellipsis', () => {
    const text = renderTable(columns, rows, { tty: true, width: 40 })
    const lines = text.split('\n')
    for (const l of lines) assert.ok(displayWidth(l) <= 40, `${displayWidth(l)}: ${l}`)
    assert.match(lines[1]!, /…/)
    // Columns line up: N is right-aligned at the same column on every line.
    assert.equal(lines[1]!.length, lines[2]!.length)
    assert.match(lines[2]!, /^22 {2}Short +12$/)
  })
  test('piped: tab-separated full values, header first, tabs and newlines inside values flattened', () => {
    const text = renderTable(columns, [...rows, { id: '3', name: 'tab\there\nnewline', n: 0 }], { tty: false })
    const lines = text.split('\n')
    assert.equal(lines[0], 'ID\tNAME\tN')
    assert.equal(lines[1], `1\t${rows[0]!.name}\t3`)
    assert.equal(lines[3], '3\ttab here newline\t0')
  })
  test('wide content: widths count display columns, so CJK cells stay aligned', () => {
    const text = renderTable([{ key: 'a' }, { key: 'b' }], [{ a: '漢字', b: 'x' }, { a: 'ab', b: 'y' }], { tty: true, width: 80 })
    const [, l1, l2] = text.split('\n')
    assert.equal(displayWidth(l1!.slice(0, l1!.indexOf('x'))), displayWidth(l2!.slice(0, l2!.indexOf('y'))))
  })
  test('ids (keep) stay whole while other columns can give; times show to the minute on a terminal only', () => {
    const id = 'arb6d9694f-7000-4075-8dc3-d0f3b39b30bc'
    const cols: Column[] = [{ key: 'id', header: 'ID', keep: true }, { key: 'created', header: 'CREATED', time: true }, { key: 'who', header: 'ASSIGNED TO' }, { key: 'title', header: 'TITLE', flex: true }]
    const row = { id, created: '2026-12-03T01:55:52.1130000Z', who: 'secop1@contoso.onmicrosoft.com', title: 'Anomalous scheduled task created on a server' }
    const [, at100] = renderTable(cols, [row], { tty: true, width: 100 }).split('\n')
    assert.ok(displayWidth(at100!) <= 100)
    assert.ok(at100!.startsWith(`${id}  2026-12-03 01:55Z  `), at100)
    // Too narrow for the id and 8 columns of everything else: the id is cut too, and the row still fits.
    const [, at60] = renderTable(cols, [row], { tty: true, width: 60 }).split('\n')
    assert.ok(displayWidth(at60!) <= 60, at60)
    assert.equal(at60, 'arb6d9694f-7000-4075-8dc3-d0f…  2026-12…  secop1@…  Anomalo…')
    assert.equal(renderTable(cols, [row], { tty: false }).split('\n')[1], Object.values(row).join('\t'))
  })
})
