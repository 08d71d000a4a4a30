import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { DefenderClient } from '../../src/defender/client.js'
import { startPeer, tokenSource, type Peer } from './_peer.js'

describe('paging over a real HTTP peer', () => {
  let peer: Peer
  before(async () => (peer = await startPeer()))
  after(() => peer.close())

  test('legacy: $skip advances by page until a short page; limit stops early', async () => {
    const all = Array.from({ length: 250 }, (_, i) => ({ incidentId: i + 1 }))
    peer.script((s) => {
      const u = new URL(s.url, 'http://x')
      const skip = Number(u.searchParams.get('$skip') ?? 0)
      const top = Number(u.searchParams.get('$top'))
      return { body: { '@odata.context': 'x', value: all.slice(skip, skip + top) } }
    })
    const client = new DefenderClient({ tokenProvider: tokenSource(), tenant: 't', surface: 'legacy', baseUrl: peer.url, limits: false })
    const ids = (await client.listIncidents().toArray()).map((i) => i.incidentId)
    assert.deepEqual(ids, all.map((i) => i.incidentId))
    assert.deepEqual(peer.seen.map((s) => new URL(s.url, 'http://x').searchParams.get('$skip')), [null, '100', '200'])
    peer.seen.length = 0
    const pages: number[] = []
    for await (const page of client.listIncidents({ limit: 130 }).pages()) pages.push(page.items.length)
    assert.deepEqual(pages, [100, 30])
    assert.equal(peer.seen.length, 2)
  })

  test('legacy: a new incident on top between pages shifts the offsets; the repeat is dropped, none lost', async () => {
    let all = Array.from({ length: 150 }, (_, i) => ({ incidentId: 150 - i }))
    peer.script((s) => {
      const skip = Number(new URL(s.url, 'http://x').searchParams.get('$skip') ?? 0)
      const page = all.slice(skip, skip + 100)
      if (skip === 0) all = [{ incidentId: 151 }, ...all] // created while the client pages
      return { body: { value: page } }
    })
    const client = new DefenderClient({ tokenProvider: tokenSource(), tenant: 't', surface: 'legacy', baseUrl: peer.url, limits: false })
    const ids = (await client.listIncidents().toArray()).map((i) => i.incidentId)
    assert.equal(ids.length, 150)
    assert.equal(new Set(ids).size, 150)
    assert.deepEqual([...ids].sort((a, b) => a - b), Array.from({ length: 150 }, (_, i) => i + 1))
  })

  test('a server that ignores $skip (same full page every time) fails with ERR_HTTP_PAGING_STALLED instead of looping', async () => {
    const page = Array.from({ length: 100 }, (_, i) => ({ incidentId: 500 - i }))
    peer.script(() => ({ body: { value: page } }))
    peer.seen.length = 0
    const client = new DefenderClient({ tokenProvider: tokenSource(), tenant: 't', surface: 'legacy', baseUrl: peer.url, limits: false })
    let got = 0
    await assert.rejects(
      (async () => {
        for await (const _ of client.listIncidents()) got++
      })(),
      (e: any) => e.code === 'ERR_HTTP_PAGING_STALLED' && e.pages === 3,
    )
    assert.equal(got, 100, 'the first page is delivered once')
    assert.equal(peer.seen.length, 4, 'one real page + three repeats, then stop')
  })

  test('a small limit asks for a small page', async () => {
    peer.script({ body: { value: [{ incidentId: 1 }, { incidentId: 2 }] } })
    const client = new DefenderClient({ tokenProvider: tokenSource(), tenant: 't', surface: 'legacy', baseUrl: peer.url, limits: false })
    assert.equal((await client.listIncidents({ limit: 2 }).toArray()).length, 2)
    assert.equal(new URL(peer.seen[0]!.url, 'http://x').searchParams.get('$top'), '2')
  })

  test('graph: follows @odata.nextLink on the same origin', async () => {
    peer.script(
      (s) => ({ body: { value: [{ id: '1' }, { id: '2' }], '@odata.nextLink': `${peer.url}/v1.0/security/incidents?$top=2&$skiptoken=abc` } }),
      { body: { value: [{ id: '3' }] } },
    )
    const client = new DefenderClient({ tokenProvider: tokenSource(), tenant: 't', surface: 'graph', baseUrl: peer.url, limits: false })
    const ids = (await client.listIncidents({ pageSize: 2 }).toArray()).map((i) => i.id)
    assert.deepEqual(ids, ['1', '2', '3'])
    assert.equal(peer.seen[1]!.url, '/v1.0/security/incidents?$top=2&$skiptoken=abc')
  })

  test('graph: a nextLink to another origin is refused before the token leaves (ERR_HTTP_NEXTLINK_ORIGIN)', async () => {
    peer.script({ body: { value: [{ id: '1' }], '@odata.nextLink': 'https://evil.example/v1.0/security/incidents?$skiptoken=x' } })
    const client = new DefenderClient({ tokenProvider: tokenSource(), tenant: 't', surface: 'graph', baseUrl: peer.url, limits: false })
    const seenIds: string[] = []
    await assert.rejects(async () => {
      for await (const i of client.listIncidents()) seenIds.push(i.id)
    }, (e: any) => e.code === 'ERR_HTTP_NEXTLINK_ORIGIN' && e.expectedOrigin === peer.url)
    assert.deepEqual(seenIds, ['1'])
    assert.equal(peer.seen.length, 1)
  })

  test('a page without a value array is ERR_HTTP_INVALID_BODY', async () => {
    peer.script({ body: { nope: true } })
    const client = new DefenderClient({ tokenProvider: tokenSource(), tenant: 't', baseUrl: peer.url, limits: false, retry: { maxRetries: 0 } })
    await assert.rejects(client.listIncidents().toArray(), (e: any) => e.code === 'ERR_HTTP_RETRIES_EXHAUSTED' && e.cause.code === 'ERR_HTTP_INVALID_BODY')
  })
})
