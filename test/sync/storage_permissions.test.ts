import assert from 'node:assert/strict'
import { chmodSync, mkdirSync, statSync, readdirSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, test } from 'node:test'
import { openStore } from '../../src/sync/index.js'

/** Issue 10 §6: the embedded store is private whatever the umask, and a store others can write is refused. */
describe('embedded store permissions', { skip: process.platform === 'win32' }, () => {
  const dirs: string[] = []
  const fresh = async () => {
    const d = await mkdtemp(join(tmpdir(), 'm365d-perm-'))
    dirs.push(d)
    return d
  }
  after(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true })
  })

  const modes = (dir: string): { path: string; mode: number; dir: boolean }[] => {
    const out: { path: string; mode: number; dir: boolean }[] = []
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name)
      if (e.isSymbolicLink()) continue
      out.push({ path: p, mode: statSync(p).mode & 0o777, dir: e.isDirectory() })
      if (e.isDirectory()) out.push(...modes(p))
    }
    return out
  }

  test('created with umask 000: the directory is 0700 and every file 0600, after open and after close', async () => {
    const dir = join(await fresh(), 'data')
    const old = process.umask(0)
    try {
      const { db } = await openStore({ dataDir: dir })
      await db.query(`INSERT INTO m365d_tenants (tenant_id) VALUES ('a')`)
      assert.equal(statSync(dir).mode & 0o777, 0o700)
      assert.equal(statSync(join(dir, 'm365d.lock')).mode & 0o777, 0o600)
      await db.close()
    } finally {
      process.umask(old)
    }
    const all = modes(dir)
    assert.ok(all.length > 10, 'PGlite wrote its files')
    for (const m of all) assert.equal(m.mode, m.dir ? 0o700 : 0o600, `${m.path} is ${m.mode.toString(8)}`)
  })

  test('a store others can write is refused with the fix; one they can only read is made private', async () => {
    const writable = join(await fresh(), 'open')
    mkdirSync(writable)
    chmodSync(writable, 0o777)
    await assert.rejects(openStore({ dataDir: writable }), (e: { code: string; hint: string }) => {
      assert.equal(e.code, 'ERR_DB_DATA_DIR_PERMISSIONS')
      assert.match(e.hint, /chmod -R go-rwx/)
      return true
    })
    assert.deepEqual(readdirSync(writable), [], 'nothing written')
    const readable = join(await fresh(), 'old')
    mkdirSync(readable)
    chmodSync(readable, 0o755)
    const { db } = await openStore({ dataDir: readable })
    await db.close()
    assert.equal(statSync(readable).mode & 0o777, 0o700)
  })
})
