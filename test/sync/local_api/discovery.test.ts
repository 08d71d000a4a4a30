import assert from 'node:assert/strict'
import { existsSync, statSync } from 'node:fs'
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { discoveryPath, newLocalApiCredential, publishDiscovery, readDiscovery, type LocalApiDiscovery } from '../../../src/sync/index.js'

const entry = (o: Partial<LocalApiDiscovery> = {}): LocalApiDiscovery => ({ pid: process.pid, url: 'http://127.0.0.1:9464', port: 9464, credential: newLocalApiCredential(), startedAt: new Date().toISOString(), store: 'embedded', worker: 'w', ...o })

test('the discovery file is private, read back while its process lives, and removed at unpublish only if still ours', async () => {
  const dir = join(await mkdtemp(join(tmpdir(), 'm365d-discovery-')), 'data')
  const mine = entry()
  const unpublish = await publishDiscovery(dir, mine)
  assert.equal(statSync(discoveryPath(dir)).mode & 0o777, 0o600)
  assert.deepEqual(await readDiscovery(dir), { kind: 'found', discovery: mine })
  // Replaced by another run meanwhile: this run's unpublish leaves the new file alone.
  const next = entry()
  await publishDiscovery(dir, next)
  await unpublish()
  assert.equal(existsSync(discoveryPath(dir)), true)
})

test('a file whose process is gone is stale and removed; a malformed one is invalid and removed; none is none', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'm365d-discovery-'))
  assert.deepEqual(await readDiscovery(dir), { kind: 'none' })
  await publishDiscovery(dir, entry({ pid: 2 ** 30 }))
  assert.deepEqual(await readDiscovery(dir), { kind: 'stale', pid: 2 ** 30 })
  assert.equal(existsSync(discoveryPath(dir)), false)
  await writeFile(discoveryPath(dir), '{"pid": "x"}')
  assert.deepEqual(await readDiscovery(dir), { kind: 'invalid' })
  assert.equal(existsSync(discoveryPath(dir)), false)
})
