import type { ConsoleServer } from '../../console/index.js'
import { CONSENT_CALLBACK_PATH, createLogger, listTenants, startOpsServer, type OpsServer } from '../../sync/index.js'
import { openAppWithStore } from '../app_settings.js'
import { discoveryDir } from '../registry_access.js'
import { localApi, type LocalApi } from './local_api_setup.js'
import { loadConfig, webhookSecret } from '../config.js'
import { defineCommand } from '../command.js'
import { CliError, ExitCode } from '../errors.js'
import { expectPositionals, parsePort } from '../parse.js'
import { isLoopback } from '../../console/index.js'
import { checkConsoleChoice, configuredExpiry, consoleOptions, exposureLines, makeConsole, opsExposureLines } from './console_setup.js'
import { appOptions, parseDuration, storageOptions } from './sync_options.js'
import { formatLogRecord, logFormatOption, resolveLogFormat } from '../output/log_format.js'
import { colorEnabled } from '../output/options.js'
import type { LiveRegion } from '../output/live_region.js'
import { routeWarnings } from '../output/warnings.js'
import { BackfillProgress } from './sync_progress.js'
import { syncOnce } from './sync_once.js'
import { daemonOptions, daemonSettings, DEFAULT_OPS_PORT, untilStopped } from './sync_run.js'

