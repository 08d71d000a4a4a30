// The webhook sink's headers as a config key (`webhookHeaders`): set, validated, shown with their
// source and credential-like values hidden, never echoed — the CLI as a subprocess on real temp dirs.
import assert from 'node:assert/strict'
import { readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import { runCli, tempDir } from './_cli.js'

function home() {
  const dir = tempDir('m365d-home-')
  const env = { HOME: dir }
  const file = join(dir, '.config', 'm365d', 'config.json')
  return {
    file,
    env,
    run: (args: string[], o: { env?: Record<string, string>; stdin?: string } = {}) => runCli(args, { env: { ...env, ...o.env }, ...(o.stdin !== undefined && { stdin: o.stdin }) }),
    json: () => JSON.parse(readFileSync(file, 'utf8')) as Record<string, any>,
  }
}

const API_KEY = 'k3y-of-the-siem-do-not-print-0123456789'

describe('m365d config set webhookHeaders', { concurrency: true }, () => {
  test('plain headers as arguments; the file keeps {"name": "value"}; m365d config shows them with their source', async () => {
    const h = home()
    const set = await h.run(['config', 'set', 'webhookHeaders', 'x-source: mssp', 'X-Tenant-Tag: blue', '--profile', 'siem'])
    assert.equal(set.code, 0, set.stderr)
    assert.deepEqual(h.json().profiles.siem.webhookHeaders, { 'x-source': 'mssp', 'x-tenant-tag': 'blue' })
    const shown = await h.run(['config', '--profile', 'siem'])
    assert.match(shown.stdout, /^webhookHeaders +x-source: mssp, x-tenant-tag: blue +profile siem$/m)
    const get = await h.run(['config', 'get', 'webhookHeaders', '--profile', 'siem', '-o', 'json'])
    assert.deepEqual(JSON.parse(get.stdout), { key: 'webhookHeaders', value: 'x-source: mssp, x-tenant-tag: blue', source: 'profile' })
  })

  test('a credential-like header is refused as an argument (not echoed), taken from stdin with --plaintext-secret, then hidden everywhere', async () => {
    const h = home()
    const refused = await h.run(['config', 'set', 'webhookHeaders', `x-api-key: ${API_KEY}`])
    assert.equal(refused.code, 2)
    assert.match(refused.stderr, /ERR_CLI_SECRET_ON_COMMAND_LINE: refusing the value of x-api-key/)
    assert.match(refused.stderr, /--plaintext-secret < headers\.txt/)
    assert.ok(!refused.stderr.includes(API_KEY) && !refused.stdout.includes(API_KEY))
    const bearer = await h.run(['config', 'set', 'webhookHeaders', 'Authorization: Bearer abc'])
    assert.equal(bearer.code, 2, 'Authorization is a credential whatever its length')

    const set = await h.run(['config', 'set', 'webhookHeaders', '--plaintext-secret'], { stdin: `x-api-key: ${API_KEY}\nx-source: mssp\n` })
    assert.equal(set.code, 0, set.stderr)
    assert.match(set.stderr, /webhookHeaders are stored in plain text .* \(mode 0600\)/)
    assert.deepEqual(h.json().webhookHeaders, { 'x-api-key': API_KEY, 'x-source': 'mssp' })
    assert.equal(statSync(h.file).mode & 0o777, 0o600)
    const outputs = await Promise.all([h.run(['config']), h.run(['config', '-o', 'json']), h.run(['config', 'list']), h.run(['config', 'get', 'webhookHeaders'])])
    for (const r of outputs) {
      assert.equal(r.code, 0, r.stderr)
      assert.ok(!r.stdout.includes(API_KEY) && !r.stderr.includes(API_KEY), 'the key is never printed')
    }
    assert.match(outputs[0]!.stdout, /^webhookHeaders +x-api-key: \(hidden\), x-source: mssp +file$/m)
    assert.deepEqual(JSON.parse(outputs[1]!.stdout).settings.webhookHeaders, { value: 'x-api-key: (hidden), x-source: mssp', source: 'file' })
    assert.equal(outputs[3]!.stdout.trim(), 'x-api-key: (hidden), x-source: mssp')
  })

  test('bad names, reserved names and lines without a colon: exit 2, nothing written, no value echoed', async () => {
    const h = home()
    for (const [line, message] of [
      ['content-type: text/plain', /webhook header content-type is set by the sink itself/],
      ['webhook-signature: v1,abc', /set by the sink itself/],
      ['bad name: v', /"bad name" is not a valid HTTP header name/],
      ['just-a-pasted-key-without-colon-0123456789', /not in the 'Name: value' form/],
    ] as const) {
      const r = await h.run(['config', 'set', 'webhookHeaders', line])
      assert.equal(r.code, 2, line)
      assert.match(r.stderr, /ERR_CONFIG_INVALID_VALUE/)
      assert.match(r.stderr, message)
      if (line.startsWith('just')) assert.ok(!r.stderr.includes(line))
    }
    assert.throws(() => readFileSync(h.file), /ENOENT/)
  })

  test('the environment (JSON or lines) and the flag win over the file, as a whole set; a bad file value names the file', async () => {
    const h = home()
    assert.equal((await h.run(['config', 'set', 'webhookHeaders', 'x-source: file'])).code, 0)
    const env = await h.run(['config', '-o', 'json'], { env: { M365D_WEBHOOK_HEADERS: '{"x-source": "env", "x-api-key": "' + API_KEY + '"}' } })
    assert.deepEqual(JSON.parse(env.stdout).settings.webhookHeaders, { value: 'x-source: env, x-api-key: (hidden)', source: 'env' })
    assert.ok(!env.stdout.includes(API_KEY))
    const bad = await h.run(['config'], { env: { M365D_WEBHOOK_HEADERS: API_KEY } })
    assert.equal(bad.code, 2)
    assert.match(bad.stderr, /webhook headers \(from M365D_WEBHOOK_HEADERS\): a webhook header is not in the 'Name: value' form/)
    assert.ok(!bad.stderr.includes(API_KEY))

    const file = join(tempDir(), 'config.json')
    writeFileSync(file, JSON.stringify({ webhookHeaders: { 'content-length': '1' } }))
    const badFile = await h.run(['config', '--config', file])
    assert.equal(badFile.code, 2)
    assert.match(badFile.stderr, /ERR_CONFIG_FILE_INVALID: config file .*config\.json: 'webhookHeaders': webhook header content-length is set by the sink itself/)
  })

  test('a config file holding a credential-like header and readable by others gets the chmod warning', async () => {
    const file = join(tempDir(), 'config.json')
    writeFileSync(file, JSON.stringify({ profiles: { siem: { webhookHeaders: { authorization: 'Bearer abc' } } } }), { mode: 0o644 })
    const r = await runCli(['config', '--config', file])
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stderr, /holds a secret and is readable by group\/others \(mode 644\); run: chmod 600/)
  })
})
