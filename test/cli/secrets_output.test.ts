import { strict as assert } from 'node:assert'
import { writeFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import { registerSecret } from '../../src/lib/errors.js'
import { createLogger, openStore, upsertTenant } from '../../src/sync/index.js'
import { setTenantHealth } from '../../src/sync/db/sql/tenants.js'
import { runCli, tempDir } from './_cli.js'

const SECRET = 'Qx8~kT3.vP0_zL9-secretValueNeverShown42'

/** Issue 10 §6: the configured secret is scrubbed from every output path and before anything is persisted. */
describe('the configured secret never reaches output or the store', () => {
  test('pasted into the authority host: the config error does not echo it', async () => {
    const r = await runCli(['token', '--json'], { env: { M365D_TENANT_ID: 'contoso.onmicrosoft.com', M365D_CLIENT_ID: '00001111-aaaa-2222-bbbb-3333cccc4444', M365D_CLIENT_SECRET: SECRET, M365D_AUTHORITY_HOST: SECRET } })
    assert.equal(r.code, 2)
    assert.ok(!(r.stdout + r.stderr).includes(SECRET), r.stdout + r.stderr)
    assert.ok(!(r.stdout + r.stderr).includes(SECRET.slice(0, 12)))
  })

  test('a malformed JSON config file holding the secret: the error gives the position, not the text', async () => {
    const file = join(tempDir(), 'config.json')
    writeFileSync(file, `{"clientSecret": "${SECRET}",, "clientId": "x"}`, { mode: 0o600 })
    const r = await runCli(['token', '--config', file, '--json'])
    assert.equal(r.code, 2)
    assert.match(r.stdout + r.stderr, /ERR_CONFIG_FILE_INVALID/)
    assert.ok(!(r.stdout + r.stderr).includes(SECRET.slice(0, 8)), r.stdout + r.stderr)
  })

  test('health_detail and daemon log lines are scrubbed once the secret is registered', async () => {
    registerSecret(SECRET)
    const dir = await mkdtemp(join(tmpdir(), 'm365d-secret-'))
    try {
      const { db } = await openStore({ dataDir: join(dir, 'data') })
      await upsertTenant(db, { tenantId: '11111111-2222-4333-8444-555555555555' })
      await setTenantHealth(db, '11111111-2222-4333-8444-555555555555', 'error', { message: `server said: invalid client_secret ${SECRET} and ${encodeURIComponent(SECRET)}` })
      const { rows } = await db.query<{ health_detail: unknown }>(`SELECT health_detail FROM m365d_tenants`)
      const stored = JSON.stringify(rows[0]!.health_detail)
      assert.ok(!stored.includes(SECRET) && !stored.includes(encodeURIComponent(SECRET)), stored)
      assert.match(stored, /\[redacted\]/)
      await db.close()
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
    let out = ''
    const logger = createLogger({ stream: { write: (l: string) => void (out += l) }, level: 'info', diagnostics: false })
    logger.log('warn', 'pass.failed', { message: `echo ${SECRET}` })
    logger.close()
    assert.ok(out.length > 0 && !out.includes(SECRET), out)
  })
})
