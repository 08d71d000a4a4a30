import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { generateWebhookSecret, idempotencyKey, parseHeaderLine, webhookSink, webhookSinkFromSettings, type SinkRecord } from '../../../src/sync/sinks/index.js'
import { receiver, verifyStandardWebhook, type Receiver } from './_receiver.js'

const rec = (i: number): SinkRecord => {
  const base = { kind: 'alert' as const, tenantId: 't1', source: 'graph' as const, id: `da${i}`, version: 1 }
  return { idempotencyKey: idempotencyKey(base), ...base, lastUpdateTime: '2026-01-01T00:00:00.000Z', document: { id: `da${i}` } }
}
const quick = { maxRetries: 3, baseDelayMs: 1, maxDelayMs: 5 }
const SECRET = generateWebhookSecret()
const failure = (p: Promise<unknown>) => p.then(() => assert.fail('expected the delivery to fail'), (e: unknown) => e as { code: string; message: string; hint?: string; retryAfterMs?: number })

describe('webhookSink against a real HTTP receiver', () => {
  let r: Receiver
  let elsewhere: Receiver
  before(async () => {
    r = await receiver()
    elsewhere = await receiver()
  })
  after(async () => {
    await r.close()
    await elsewhere.close()
  })

  test('retries 503s, then POSTs the batch once it is accepted, with an Idempotency-Key and a key per record', async () => {
    r.failNext(2)
    const before = r.attempts
    const sink = webhookSink({ url: r.url, secret: SECRET, retry: quick, headers: { authorization: 'Bearer receiver-secret' } })
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

  test('every attempt is signed per Standard Webhooks: an independent verifier accepts it, another secret or a changed body does not', async () => {
    r.failNext(1)
    const start = r.received.length
    await webhookSink({ url: r.url, secret: SECRET, retry: quick }).deliver([rec(7), rec(8)])
    const attempts = r.received.slice(start)
    assert.equal(attempts.length, 2)
    for (const a of attempts) {
      assert.ok(verifyStandardWebhook(SECRET, a.headers, a.rawBody), 'signature verifies')
      assert.match(String(a.headers['webhook-id']), /^msg_[A-Za-z0-9_-]{43}$/)
      assert.ok(Math.abs(Number(a.headers['webhook-timestamp']) - Date.now() / 1000) < 60)
      assert.equal(verifyStandardWebhook(generateWebhookSecret(), a.headers, a.rawBody), false, 'another secret does not verify')
      assert.equal(verifyStandardWebhook(SECRET, a.headers, a.rawBody.replace('da7', 'da9')), false, 'a changed body does not verify')
      assert.equal(verifyStandardWebhook(SECRET, { ...a.headers, 'webhook-timestamp': String(Number(a.headers['webhook-timestamp']) + 1) }, a.rawBody), false)
    }
    // The message id is the same for every retry of one batch (the spec's idempotency key); the timestamp is per attempt.
    assert.equal(attempts[0]!.headers['webhook-id'], attempts[1]!.headers['webhook-id'])
    assert.equal(attempts[0]!.headers['webhook-id'], `msg_${String(attempts[0]!.headers['idempotency-key'])}`)
  })

  test('secret rotation: two secrets give two signatures, each verifies with its own secret', async () => {
    const next = generateWebhookSecret()
    const start = r.received.length
    await webhookSink({ url: r.url, secret: [next, SECRET], retry: quick }).deliver([rec(1)])
    const a = r.received[start]!
    assert.equal(String(a.headers['webhook-signature']).split(' ').length, 2)
    assert.ok(verifyStandardWebhook(next, a.headers, a.rawBody))
    assert.ok(verifyStandardWebhook(SECRET, a.headers, a.rawBody))
  })

  for (const status of [301, 302, 303, 307, 308])
    test(`HTTP ${status} to another host: ERR_SINK_REDIRECT naming the Location host, nothing sent there, not counted as delivered`, async () => {
      const target = new URL(elsewhere.url)
      r.failNext(1, status, { location: `${target.origin}/steal?token=leaked-in-location` })
      const before = r.attempts
      const e = await failure(webhookSink({ url: r.url, secret: SECRET, retry: quick, headers: { 'x-api-key': 'k3y-must-stay-home' } }).deliver([rec(1)]))
      assert.equal(e.code, 'ERR_SINK_REDIRECT')
      assert.ok(e.message.includes(target.host), e.message)
      assert.ok(!e.message.includes('leaked-in-location') && !e.message.includes('s3cr3t-query') && !e.message.includes('k3y'))
      assert.equal(r.attempts - before, 1, 'a redirect is not retried within the delivery')
      assert.equal(elsewhere.attempts, 0, 'nothing, not even a GET, reached the other host')
    })

  test('Retry-After is capped: a huge delta or a date ten days ahead hands the batch back at once with retryAfterMs = 5 min', async () => {
    for (const value of ['2000000', new Date(Date.now() + 10 * 86_400_000).toUTCString()]) {
      r.failNext(1, 503, { 'retry-after': value })
      const started = Date.now()
      const e = await failure(webhookSink({ url: r.url, secret: SECRET, retry: { maxRetries: 4, baseDelayMs: 1, maxDelayMs: 30_000 } }).deliver([rec(1)]))
      assert.equal(e.code, 'ERR_SINK_UNAVAILABLE')
      assert.equal(e.retryAfterMs, 300_000, value)
      assert.ok(Date.now() - started < 5_000, 'nothing slept on the receiver\'s word')
    }
    // A short Retry-After is waited for within the delivery.
    r.failNext(1, 429, { 'retry-after': '1' })
    const started = Date.now()
    await webhookSink({ url: r.url, secret: SECRET, retry: { maxRetries: 3, baseDelayMs: 1, maxDelayMs: 30_000 } }).deliver([rec(1)])
    assert.ok(Date.now() - started >= 900)
  })

  test('splits a large outbox batch into POSTs of batchSize', async () => {
    const n = r.requests.length
    await webhookSink({ url: r.url, secret: SECRET, batchSize: 2, retry: quick }).deliver([rec(1), rec(2), rec(3), rec(4), rec(5)])
    assert.deepEqual(r.requests.slice(n).map((x) => x.body.records.length), [2, 2, 1])
  })

  test('gives up after its retries with ERR_SINK_UNAVAILABLE, naming only the origin (the URL query may be a secret)', async () => {
    r.failNext(10)
    const err = await failure(webhookSink({ url: r.url, secret: SECRET, retry: { ...quick, maxRetries: 1 } }).deliver([rec(1)]))
    assert.equal(err.code, 'ERR_SINK_UNAVAILABLE')
    assert.doesNotMatch(err.message, /s3cr3t|hooks/)
    r.failNext(0)
  })

  test('a 4xx other than 408/425/429 is not retried (ERR_SINK_REJECTED); 410 Gone says so', async () => {
    r.failNext(1, 400)
    const before = r.attempts
    await assert.rejects(webhookSink({ url: r.url, secret: SECRET, retry: quick }).deliver([rec(1)]), { code: 'ERR_SINK_REJECTED' })
    assert.equal(r.attempts - before, 1)
    r.failNext(1, 410)
    const gone = await failure(webhookSink({ url: r.url, secret: SECRET, retry: quick }).deliver([rec(1)]))
    assert.equal(gone.code, 'ERR_SINK_REJECTED')
    assert.match(gone.hint!, /410 Gone/)
  })

  test('configuration errors are reported at construction, never echoing a secret', () => {
    assert.throws(() => webhookSink({ url: 'not a url', secret: SECRET }), { code: 'ERR_SINK_CONFIG' })
    assert.throws(() => webhookSink({ url: 'ftp://example.com/x', secret: SECRET }), { code: 'ERR_SINK_CONFIG' })
    const bad: [string, unknown][] = [
      ['missing', undefined],
      ['not whsec_', 'c2VjcmV0LXZhbHVlLXRoYXQtaXMtbG9uZy1lbm91Z2g='],
      ['too short', `whsec_${Buffer.alloc(16, 1).toString('base64')}`],
      ['too long', `whsec_${Buffer.alloc(65, 1).toString('base64')}`],
      ['not base64', 'whsec_this is not base64 at all, is it?!'],
    ]
    for (const [what, secret] of bad) {
      const e = (() => {
        try {
          webhookSink({ url: r.url, secret: secret as string })
        } catch (err) {
          return err as { code: string; message: string; hint?: string }
        }
        return assert.fail(`${what}: accepted`)
      })()
      assert.equal(e.code, 'ERR_SINK_CONFIG', what)
      if (typeof secret === 'string') assert.ok(!e.message.includes(secret.slice(6)) && !String(e.hint).includes(secret.slice(6)), what)
    }
    for (const headers of [{ 'webhook-signature': 'v1,forged' }, { 'Content-Type': 'text/plain' }, { 'x-evil': 'a\r\nhost: other' }, { 'bad name': 'x' }] as Record<string, string>[])
      assert.throws(() => webhookSink({ url: r.url, secret: SECRET, headers }), { code: 'ERR_SINK_CONFIG' })
  })
})

describe('webhookSinkFromSettings (the --sink-webhook-header / M365D_WEBHOOK_SECRET form)', () => {
  let r: Receiver
  before(async () => {
    r = await receiver()
  })
  after(() => r.close())

  test("'Name: value' header lines are sent, and every value and the secret are registered for redaction", async () => {
    const registered: string[] = []
    const sink = webhookSinkFromSettings({
      url: r.url,
      headerLines: ['x-api-key: k3y-value:with:colons', 'Authorization:Bearer abc'],
      secret: SECRET,
      registerSecret: (v) => registered.push(v),
      options: { retry: quick },
    })
    await sink.deliver([rec(1)])
    const got = r.requests.at(-1)!
    assert.equal(got.headers['x-api-key'], 'k3y-value:with:colons')
    assert.equal(got.headers.authorization, 'Bearer abc')
    assert.ok(verifyStandardWebhook(SECRET, got.headers, got.rawBody))
    assert.ok(registered.includes('k3y-value:with:colons') && registered.includes('Bearer abc') && registered.includes(SECRET))
  })

  test('no secret, or a header line without a colon → ERR_SINK_CONFIG; the value never appears', () => {
    assert.throws(() => webhookSinkFromSettings({ url: r.url }), (e: { code: string; hint: string }) => e.code === 'ERR_SINK_CONFIG' && /M365D_WEBHOOK_SECRET/.test(e.hint))
    assert.throws(() => parseHeaderLine('x-api-key=v4lue'), (e: Error & { code: string }) => e.code === 'ERR_SINK_CONFIG' && !e.message.includes('v4lue'))
    assert.deepEqual(parseHeaderLine(' X-Api-Key :  v  '), ['X-Api-Key', 'v'])
  })
})
