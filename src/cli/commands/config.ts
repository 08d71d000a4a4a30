import { defineCommand } from '../command.js'
import { apiOptions, credentialOptions, loadConfig, type CliConfig, type Source } from '../config.js'
import { expectPositionals } from '../parse.js'

const ENV_NAMES: Record<keyof CliConfig['sources'], string> = {
  tenant: 'M365D_TENANT_ID',
  clientId: 'M365D_CLIENT_ID',
  credential: 'M365D_CLIENT_SECRET / M365D_CERTIFICATE_PATH',
  cloud: 'M365D_CLOUD',
  authorityHost: 'M365D_AUTHORITY_HOST',
  defenderApi: 'M365D_DEFENDER_API',
  resource: 'M365D_RESOURCE',
  api: 'M365D_API',
}

export default defineCommand({
  name: 'config',
  summary: 'Show the resolved configuration and where each setting came from (secrets hidden)',
  description: `
Resolves flags > environment (M365D_*) > config file > defaults exactly like the other
commands and prints the result, so you can see why a setting has the value it has. The
client secret is never printed, only whether one is set and from where.`,
  options: { ...credentialOptions, ...apiOptions },
  examples: ['m365d config', 'm365d config --config ./m365d.json --json'],
  async run(ctx) {
    expectPositionals(ctx.positionals, 0, ctx.commandPath)
    const config = await loadConfig(ctx, ctx.values)
    const credential =
      config.credential === undefined
        ? undefined
        : config.credential.kind === 'secret'
          ? 'client secret (set, hidden)'
          : `certificate ${config.credential.certificatePath}${config.credential.privateKeyPath ? ` + key ${config.credential.privateKeyPath}` : ''}`
    const rows: [keyof CliConfig['sources'], string | undefined][] = [
      ['tenant', config.tenant],
      ['clientId', config.clientId],
      ['credential', credential],
      ['cloud', config.cloud.name],
      ['authorityHost', config.authorityHost],
      ['defenderApi', config.defenderApi],
      ['resource', config.resource],
      ['api', config.api],
    ]
    if (ctx.json) {
      return void ctx.printJson({
        configFile: config.configFile ?? null,
        settings: Object.fromEntries(rows.map(([k, value]) => [k, { value: value ?? null, source: config.sources[k] ?? null }])),
      })
    }
    ctx.print(`config file     ${config.configFile ?? '(none)'}`)
    // authorityHost / defenderApi inherit the cloud's source when only the cloud was set at that
    // level (M365D_CLOUD=gcc-high); say so instead of naming a variable that is not set.
    const explicit: Partial<Record<keyof CliConfig['sources'], boolean>> = {
      authorityHost: ctx.values['authority-host'] !== undefined || !!ctx.io.env.M365D_AUTHORITY_HOST,
      defenderApi: ctx.values['defender-api'] !== undefined || !!ctx.io.env.M365D_DEFENDER_API,
    }
    for (const [k, value] of rows) {
      const source = config.sources[k]
      const fromCloud = explicit[k] === false && (source === 'flag' || source === 'env')
      ctx.print(`${k.padEnd(15)} ${(value ?? '(not set)').padEnd(48)} ${fromCloud ? `from the cloud (${describeSource(source, ENV_NAMES.cloud)})` : describeSource(source, ENV_NAMES[k])}`)
    }
  },
})

function describeSource(source: Source | undefined, envName: string): string {
  if (source === undefined) return ''
  return source === 'env' ? `env ${envName}` : source
}
