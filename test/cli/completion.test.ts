// `m365d help <command>` and `m365d completion bash|zsh|fish`, each script run by its real shell.
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import type { Command } from '../../src/cli/command.js'
import { commands } from '../../src/cli/commands/index.js'
import { runCli, tempDir } from './_cli.js'

const has = (shell: string) => spawnSync('sh', ['-c', `command -v ${shell}`]).status === 0

async function script(shell: string): Promise<string> {
  const r = await runCli(['completion', shell])
  assert.equal(r.code, 0, r.stderr)
  const path = join(tempDir(), `m365d.${shell}`)
  writeFileSync(path, r.stdout)
  return path
}

function run(shell: string, args: string[]): string {
  const r = spawnSync(shell, args, { encoding: 'utf8', timeout: 30_000 })
  assert.equal(r.status, 0, r.stderr)
  return r.stdout
}

describe('help and completion', { concurrency: true }, () => {
  test('m365d help <command> [sub] prints that command\'s help; help alone the command list', async () => {
    const [sub, top, bad] = await Promise.all([runCli(['help', 'incidents', 'list']), runCli(['help']), runCli(['help', 'nope'])])
    assert.equal(sub.code, 0, sub.stderr)
    assert.match(sub.stdout, /^m365d incidents list — /)
    assert.match(sub.stdout, /--since <DURATION>/)
    assert.match(top.stdout, /^Commands:$/m)
    assert.match(top.stdout, /completion/)
    assert.equal(bad.code, 2)
    assert.match(bad.stderr, /unknown command 'nope'/)
  })

  test('m365d help <path> works for every command and subcommand of the registry', async () => {
    const paths: string[][] = []
    const walk = (c: Command<any>, path: string[]) => {
      paths.push(path)
      for (const sub of c.subCommands ?? []) walk(sub, [...path, sub.name])
    }
    for (const load of Object.values(commands)) {
      const c = (await load()).default
      walk(c, [c.name])
    }
    assert.ok(paths.length > 30)
    for (let i = 0; i < paths.length; i += 6) {
      const batch = paths.slice(i, i + 6)
      const results = await Promise.all(batch.map((p) => runCli(['help', ...p])))
      results.forEach((r, j) => {
        assert.equal(r.code, 0, `m365d help ${batch[j]!.join(' ')}: ${r.stderr}`)
        assert.match(r.stdout, new RegExp(`^m365d ${batch[j]!.join(' ')} — .+\\n\\nUsage: m365d ${batch[j]!.join(' ')}`), r.stdout.slice(0, 200))
      })
    }
  })

  test('unknown shell → usage error', async () => {
    const r = await runCli(['completion', 'tcsh'])
    assert.equal(r.code, 2)
    assert.match(r.stderr, /unknown shell 'tcsh'.*\nhint: use one of bash, zsh, fish/)
  })

  test('bash: commands, subcommands and options from the command table', { skip: !has('bash') && 'bash not installed' }, async () => {
    const path = await script('bash')
    const complete = (...words: string[]) => run('bash', ['-c', `source ${path}; COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _m365d; printf '%s\\n' "\${COMPREPLY[@]}"`]).trim().split('\n')
    assert.deepEqual(complete('m365d', 'tok'), ['token'])
    assert.deepEqual(complete('m365d', 'token', 'ins'), ['inspect'])
    assert.deepEqual(complete('m365d', 'incidents', 'list', '--sta'), ['--status'])
    assert.ok(complete('m365d', '-o', 'json', 'incidents', '').includes('list'), 'options before the command are skipped')
    assert.ok(complete('m365d', 'completion', '').includes('--output'))
    assert.deepEqual(complete('m365d', 'config', 'u'), ['unset', 'use'])
    assert.deepEqual(complete('m365d', 'config', 'set', 'tenant'), ['tenantId', 'tenants'], 'config keys complete after config set')
    assert.deepEqual(complete('m365d', '--prof'), ['--profile'])
    assert.deepEqual(complete('m365d', '--profile', 'prod', 'sy'), ['sync'], 'a global option value before the command is skipped')
    assert.deepEqual(complete('m365d', 'config', 'set', 'webhookH'), ['webhookHeaders'])
    assert.deepEqual(complete('m365d', 'start', '--sink-webhook-'), ['--sink-webhook-header'], 'start takes the sink flags of the configuration')
    // Option values: listed ones complete, free-form ones complete nothing (bash falls back to file names).
    assert.deepEqual(complete('m365d', 'incidents', 'list', '-o', ''), ['table', 'json', 'jsonc', 'yaml', 'tsv', 'csv', 'ndjson'])
    assert.deepEqual(complete('m365d', 'alerts', 'list', '--severity', 'h'), ['high'])
    assert.deepEqual(complete('m365d', 'hunt', '--api', ''), ['graph', 'legacy'])
    assert.deepEqual(complete('m365d', 'sync', '--log-format', ''), ['human', 'json'])
    assert.deepEqual(complete('m365d', 'hunt', '--file', ''), [''])
    assert.ok(complete('m365d', 'token', '--tenant', 'inspect', '').includes('validate'), "a value that names a subcommand ('inspect') is still a value")
    assert.deepEqual(complete('m365d', 'completion', 'z'), ['zsh'])
    assert.deepEqual(complete('m365d', 'help', 'tenants', 'o'), ['onboard'])
  })

  test('zsh: the same words through compadd', { skip: !has('zsh') && 'zsh not installed' }, async () => {
    const path = await script('zsh')
    const complete = (...words: string[]) =>
      run('zsh', ['-fc', `compdef() {}; source ${path}; compadd() { shift; print -l -- "$@" }; words=(${words.map((w) => `'${w}'`).join(' ')}); CURRENT=${words.length}; _m365d`]).trim().split('\n')
    assert.ok(complete('m365d', '').includes('incidents'))
    assert.ok(complete('m365d', 'token', '').includes('validate'))
    assert.ok(complete('m365d', 'incidents', 'list', '').includes('--severity'))
    assert.ok(complete('m365d', 'config', 'get', '').includes('webhookSecretFile'))
  })

  test('fish: complete -C gives the candidates', { skip: !has('fish') && 'fish not installed' }, async () => {
    const path = await script('fish')
    const complete = (line: string) => run('fish', ['-c', `source ${path}; complete -C '${line}'`]).trim().split('\n')
    assert.deepEqual(complete('m365d tok'), ['token'])
    assert.deepEqual(complete('m365d token ins'), ['inspect'])
    assert.ok(complete('m365d hunt --all').includes('--all-tenants'))
    assert.deepEqual(complete('m365d config set clientS'), ['clientSecret', 'clientSecretFile'])
  })
})
