import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { createEmulator, serve, type Emulator, type RunningEmulator } from '../../src/emulator/index.js'

describe('emulator core', () => {
  let emulator: Emulator
  let running: RunningEmulator
  before(async () => {
    emulator = await createEmulator()
    running = await serve(emulator)
  })
  after(() => running.close())

  test('unknown API paths answer the Defender error body over a real port', async () => {
    const res = await fetch(`${running.url}/api/nothing-here`)
    assert.equal(res.status, 404)
    const body = (await res.json()) as { error: { code: string } }
    assert.equal(body.error.code, 'NotFound')
  })

  test('a reset fault drops the connection on a real port and rejects in-process', async () => {
    emulator.faults.add({ target: 'unmatched', reset: true, count: 2 })
    await assert.rejects(fetch(`${running.url}/x`), TypeError)
    await assert.rejects(emulator.fetch('http://emulator.test/x'), TypeError)
    assert.equal(emulator.faults.list().length, 0)
  })
})

describe('emulator core: method not allowed', () => {
  test('an existing API path with the wrong method is 405 with Allow and the error body', async () => {
    const emulator = await createEmulator()
    const res = await emulator.fetch('http://emulator.test/api/incidents', { method: 'DELETE' })
    assert.equal(res.status, 405)
    assert.match(res.headers.get('allow') ?? '', /GET/)
    const body = (await res.json()) as { error: { code: string } }
    assert.equal(body.error.code, 'MethodNotAllowed')
  })
})
