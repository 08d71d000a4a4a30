// Issue 11 §2: a PostgreSQL error puts the server's own message and the fix on the error line,
// without --debug (the CLI as a subprocess against the machine's real PostgreSQL).
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { test } from 'node:test'
import pg from 'pg'
import { ADMIN_URL, postgresAvailable, postgresDatabase } from '../sync/_databases.js'
import { runCli } from './_cli.js'

const skip = await postgresAvailable()

test('"database does not exist": the server\'s message and a createdb fix on the error line', { skip }, async () => {
  const url = new URL(ADMIN_URL)
  const name = `m365d_config_missing_${randomBytes(4).toString('hex')}`
  url.pathname = `/${name}`
  for (const args of [['tenants', 'list'], ['tenants', 'list', '-o', 'json']]) {
    const r = await runCli([...args, '--database-url', url.toString()])
    assert.equal(r.code, 2, r.stderr)
    const lines = r.stderr.trim().split('\n')
    const error = lines.find((l) => l.startsWith('error '))
    assert.ok(error, r.stderr)
    assert.match(error, new RegExp(`^error ERR_DB_NOT_FOUND: cannot connect to PostgreSQL at .*: database "${name}" does not exist$`))
    assert.match(lines[lines.indexOf(error) + 1] ?? '', new RegExp(`^hint: create it: createdb -h ${url.hostname} -p ${url.port || 5432} -U ${decodeURIComponent(url.username) || 'postgres'} ${name} `))
    assert.doesNotMatch(r.stderr, /at .*\.js:\d+/, 'no stack trace without --debug')
  }
})

test('a password in the URL is never printed, in the message or the hint', { skip }, async () => {
  const url = new URL(ADMIN_URL)
  url.password = 'never-print-this-pw'
  url.pathname = `/m365d_config_missing_${randomBytes(4).toString('hex')}`
  const r = await runCli(['tenants', 'list', '--database-url', url.toString()])
  assert.equal(r.code, 2, r.stderr)
  assert.match(r.stderr, /^error ERR_DB_(NOT_FOUND|AUTH): /m)
  assert.ok(!r.stderr.includes('never-print-this-pw') && !r.stdout.includes('never-print-this-pw'))
})

test('a statement the server refuses (permission denied): its message, SQLSTATE and the GRANT fix, exit 2, not "a bug in m365d"', { skip }, async () => {
  const db = await postgresDatabase()
  const role = `m365d_ro_${randomBytes(4).toString('hex')}`
  const admin = new pg.Client({ connectionString: db.url })
  await admin.connect()
  try {
    // A user that may connect but not create m365d's tables (PostgreSQL 15+ default for non-owners).
    await admin.query(`CREATE ROLE ${role} LOGIN`)
    await admin.query('REVOKE CREATE ON SCHEMA public FROM PUBLIC')
    const url = new URL(db.url!)
    url.username = role
    for (const args of [['tenants', 'list'], ['tenants', 'add', '00000000-0000-4000-8000-000000000001']]) {
      const r = await runCli([...args, '--database-url', url.toString()])
      assert.equal(r.code, 2, r.stderr)
      const lines = r.stderr.trim().split('\n')
      const error = lines.findIndex((l) => l.startsWith('error '))
      assert.match(lines[error] ?? '', /^error ERR_DB_PERMISSION: PostgreSQL refused the statement: permission denied for schema public \[SQLSTATE 42501\]$/, r.stderr)
      assert.match(lines[error + 1] ?? '', /^hint: .*GRANT CREATE, USAGE ON SCHEMA public TO/)
      assert.doesNotMatch(r.stderr, /ERR_INTERNAL|bug in m365d|at .*\.js:\d+/)
    }
  } finally {
    await admin.end()
    await db.cleanup()
    const c = new pg.Client({ connectionString: ADMIN_URL })
    await c.connect()
    await c.query(`DROP ROLE IF EXISTS ${role}`).catch(() => undefined)
    await c.end()
  }
})
