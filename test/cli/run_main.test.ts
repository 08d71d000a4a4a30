import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { runMain } from '../../src/cli/run_main.js'
import { runCli } from './_cli.js'

describe('m365d framework (subprocess)', { concurrency: true }, () => {
  test('--help lists the commands and exits 0', async () => {
    const r = await runCli(['--help'])
    assert.equal(r.code, 0)
    for (const name of ['token', 'consent-link', 'emulator', 'demo']) assert.match(r.stdout, new RegExp(`^  ${name} `, 'm'))
  })

  test('--version prints the package version', async () => {
    const r = await runCli(['--version'])
    assert.equal(r.code, 0)
    assert.match(r.stdout.trim(), /^\d+\.\d+\.\d+/)
  })

  test('no command → usage error (exit 2) with the help on stderr', async () => {
    const r = await runCli([])
    assert.equal(r.code, 2)
    assert.match(r.stderr, /error ERR_CLI_NO_COMMAND/)
  })

  test('unknown command → exit 2 naming the closest command', async () => {
    const r = await runCli(['tokne'])
    assert.equal(r.code, 2)
    assert.match(r.stderr, /^error ERR_CLI_UNKNOWN_COMMAND: /m)
    assert.match(r.stderr, /^hint: did you mean 'm365d token'\?/m)
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack without --debug')
  })

  test('unknown subcommand → exit 2 naming the closest one', async () => {
    const r = await runCli(['token', 'inspcet'])
    assert.equal(r.code, 2)
    assert.match(r.stderr, /error ERR_CLI_UNKNOWN_COMMAND/)
    assert.match(r.stderr, /did you mean 'm365d token inspect'\?/)
  })

  test('unknown flag → exit 2 naming the closest flag', async () => {
    const r = await runCli(['token', '--tenat', 'contoso.onmicrosoft.com'])
    assert.equal(r.code, 2)
    assert.match(r.stderr, /error ERR_CLI_UNKNOWN_OPTION: unknown option '--tenat'/)
    assert.match(r.stderr, /did you mean --tenant\?/)
  })

  test('string flag without a value and boolean flag with one are usage errors', async () => {
    const [missing, extra] = await Promise.all([runCli(['token', '--tenant']), runCli(['token', '--v1=yes'])])
    assert.equal(missing.code, 2)
    assert.match(missing.stderr, /ERR_CLI_MISSING_VALUE/)
    assert.equal(extra.code, 2)
    assert.match(extra.stderr, /ERR_CLI_UNEXPECTED_VALUE/)
  })

  test('<cmd> --help prints the command help, global options included', async () => {
    const r = await runCli(['token', 'validate', '--help'])
    assert.equal(r.code, 0)
    assert.match(r.stdout, /^Usage: m365d token validate \[options\] \[TOKEN\|-\]/m)
    assert.match(r.stdout, /--require-roles <R1,R2>/)
    assert.match(r.stdout, /--json/)
    assert.doesNotMatch(r.stdout, /--client-secret </, 'the refused flag is not advertised')
  })

  test('help says "repeatable" once per option, also where the description already explains it', async () => {
    const r = await runCli(['hunt', '--help'])
    assert.equal(r.code, 0)
    assert.match(r.stdout, /--tag <TAG> +With --all-tenants: only tenants with this tag \(repeatable: all of them\)$/m)
    assert.doesNotMatch(r.stdout, /repeatable.*repeatable/)
  })

  test('--json errors: one JSON document on stdout with code, hint and exit code', async () => {
    const r = await runCli(['token', '--json'])
    assert.equal(r.code, 2)
    const doc = JSON.parse(r.stdout) as { error: { code: string; hint?: string; exitCode: number } }
    assert.equal(doc.error.code, 'ERR_CONFIG_MISSING_CLIENT_ID')
    assert.equal(doc.error.exitCode, 2)
    assert.ok(doc.error.hint)
  })

  test('--debug adds the stack', async () => {
    const r = await runCli(['token', '--debug'])
    assert.equal(r.code, 2)
    assert.match(r.stderr, /\n\s+at /)
  })
})

describe('runMain in-process', () => {
  test('returns the exit code instead of exiting, and writes only through io', async () => {
    let out = ''
    let err = ''
    const io = {
      stdout: { write: (s: string) => (out += s) },
      stderr: { write: (s: string) => (err += s) },
      stdin: (async function* () {})(),
      env: {},
      cwd: process.cwd(),
      isTTY: false,
    }
    assert.equal(await runMain(['consent-link', '--client-id', 'd3f3e4d0-0000-4000-8000-00000000a001'], io), 0)
    assert.match(out, /^https:\/\/login\.microsoftonline\.com\/common\/oauth2\/authorize\?/)
    assert.equal(await runMain(['nope'], io), 2)
    assert.match(err, /ERR_CLI_UNKNOWN_COMMAND/)
  })
})
