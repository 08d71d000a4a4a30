import { callLocalApi } from '../../sync/index.js'
import { defineCommand } from '../command.js'
import { CliError, ExitCode } from '../errors.js'
import { expectPositionals } from '../parse.js'
import { discoveryDir, runningDaemon } from '../registry_access.js'
import { loadConfig } from '../config.js'
import { storageFlags, storageOptions } from './sync_options.js'

export default defineCommand({
  name: 'url',
  summary: 'Print a fresh one-time login URL for the console of the running daemon',
  description: `
Asks the 'm365d sync' or 'm365d start' running on this machine with the same data directory
(--data-dir / M365D_DATA_DIR, default ~/.m365d/data; 'npm start' prints its own) for a new login
link, through its local API. Each link logs one browser in once. Exit 1 when no daemon runs there.`,
  options: { 'data-dir': storageOptions['data-dir'] },
  examples: ['m365d console url', 'm365d console url --data-dir ./.m365d/data --json'],
  async run(ctx) {
    expectPositionals(ctx.positionals, 0, ctx.commandPath)
    const config = await loadConfig(ctx, storageFlags(ctx.values), { tenant: false, credential: false })
    const dir = discoveryDir(ctx, config)
    const daemon = await runningDaemon(ctx, dir, { anyStore: true })
    if (!daemon) {
      throw new CliError('ERR_CLI_NO_DAEMON', `no running m365d daemon publishes its local API in ${dir}`, {
        hint: "start one with 'm365d sync' or 'npm start', or pass the --data-dir it runs with ('npm start' prints it)",
        exitCode: ExitCode.checkFailed,
      })
    }
    const { url } = (await callLocalApi(daemon, 'daemon/console-url', {})) as { url: string }
    if (ctx.json) return void ctx.printJson({ url, pid: daemon.pid })
    ctx.print(url)
  },
})
