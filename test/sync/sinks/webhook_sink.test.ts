import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { idempotencyKey, webhookSink, type SinkRecord } from '../../../src/sync/sinks/index.js'
import { receiver, type Receiver } from './_receiver.js'

const rec = (i: number): SinkRecord => {
  const base = { kind: 'alert' as const, tenantId: 't1', source: 'graph' as const, id: `da${i}`, version: 1 }
  return { idempotencyKey: idempotencyKey(base), ...base, lastUpdateTime: '2026-01-01T00:00:00.000Z', document: { id: `da${i}` } }
}
const quick = { maxRetries: 3, baseDelayMs: 1, maxDelayMs: 5 }

describe('webhookSink against a real HTTP receiver', () => {
  let r: Receiver
  before(async () => {
    r = await receiver()
  })
  after(() => r.close())

  test('retries 503s, then POSTs the batch once it is accepted, with an Idempotency-Key and a key per record', async () => {
    r.failNext(2)
    const before = r.attempts
    const sink = webhookSink({ url: r.url, retry: quick, headers: { authorization: 'Bearer receiver-secret' } })
    const batch = [rec(1), rec(2), rec(3)]
    await sink.deliver(batch)
    assert.equal(r.attempts - before, 3)
    const got = r.requests.at(-1)!
    assert.equal(got.headers['content-type'], 'application/json')
    assert.equal(got.headers.authorization, 'Bearer receiver-secret')
    assert.match(String(got.headers['idempotency-key']), /^[A-Za-z0-9_-]{43}$/)
    assert.deepEqual(got.body.records.map((x) => x.idempotencyKey), batch.map((x) => x.idempotencyKey))
    // The same batch again (a re-delivery after a crash) carries the same batch key: duplicates are detectable.
    await sink.deliver(batch)
    assert.equal(r.requests.at(-1)!.headers['idempotency-key'], got.headers['idempotency-key'])
  })

  test('splits a large outbox batch into POSTs of batchSize', async () => {
    const n = r.requests.length
    await webhookSink({ url: r.url, batchSize: 2, retry: quick }).deliver([rec(1), rec(2), rec(3), rec(4), rec(5)])
    assert.deepEqual(r.requests.slice(n).map((x) => x.body.records.length), [2, 2, 1])
  })

  test('gives up after its retries with ERR_SINK_UNAVAILABLE, naming only the origin (the URL query may be a secret)', async () => {
    r.failNext(10)
    const err = await webhookSink({ url: r.url, retry: { ...quick, maxRetries: 1 } }).deliver([rec(1)]).then(() => undefined, (e: unknown) => e as { code: string; message: string })
    assert.equal(err?.code, 'ERR_SINK_UNAVAILABLE')
    assert.doesNotMatch(err!.message, /s3cr3t|hooks/)
    r.failNext(0)
  })

  test('a 4xx other than 408/425/429 is not retried (ERR_SINK_REJECTED)', async () => {
    r.failNext(1, 400)
    const before = r.attempts
    await assert.rejects(webhookSink({ url: r.url, retry: quick }).deliver([rec(1)]), { code: 'ERR_SINK_REJECTED' })
    assert.equal(r.attempts - before, 1)
  })

  test('configuration errors are reported at construction', () => {
    assert.throws(() => webhookSink({ url: 'not a url' }), { code: 'ERR_SINK_CONFIG' })
    assert.throws(() => webhookSink({ url: 'ftp://example.com/x' }), { code: 'ERR_SINK_CONFIG' })
  })
})
