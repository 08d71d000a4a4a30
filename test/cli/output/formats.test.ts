/** -o/--output, --query and the deprecated --json/--format aliases, through the real CLI. */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { parse as parseYaml } from 'yaml'
import { runCli, tempDir } from '../_cli.js'

// One HOME for every run: `m365d config` shows the data directory under it.
const env = { HOME: tempDir(), M365D_TENANT_ID: 'contoso.onmicrosoft.com', M365D_CLIENT_ID: '00001111-aaaa-2222-bbbb-3333cccc4444' }
const config = (args: string[], extra: Record<string, string> = {}) => runCli(['config', ...args], { env: { ...env, ...extra } })

describe('output formats (m365d config as the document)', () => {
  test('-o json, -o yaml, -o jsonc (no colour when piped) and --json all give the same data', async () => {
    const [json, yaml, jsonc, legacy, lead] = await Promise.all([config(['-o', 'json']), config(['--output', 'yaml']), config(['-o', 'jsonc']), config(['--json']), runCli(['-o', 'json', 'config'], { env })])
    for (const r of [json, yaml, jsonc, legacy, lead]) assert.equal(r.code, 0, r.stderr)
    const doc = JSON.parse(json.stdout)
    assert.equal(doc.settings.tenant.value, 'contoso.onmicrosoft.com')
    assert.deepEqual(parseYaml(yaml.stdout), doc)
    assert.deepEqual(JSON.parse(jsonc.stdout), doc)
    assert.deepEqual(JSON.parse(legacy.stdout), doc)
    assert.deepEqual(JSON.parse(lead.stdout), doc)
    assert.doesNotMatch(jsonc.stdout, /\u001b/)
  })
  test('M365D_OUTPUT sets the default format; a flag overrides it', async () => {
    const [fromEnv, flag] = await Promise.all([config([], { M365D_OUTPUT: 'yaml' }), config(['-o', 'json'], { M365D_OUTPUT: 'yaml' })])
    assert.equal(parseYaml(fromEnv.stdout).settings.tenant.value, 'contoso.onmicrosoft.com')
    assert.equal(JSON.parse(flag.stdout).settings.tenant.value, 'contoso.onmicrosoft.com')
  })
  test('--query applies JMESPath to the document: scalars print bare in table/tsv, JSON in json', async () => {
    const [bare, json, tsv, projection] = await Promise.all([
      config(['--query', 'settings.tenant.value']),
      config(['--query', 'settings.tenant', '-o', 'json']),
      config(['--query', 'settings.tenant.[value, source]', '-o', 'tsv']),
      config(['--query', 'settings.{tenant: tenant.value, client: clientId.value}', '-o', 'csv']),
    ])
    assert.equal(bare.stdout, 'contoso.onmicrosoft.com\n', bare.stderr)
    assert.deepEqual(JSON.parse(json.stdout), { value: 'contoso.onmicrosoft.com', source: 'env' })
    assert.equal(tsv.stdout, 'contoso.onmicrosoft.com\nenv\n')
    assert.equal(projection.stdout, 'tenant,client\ncontoso.onmicrosoft.com,00001111-aaaa-2222-bbbb-3333cccc4444\n')
  })
  test('conflicting and invalid output options are usage errors (exit 2), not silently resolved', async () => {
    const cases: [string[], RegExp][] = [
      [['--json', '--format', 'csv'], /ERR_CLI_CONFLICTING_OPTIONS: --json and --format csv ask for different output formats/],
      [['-o', 'yaml', '--json'], /ERR_CLI_CONFLICTING_OPTIONS/],
      [['-o', 'xml'], /unknown output format 'xml'.*\nhint: use one of table, json, jsonc, yaml, tsv, csv, ndjson/],
      [['--query', '[?'], /ERR_CLI_INVALID_QUERY: --query is not a valid JMESPath expression/],
      [['--format', 'xml'], /unknown --format 'xml'/],
    ]
    const results = await Promise.all(cases.map(([args]) => config(args)))
    results.forEach((r, i) => {
      assert.equal(r.code, 2, `${cases[i]![0].join(' ')}: ${r.stderr}`)
      assert.match(r.stderr, cases[i]![1])
      // No data; with --json in the line the error itself is the JSON document.
      if (r.stdout !== '') assert.equal(JSON.parse(r.stdout).error.code, 'ERR_CLI_CONFLICTING_OPTIONS')
    })
    // Agreeing aliases are fine.
    const same = await config(['--json', '-o', 'json'])
    assert.equal(same.code, 0, same.stderr)
  })
  test('-o json errors are a JSON document on stdout too', async () => {
    const r = await config(['-o', 'json'], { M365D_TENANT_ID: 'not a tenant' })
    assert.equal(r.code, 2)
    assert.equal(JSON.parse(r.stdout).error.code, 'ERR_CONFIG_INVALID_TENANT')
  })
})
