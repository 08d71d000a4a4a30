import assert from 'node:assert/strict'
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { ndjsonSink, idempotencyKey, type SinkRecord } from '../../../src/sync/sinks/index.js'

const rec = (i: number, version = 1): SinkRecord => {
  const base = { kind: 'incident' as const, tenantId: 't1', source: 'legacy' as const, id: String(i), version }
  return { idempotencyKey: idempotencyKey(base), ...base, lastUpdateTime: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(), document: { incidentId: i, pad: 'x'.repeat(200) } }
}

describe('ndjsonSink', () => {
  let dir: string
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'm365d-ndjson-'))
  })
  after(() => rm(dir, { recursive: true, force: true }))

  const lines = async (d: string) => {
    const files = (await readdir(d)).sort()
    const per = await Promise.all(files.map(async (f) => (await readFile(join(d, f), 'utf8')).split('\n').filter(Boolean).map((l) => JSON.parse(l) as SinkRecord)))
    return { files, per, all: per.flat() }
  }

  test('writes one JSON record per line and rotates by size without splitting a batch', async () => {
    const d = join(dir, 'size')
    const sink = ndjsonSink({ dir: d, maxBytes: 2000 })
    for (let b = 0; b < 5; b++) await sink.deliver([rec(b * 3), rec(b * 3 + 1), rec(b * 3 + 2)])
    await sink.close()
    const { files, per, all } = await lines(d)
    assert.equal(all.length, 15)
    assert.deepEqual(all.map((r) => Number(r.id)), [...Array(15).keys()], 'in delivery order across files')
    assert.ok(files.length >= 3, `rotated into ${files.length} files`)
    for (const f of per) assert.equal(f.length % 3, 0, 'a batch never spans two files')
    for (const f of files) assert.match(f, /^m365d-\d{8}T\d{9}Z-\d+-[0-9a-f]{6}-\d{4}\.ndjson$/)
    assert.equal(all[4]!.idempotencyKey, 't1/legacy/incident/4/v1')
  })

  test('rotates by age under a controlled clock', async () => {
    const d = join(dir, 'age')
    let now = Date.parse('2026-01-01T00:00:00Z')
    const sink = ndjsonSink({ dir: d, maxAgeMs: 60_000, now: () => now })
    await sink.deliver([rec(1)])
    now += 30_000
    await sink.deliver([rec(2)])
    now += 31_000
    await sink.deliver([rec(3)])
    await sink.close()
    const { per } = await lines(d)
    assert.deepEqual(per.map((f) => f.map((r) => r.id)), [['1', '2'], ['3']])
  })

  test("a second sink instance on the same directory never appends to the first one's files", async () => {
    const d = join(dir, 'shared')
    const a = ndjsonSink({ dir: d })
    const b = ndjsonSink({ dir: d })
    await Promise.all([a.deliver([rec(1)]), b.deliver([rec(2)])])
    await Promise.all([a.close(), b.close()])
    const { per } = await lines(d)
    assert.equal(per.length, 2)
  })

  test('an unwritable directory fails the delivery with a stable code (the outbox keeps the batch)', async () => {
    const file = join(dir, 'not-a-dir')
    await writeFile(file, '')
    const sink = ndjsonSink({ dir: join(file, 'sink') })
    await assert.rejects(sink.deliver([rec(1)]), { code: 'ERR_SINK_WRITE' })
    await assert.rejects(async () => ndjsonSink({ dir: tmpdir(), name: 'bad,name' }), { code: 'ERR_SINK_CONFIG' })
  })
})
