// Issue 11 §2: a PostgreSQL error puts the server's own message and the fix on the error line,
// without --debug (the CLI as a subprocess against the machine's real PostgreSQL).
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { test } from 'node:test'
import { ADMIN_URL, postgresAvailable } from '../sync/_databases.js'
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