export default defineCommand({
  name: 'sync',
  summary: 'Run the sync daemon: incidents and alerts from every tenant in the sync set into the database',
  description: `
Reads the tenants from the sync database (see 'm365d tenants') with the partner app's credentials
(M365D_CLIENT_ID + M365D_CLIENT_SECRET or a certificate; M365D_TENANT_ID is the home tenant) and
keeps incidents (with their alerts) and optionally Graph alerts_v2 in the database: embedded PGlite
under --data-dir, or PostgreSQL with --database-url, where several 'm365d sync' processes share the
tenants through leases. Against the emulator, set M365D_AUTHORITY_HOST and M365D_DEFENDER_API (and
M365D_GRAPH_API) to its URL.

Runs until SIGTERM/SIGINT (then finishes the page in flight, commits, releases its leases and exits
0), writing log lines on stderr (readable on a terminal, JSON lines when piped or with
--log-format json; a backfill bar on a terminal during a tenant's first pass) and serving /healthz, /metrics, /status and the admin-consent
callback ${CONSENT_CALLBACK_PATH} on --ops-port. --once syncs every tenant once and exits: 0 when all
succeeded, 1 when one failed (each with its fix) or could not be synced because another worker
holds its lease (reported with the worker, since and until; --lease-wait 90s waits for them).`,
  options: {
    ...storageOptions,
    ...appOptions,
    ...daemonOptions,
    ...consoleOptions,
    once: { type: 'boolean', description: 'Sync every tenant once, print the results and exit' },
    'lease-wait': { type: 'string', valueName: 'DURATION', description: 'With --once: wait up to this long for tenants other workers hold (e.g. a worker that just died)' },
    ...logFormatOption,
  },
  examples: [
    'm365d sync',
    'm365d sync --once --json',
    'm365d sync --database-url postgres://m365d@db:5432/m365d --concurrency 16 --ops-port 9464',
    'm365d sync --surface graph --alerts --sink-ndjson ./out',
  ],
  async run(ctx) {
    expectPositionals(ctx.positionals, 0, ctx.commandPath)
    const v = ctx.values
    // Watch the stop signal from the start: a SIGTERM while opening the database still ends cleanly.
    const stop = ctx.io.signal
    const noop = () => undefined
    stop?.addEventListener('abort', noop)
    // Settings are resolved once (flags > env > profile > file); the sinks and ops server read them here.
    // Their warnings (an unknown key, a secret file others can read) wait for the logger, so piped
    // stderr stays one JSON object per line; on a failure they are printed with the error.
    const early: string[] = []
    const hold = (text: string) => void early.push(text)
    const { config, settings } = await (async () => {
      const config = await loadConfig({ ...ctx, warn: hold }, v)
      const webhook = config.settings.webhookUrl ? await webhookSecret(config, hold) : undefined
      return { config, settings: daemonSettings(v, config, { webhookSecret: webhook, registerSecret: ctx.registerSecret }) }
    })().catch((e: unknown) => {
      for (const w of early) ctx.warn(w)
      throw e
    })
    // --once means every free tenant, not this worker's fair share: workers that died within the
    // lease TTL still count as live in the share, and would leave tenants out of a post-crash run.
    if (v.once) settings.maxTenantsPerWorker ??= Number.MAX_SAFE_INTEGER
    const leaseWaitMs = v['lease-wait'] !== undefined ? parseDuration(v['lease-wait'], 'lease-wait') : 0
    const configuredPort = config.settings.opsPort
    const opsPort = configuredPort !== undefined && (configuredPort.from === 'flag' || !v.once) ? parsePort(configuredPort.value, DEFAULT_OPS_PORT) : v.once ? undefined : DEFAULT_OPS_PORT
    const opsHost = config.settings.opsHost?.value
    const consoleChoice = { values: v, env: ctx.io.env, opsHost: opsHost ?? '127.0.0.1' }
    const consoleOn = opsPort !== undefined && !v.once && checkConsoleChoice(consoleChoice).enabled
    // Logs: human lines on a terminal, JSON lines when piped or with --log-format json.
    const stderrTTY = ctx.feedback.tty
    const logFormat = resolveLogFormat(v['log-format'], ctx.io.env, stderrTTY)
    // The same rule as stdout's colour (--no-color, a non-empty NO_COLOR, TERM=dumb), for stderr.
    const colorLogs = colorEnabled(stderrTTY, ctx.io.env, ctx.values['no-color'])
    const logger = createLogger({
      stream: { write: (line: string) => ctx.feedback.write(line) },
      level: v.verbose ? 'debug' : 'info',
      diagnostics: v.verbose === true,
      format: (record) => formatLogRecord(record, logFormat, { color: colorLogs }),
    })
    // Steps and process warnings become log records, so piped stderr stays one JSON object per line.
    const unredirect = logFormat === 'json' ? ctx.feedback.redirect((text) => logger.log('info', text)) : () => undefined
    const unroute = routeWarnings((w) => logger.log('warn', w.message, { ...(w.code && { code: w.code }) }))
    for (const w of early) logger.log('warn', w)
    let opened
    try {
      opened = await openAppWithStore(ctx, v, config)
    } catch (e) {
      unredirect()
      unroute()
      throw e
    }
    const { app, store } = opened
    // Graph unless --api legacy / M365D_API / config "api" (a tenant pinned with 'tenants add --api' keeps its own).
    settings.surface ??= app.config.api
    const { db, description } = store
    const daemon = app.createDaemon(db, settings)
    const detach = logger.attach(daemon)
    // The backfill bar lives in a LiveRegion on stderr next to the log lines, which are written
    // above it (Feedback.write), so the two never share a line.
    let region: LiveRegion | undefined
    const progress = ctx.feedback.tty
      ? new BackfillProgress({
          backfillMs: settings.backfillMs,
          show: (lines) => (region ??= ctx.feedback.region())?.set(lines),
          done: (line) => {
            if (region) ctx.feedback.release(region)
            region = undefined
            ctx.feedback.notice(line)
          },
        })
      : undefined
    if (progress) daemon.on((e) => progress.onEvent(e))
    let ops: OpsServer | undefined
    let web: ConsoleServer | undefined
    let local: LocalApi | undefined
    try {
      const tenants = await listTenants(db)
      logger.log('info', 'sync.starting', { store: description, worker: daemon.workerId, tenants: tenants.filter((t) => t.enabled).length, once: v.once === true })
      if (!tenants.length) logger.log('warn', 'sync.no_tenants', { hint: 'add tenants with m365d tenants add <TENANT-ID|DOMAIN> or m365d tenants onboard' })
      if (opsPort !== undefined) {
        if (consoleOn) {
          web = makeConsole(consoleChoice, {
            db,
            tokenProvider: app.tokens,
            cloud: app.cloud,
            surface: settings.surface,
            clientId: app.clientId,
            ...(app.settings.homeTenant && { homeTenant: app.settings.homeTenant }),
            configuredCredentialExpiry: configuredExpiry(app.settings.credential, ctx.io.env),
            rateLimiter: app.rateLimiter,
            workerId: daemon.workerId,
            onDaemonEvent: (l) => daemon.on(l),
            metricsText: () => daemon.metricsText(),
          })
        }
        // The local API: the CLI's registry commands reach this process while it owns the embedded store.
        const localApiApp = localApi({ dataDir: discoveryDir(ctx, config), store: app.settings.storage?.databaseUrl === undefined ? 'embedded' : 'postgres', db, worker: daemon.workerId, console: () => web, opsUrl: () => ops?.url })
        ops = await startOpsServer({
          daemon,
          port: opsPort,
          ...(web && { mount: web }),
          ...(opsHost !== undefined && { host: opsHost }),
          routes: [
            { method: 'GET', path: CONSENT_CALLBACK_PATH, handle: app.consentCallback(db, { surface: settings.surface ?? 'graph', onOutcome: (o) => logger.log(o.outcome === 'granted' || o.outcome === 'received' ? 'info' : 'warn', `consent.${o.outcome}`, { ...o }), onGranted: () => daemon.wake() }) },
            ...localApiApp.routes,
          ],
        }).catch((e: NodeJS.ErrnoException) => {
          if (e.code === 'EADDRINUSE') throw new CliError('ERR_CLI_PORT_IN_USE', `ops port ${opsPort} is already in use`, { hint: 'pick another with --ops-port N (0 = a free one)' })
          throw e
        })
        logger.log('info', 'ops.listening', { url: ops.url })
        local = localApiApp
        const published = await local.publish(ops.url)
        if (published) logger.log('info', 'local_api.published', { file: published })
        const exposed = !isLoopback(consoleChoice.opsHost)
        if (web) {
          web.start()
          // One one-time login link, on stdout for people and in the log event for machines
          // (--json, piped JSON logs); `m365d console url` prints a fresh one (issue 9 §3).
          const loginUrl = web.loginUrl(ops.url)
          if (!ctx.json) for (const l of [...(exposed ? exposureLines(ops.url) : []), `console: ${loginUrl}`]) ctx.print(l)
          if (exposed) logger.log('warn', 'console.exposed', { url: ops.url, exposes: exposureLines(ops.url).slice(1).join(' ').replace(/\s+/g, ' ').trim() })
          // Human log lines sit next to that stdout line on a terminal: the link once is enough.
          const linkPrinted = !ctx.json && logFormat === 'human'
          logger.log('info', 'console.listening', { url: `${ops.url}/console/`, ...(!linkPrinted && { loginUrl }), newLoginUrl: 'm365d console url' })
        } else if (exposed) {
          for (const l of opsExposureLines(ops.url)) ctx.feedback.notice(l)
          logger.log('warn', 'ops.exposed', { url: ops.url, exposes: opsExposureLines(ops.url).slice(1).join(' ').replace(/\s+/g, ' ').trim() })
        }
      }
      if (v.once) {
        const asked = tenants.filter((t) => t.enabled).map((t) => t.tenant_id)
        const names = new Map(tenants.map((t) => [t.tenant_id, t.display_name ?? t.domain ?? undefined]))
        return await syncOnce(ctx, { daemon, asked, names, leaseWaitMs, ...(progress && { finish: () => progress.finish() }) })
      }
      await daemon.start()
      await untilStopped(stop)
      logger.log('info', 'sync.stopping', { reason: 'signal' })
      return ExitCode.ok
    } finally {
      await local?.unpublish()
      await daemon.stop()
      progress?.finish()
      await web?.close()
      await ops?.close()
      detach()
      logger.close()
      unredirect()
      unroute()
      app.close()
      await db.close()
      stop?.removeEventListener('abort', noop)
    }
  },
})
