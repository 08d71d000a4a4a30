import { strict as assert } from 'node:assert'
import { existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import { WELL_KNOWN } from '../../../src/emulator/index.js'
import { runCli, tempDir } from '../../cli/_cli.js'

/**
 * Bad input to `m365d sync`: a clear error with a stable code, exit 2, and nothing written.
 * No emulator needed: every check fails before the first request (the authority is unreachable
 * on purpose, so a test that got further would fail differently).
 */
const env = {
  M365D_AUTHORITY_HOST: 'http://127.0.0.1:9',
  M365D_DEFENDER_API: 'http://127.0.0.1:9',
  M365D_CLIENT_ID: WELL_KNOWN.clientId,
  M365D_CLIENT_SECRET: WELL_KNOWN.clientSecret,
}

async function sync(args: string[], extraEnv: Record<string, string> = {}) {
  const r = await runCli(['sync', '--once', '--json', ...args], { env: { ...env, ...extraEnv } })
  const out = JSON.parse(r.stdout) as { error: { code: string; message: string; hint?: string } }
  return { ...r, error: out.error }
}

describe('m365d sync: bad input', () => {
  test('unreachable database URL: ERR_DB_UNREACHABLE, exit 2, password never printed', async () => {
    const r = await sync(['--database-url', 'postgres://m365d:Sup3rSecretPw@127.0.0.1:1/m365d'])
    assert.equal(r.code, 2)
    assert.equal(r.error.code, 'ERR_DB_UNREACHABLE')
    assert.ok(r.error.hint)
    assert.ok(!r.stdout.includes('Sup3rSecretPw') && !r.stderr.includes('Sup3rSecretPw'))
    assert.ok(r.error.message.includes('postgres://m365d:***@127.0.0.1:1/m365d'))
  })

  test('the same from M365D_DATABASE_URL; a non-postgres URL is refused before connecting', async () => {
    const r = await sync([], { M365D_DATABASE_URL: 'postgres://m365d:Sup3rSecretPw@127.0.0.1:1/m365d' })
    assert.equal(r.error.code, 'ERR_DB_UNREACHABLE')
    const bad = await sync(['--database-url', 'mysql://u:Sup3rSecretPw@h/db'])
    assert.equal(bad.code, 2)
    assert.equal(bad.error.code, 'ERR_DB_URL_INVALID')
    assert.ok(!bad.stdout.includes('Sup3rSecretPw'))
  })

  test('data directory that cannot be written (under a regular file): ERR_DB_DATA_DIR, exit 2, nothing created', async () => {
    // Tests run as root, which may write anywhere: a path under a regular file fails for everyone.
    const base = tempDir('m365d-bad-')
    const file = join(base, 'not-a-dir')
    writeFileSync(file, 'x')
    const r = await sync(['--data-dir', join(file, 'data')])
    assert.equal(r.code, 2)
    assert.equal(r.error.code, 'ERR_DB_DATA_DIR')
    const asFile = await sync([], { M365D_DATA_DIR: file })
    assert.equal(asFile.code, 2)
    assert.equal(asFile.error.code, 'ERR_DB_DATA_DIR')
  })

  test('corrupt configuration file: ERR_CONFIG_FILE_INVALID, exit 2, no data directory created', async () => {
    const base = tempDir('m365d-bad-')
    const config = join(base, 'config.json')
    writeFileSync(config, '{"clientId": "d3f3e4d0-0000-4000-8000-00000000a001",')
    const dataDir = join(base, 'data')
    const r = await sync(['--config', config, '--data-dir', dataDir])
    assert.equal(r.code, 2)
    assert.equal(r.error.code, 'ERR_CONFIG_FILE_INVALID')
    assert.equal(existsSync(dataDir), false)
  })

  test('invalid daemon options are usage errors before anything is written', async () => {
    const dataDir = join(tempDir('m365d-bad-'), 'data')
    for (const [args, code] of [
      [['--interval', 'soon'], 'ERR_CLI_INVALID_DURATION'],
      [['--concurrency', '0'], 'ERR_CLI_INVALID_OPTION'],
      [['--surface', 'beta'], 'ERR_CLI_INVALID_OPTION'],
      [['--sink-webhook', 'not a url'], 'ERR_CLI_INVALID_URL'],
    ] as const) {
      const r = await sync([...args, '--data-dir', dataDir])
      assert.equal(r.code, 2, args.join(' '))
      assert.equal(r.error.code, code)
    }
    assert.equal(existsSync(dataDir), false)
  })
})
