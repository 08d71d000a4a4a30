import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { resolveCloud } from '../../auth/clouds.js'
import { createApp } from '../../app/index.js'
import { createEmulator } from '../../emulator/app.js'
import { serve } from '../../emulator/server.js'
import { WELL_KNOWN } from '../../emulator/well_known.js'
import { CONSENT_CALLBACK_PATH, createLogger, formatLag, listTenants, resetBackoff, startOpsServer, tenantSummaries, upsertTenant, type TenantSummary } from '../../sync/index.js'
import { isLoopback } from '../../console/index.js'
import { CliError } from '../errors.js'
import { defineCommand } from '../command.js'
import { expectPositionals, parsePort } from '../parse.js'
import type { ConsoleServer } from '../../console/index.js'
import { storeStep } from '../app_settings.js'
import { LiveRegion, type TerminalStream } from '../output/live_region.js'
import { terminalWidth } from '../output/output.js'
import { renderTable, type Column } from '../output/table.js'
import { checkConsoleChoice, consoleOptions, exposureLines, makeConsole, opsExposureLines } from './console_setup.js'
import { ignoredNotice, startConfigOptions, unnamedSinksNotice, startSettings, START_KEYS } from './start_settings.js'
import { DEMO_ROLES, tokenChecks, type TenantResult } from './demo.js'
import { parseDuration } from './sync_options.js'
import { untilStopped } from './sync_run.js'
import { localApi, type LocalApi } from './local_api_setup.js'

/** The customer tenants of the well-known set: two healthy, one without the incident permissions, one never consented. */
const CUSTOMERS = [
  { tenantId: WELL_KNOWN.contosoTenantId, name: 'Contoso', domain: 'contoso.onmicrosoft.com' },
  { tenantId: WELL_KNOWN.fabrikamTenantId, name: 'Fabrikam', domain: 'fabrikam.onmicrosoft.com' },
  { tenantId: WELL_KNOWN.tailspinTenantId, name: 'Tailspin Toys', domain: 'tailspin.onmicrosoft.com' },
  { tenantId: WELL_KNOWN.woodgroveTenantId, name: 'Woodgrove Bank', domain: 'woodgrove.onmicrosoft.com' },
]

export default defineCommand({
  name: 'start',
  summary: 'The main job with no setup: emulator + live incidents + the sync daemon on embedded storage, with a live summary',
  description: `
What 'npm start' runs, on Microsoft Graph. Starts the emulator in-process on a free port with the
well-known set (contoso and fabrikam healthy, with the Graph read and write roles; tailspin
consented without the incident permissions; woodgrove never consented) and live incident
activity, first shows the Graph token checks of 'm365d demo', then adds
the four customer tenants to an embedded PGlite store (a temp dir, or --data-dir to keep it) and
runs the sync daemon against the emulator exactly as 'm365d sync' runs against the cloud. A summary
per tenant (health, incidents and alerts stored, lag, last error with its fix) is redrawn every
--refresh on a terminal, printed as plain lines otherwise. Ctrl-C (or --duration) stops it cleanly.

Configuration (flags > M365D_* environment > --profile > config file, as every command): start
takes where its data, ops server, console and sinks go — ${START_KEYS.join(', ')}.
It ignores the tenant, the app's id and credential, the cloud and its hosts, api, tenants and
databaseUrl, and says so when they are set: it runs the emulator's demo app against the emulator it
embeds (your app's credentials never reach it, demo traffic never reaches Microsoft) and keeps the
demo's tenants in embedded PGlite, never in your PostgreSQL. A data directory that already holds
other tenants is refused: give the demo its own.`,
  options: {
    duration: { type: 'string', valueName: 'DURATION', description: 'Stop after this long, once every tenant had its first pass (e.g. 30s; default: until Ctrl-C)' },
    refresh: { type: 'string', valueName: 'DURATION', description: 'Summary refresh period (default 2s on a terminal, 10s otherwise)' },
    interval: { type: 'string', valueName: 'DURATION', description: 'Between passes of a healthy tenant (default 5s)' },
    live: { type: 'string', valueName: 'DURATION', description: 'One live change per tenant this often (default 1s)' },
    port: { type: 'string', valueName: 'N', description: 'Emulator port (default 0: a free one)' },
    'ops-port': { type: 'string', valueName: 'N', description: 'Port of the daemon\'s /healthz, /metrics and console (M365D_OPS_PORT, config opsPort; default 0: a free one)' },
    'data-dir': { type: 'string', valueName: 'DIR', description: 'Keep the PGlite store here (M365D_DATA_DIR, config dataDir; default: a temp dir removed at exit)' },
    'skip-demo': { type: 'boolean', description: 'Do not show the token checks first' },
    'no-console': consoleOptions['no-console'],
    ...startConfigOptions,
  },
  examples: ['npm start', 'm365d start --duration 30s --json', 'm365d start --data-dir ./.m365d/demo', 'm365d start --profile demo --sink-ndjson ./out'],
  async run(ctx) {
    expectPositionals(ctx.positionals, 0, ctx.commandPath)
    const v = ctx.values
    const stop = ctx.io.signal
    const noop = () => undefined
    stop?.addEventListener('abort', noop)
    const durationMs = v.duration !== undefined ? parseDuration(v.duration, 'duration') : undefined
    const refreshMs = v.refresh !== undefined ? parseDuration(v.refresh, 'refresh') : ctx.io.isTTY && !ctx.json ? 2000 : 10_000
    const intervalMs = v.interval !== undefined ? parseDuration(v.interval, 'interval') : 5000
    const liveMs = v.live !== undefined ? parseDuration(v.live, 'live') : 1000
    const port = parsePort(v.port, 0)
    // The settings start uses, resolved once (flags > env > profile > file); the ones it ignores are said.
    const cfg = await startSettings(ctx, v)
    const ignored = ignoredNotice(cfg.ignored)
    if (ignored) ctx.feedback.notice(ignored)
    const unnamedSinks = unnamedSinksNotice(cfg.unnamedSinks)
    if (unnamedSinks) ctx.feedback.notice(unnamedSinks)
    const consoleChoice = { values: v, env: ctx.io.env, opsHost: cfg.opsHost ?? '127.0.0.1' }
    const consoleOn = checkConsoleChoice(consoleChoice).enabled

    // One emulator for the whole run: the token checks, the consent links they print and the sync
    // all use it, so every URL on the screen stays live until Ctrl-C (issue 11 §2).
    const emulator = await createEmulator()
    const server = await ctx.feedback.step('Starting the emulator', () => serve(emulator, { port }))
    const tempDir = cfg.dataDir === undefined ? await mkdtemp(join(tmpdir(), 'm365d-start-')) : undefined
    const dataDir = tempDir ?? resolve(ctx.io.cwd, cfg.dataDir!)
    // The well-known app against the in-process emulator, which serves every API on its one origin.
    const app = createApp({
      clientId: WELL_KNOWN.clientId,
      credential: { kind: 'secret', secret: WELL_KNOWN.clientSecret },
      cloud: resolveCloud('commercial', { authorityHost: server.url, defenderApi: server.url, graphApi: server.url }),
      storage: { dataDir },
      // Graph, incidents and alerts_v2: the surface every tenant must be on by 1 Feb 2027.
      sync: { surface: 'graph', alerts: true, intervalMs, concurrency: 4, leaseTtlSeconds: 30, ...(cfg.sinks.length && { sinks: cfg.sinks }) },
    })
    let store
    let checks: TenantResult[] | undefined
    try {
      checks = v['skip-demo'] ? undefined : await tokenChecks(ctx, server.url)
      store = await storeStep(ctx.feedback, { dataDir }, () => app.openStore(), { temporary: tempDir !== undefined })
      await refuseForeignTenants(store.db, dataDir, cfg.used.find((u) => u.key === 'dataDir')?.from)
    } catch (e) {
      await store?.db.close()
      app.close()
      await server.close()
      await emulator.close()
      if (tempDir) await rm(tempDir, { recursive: true, force: true })
      throw e
    }
    const { db } = store
    const logLines: string[] = []
    // Daemon logs would bury the summary on a terminal: keep warnings for the end, write the rest nowhere.
    const logger = createLogger({ stream: { write: (l: string) => void (logLines.length < 200 && logLines.push(l)) }, level: 'warn', diagnostics: false })
    const daemon = app.createDaemon(db)
    const detach = logger.attach(daemon)
    let ops: { url: string; close(): Promise<void> } | undefined
    let web: ConsoleServer | undefined
    let local: LocalApi | undefined
    const startedAt = Date.now()
    let timer: ReturnType<typeof setInterval> | undefined
    let summaries: TenantSummary[] = []
    let region: LiveRegion | undefined
    try {
      for (const c of CUSTOMERS) await upsertTenant(db, { tenantId: c.tenantId, displayName: c.name, domain: c.domain })
      if (consoleOn) {
        web = makeConsole(consoleChoice, {
          db,
          tokenProvider: app.tokens,
          cloud: app.cloud,
          surface: 'graph',
          clientId: WELL_KNOWN.clientId,
          homeTenant: WELL_KNOWN.homeTenantId,
          rateLimiter: app.rateLimiter,
          workerId: daemon.workerId,
          onDaemonEvent: (l) => daemon.on(l),
          metricsText: () => daemon.metricsText(),
        })
      }
      // The local API: `m365d tenants … --data-dir DIR` and `m365d console url` reach this process.
      const localApiApp = localApi({ dataDir, store: 'embedded', db, worker: daemon.workerId, console: () => web, opsUrl: () => ops?.url })
      // The consent links on the screen (the token checks' and the summary's fix for Woodgrove) are
      // the plain ones Entra's AADSTS700016 hint gives: after Accept, Entra sends the admin to the
      // app's first redirect URI. Make that this run's ops server, and there treat a consent for one
      // of the demo's tenants as a reason to try it again now (a 5 min backoff otherwise), so that
      // clicking the link ends on a page of this process and the tenant turns ok within seconds.
      // Only here: the emulator is this process's own; a forged redirect can at most make one of
      // the four demo tenants retry early.
      const consent = app.consentCallback(db, {
        surface: 'graph',
        onGranted: () => daemon.wake(),
        onOutcome: (o) => {
          if (o.outcome === 'received' && CUSTOMERS.some((c) => c.tenantId === o.tenantId)) void resetBackoff(db, o.tenantId!).then(() => daemon.wake(), () => undefined)
        },
      })
      const routes = [{ method: 'GET' as const, path: CONSENT_CALLBACK_PATH, handle: consent }, ...localApiApp.routes]
      ops = await startOpsServer({ daemon, port: cfg.opsPort, ...(cfg.opsHost !== undefined && { host: cfg.opsHost }), ...(web && { mount: web }), routes }).catch((e: NodeJS.ErrnoException) => {
        if (e.code === 'EADDRINUSE') throw new CliError('ERR_CLI_PORT_IN_USE', `ops port ${cfg.opsPort} is already in use`, { hint: `pick another with --ops-port N (0 = a free one)${cfg.used.some((u) => u.key === 'opsPort') ? `; it came from ${cfg.used.find((u) => u.key === 'opsPort')!.from}` : ''}` })
        throw e
      })
      emulator.directory.app(WELL_KNOWN.clientId)?.redirectUris.unshift(`${ops.url}${CONSENT_CALLBACK_PATH}`)
      local = localApiApp
      await local.publish(ops.url)
      web?.start()
      // One one-time login link (issue 9 §3); a fresh one from `m365d console url`.
      const loginUrl = web?.loginUrl(ops.url)
      const newLink = `m365d console url --data-dir ${dataDir}`
      if (loginUrl && ctx.json) ctx.io.stderr.write(JSON.stringify({ time: new Date().toISOString(), level: 'info', msg: 'console.listening', url: `${ops.url}/console/`, loginUrl, newLoginUrl: newLink }) + '\n')
      // An opsHost from the configuration that others can reach is said as loudly as by m365d sync.
      const exposure = isLoopback(consoleChoice.opsHost) ? [] : web ? exposureLines(ops.url) : opsExposureLines(ops.url)
      if (ctx.json) for (const l of exposure) ctx.feedback.notice(l)
      if (!ctx.json) {
        ctx.print('')
        for (const l of exposure) ctx.print(l)
        ctx.print(`m365d start: emulator ${server.url} · store PGlite ${dataDir}${tempDir ? ' (temporary)' : ''} · ops ${ops.url}/metrics`)
        if (cfg.used.length) ctx.print(`settings: ${cfg.used.map((u) => `${u.key} ${u.value} (${u.from})`).join(' · ')}`)
        if (loginUrl) {
          ctx.print(`console: ${loginUrl}  (open it in a browser; the link logs you in once)`)
          ctx.print(`  another login link: ${newLink}`)
        }
        ctx.print(`Syncing ${CUSTOMERS.length} customer tenants every ${intervalMs / 1000}s while the emulator changes incidents every ${liveMs / 1000}s. Ctrl-C stops.`)
      }
      await ctx.feedback.step('Starting the sync daemon', () => daemon.start())
      // Live activity only once the daemon has generated each tenant's data on its first read.
      emulator.defender.setLive(true, liveMs)
      // On a terminal the summary is one LiveRegion redrawn in place (cut to the width, resize-safe);
      // notices and warnings are written above it. Otherwise plain periodic summaries.
      region = ctx.io.isTTY && !ctx.json ? new LiveRegion(ctx.io.stdout as TerminalStream) : undefined
      if (region) ctx.feedback.adopt(region)
      const redraw = async () => {
        summaries = await tenantSummaries(db)
        if (ctx.json) return
        const lines = summaryLines(summaries, Date.now() - startedAt, false, region ? { tty: true, width: region.width } : { tty: false })
        if (region) region.set(lines)
        else for (const l of lines) ctx.print(l)
      }
      if (region) await redraw()
      timer = setInterval(() => void redraw().catch(() => undefined), refreshMs)
      await untilStopped(stop, durationMs)
      // A timed run (`--duration`) whose summary still says "unknown" tells the user nothing: on a
      // slow or busy machine the embedded store and the first pass can outlast a short duration.
      // Give every tenant its first pass (at most FIRST_PASS_GRACE_MS more); Ctrl-C still stops at once.
      if (durationMs !== undefined) await firstPassOfEveryTenant(db, stop)
      clearInterval(timer)
      timer = undefined
      await ctx.feedback.step('Stopping the sync daemon', () => daemon.stop())
      summaries = await tenantSummaries(db)
      if (region) ctx.feedback.release(region)
      region = undefined
      if (ctx.json) {
        ctx.printJson({ emulator: server.url, store: dataDir, ops: ops.url, ...(web && { console: `${ops.url}/console/` }), settings: Object.fromEntries(cfg.used.map((u) => [u.key, { value: u.value, from: u.from }])), ignoredSettings: cfg.ignored, unnamedSinks: cfg.unnamedSinks, durationMs: Date.now() - startedAt, ...(checks !== undefined && { tokenChecks: { emulator: server.url, requiredRoles: DEMO_ROLES, tenants: checks } }), tenants: summaries })
      } else {
        for (const l of summaryLines(summaries, Date.now() - startedAt, true, { tty: ctx.io.isTTY, width: terminalWidth(ctx.io) })) ctx.print(l)
        const warnings = logLines.filter((l) => l.includes('"level":"warn"') || l.includes('"level":"error"')).length
        ctx.print(`stopped cleanly after ${Math.round((Date.now() - startedAt) / 1000)}s of syncing (${warnings} warnings logged). Against your tenants: m365d tenants add …, then m365d sync (docs/sync.md).`)
      }
    } finally {
      if (region) ctx.feedback.release(region)
      if (timer) clearInterval(timer)
      emulator.defender.setLive(false)
      await local?.unpublish()
      await daemon.stop()
      detach()
      logger.close()
      await web?.close()
      await ops?.close()
      app.close()
      await db.close()
      await server.close()
      await emulator.close()
      if (tempDir) await rm(tempDir, { recursive: true, force: true })
      stop?.removeEventListener('abort', noop)
    }
  },
})

const FIRST_PASS_GRACE_MS = 60_000
const DEMO_TENANT_IDS: ReadonlySet<string> = new Set(CUSTOMERS.map((c) => c.tenantId))

/**
 * A configured data directory may be the one `m365d sync` keeps your tenants in: start would add
 * the demo tenants to your registry and sync your tenants against its emulator (marking them not
 * consented). Only a store that is empty or holds the demo's own tenants is used.
 */
async function refuseForeignTenants(db: Parameters<typeof listTenants>[0], dataDir: string, from: string | undefined): Promise<void> {
  const foreign = (await listTenants(db)).filter((t) => !DEMO_TENANT_IDS.has(t.tenant_id))
  if (!foreign.length) return
  throw new CliError('ERR_START_FOREIGN_STORE', `the data directory ${dataDir}${from ? ` (${from})` : ''} holds ${foreign.length} tenant${foreign.length === 1 ? '' : 's'} that ${foreign.length === 1 ? 'is' : 'are'} not the demo's: m365d start would sync ${foreign.length === 1 ? 'it' : 'them'} against its emulator`, {
    hint: 'give the demo its own directory (m365d start --data-dir ./m365d-demo), or none for a temporary one; your tenants sync with m365d sync',
  })
}

async function firstPassOfEveryTenant(db: Parameters<typeof tenantSummaries>[0], stop: AbortSignal | undefined): Promise<void> {
  const until = Date.now() + FIRST_PASS_GRACE_MS
  while (!stop?.aborted && Date.now() < until) {
    if ((await tenantSummaries(db)).every((t) => t.health !== 'unknown')) return
    await untilStopped(stop, 500)
  }
}

/** The summary: a title, one table row per tenant (the one table renderer), then problems with their fix. */
function summaryLines(tenants: TenantSummary[], elapsedMs: number, final: boolean, table: { tty: boolean; width?: number }): string[] {
  const columns: Column<TenantSummary>[] = [
    { key: 'tenant', header: 'TENANT', get: (t) => t.name ?? t.domain ?? t.tenantId, flex: true },
    { key: 'health', header: 'HEALTH' },
    { key: 'incidents', header: 'INCIDENTS', right: true },
    { key: 'alerts', header: 'ALERTS', right: true },
    { key: 'lag', header: 'LAG', get: (t) => formatLag(t.lagSeconds) },
    { key: 'lastSync', header: 'LAST SYNC', get: (t) => (t.lastSync ? `${Math.max(0, Math.round((Date.now() - Date.parse(t.lastSync)) / 1000))}s ago` : 'never') },
  ]
  // Aligned columns in the summary whether or not it is a terminal: it is read by people either way.
  const lines = [`── ${final ? 'final' : 'live'} summary after ${Math.round(elapsedMs / 1000)}s ──`, ...renderTable(columns, tenants, { tty: true, width: table.width ?? 200 }).split('\n')]
  for (const t of tenants) {
    if (!t.problem || t.health === 'ok') continue
    lines.push(`${t.name ?? t.tenantId}: ${t.problem.code ?? ''} ${firstSentence(t.problem.message ?? '')}`)
    if (t.problem.hint) lines.push(`  fix: ${t.problem.hint}`)
  }
  return lines
}

function firstSentence(text: string): string {
  const cut = text.indexOf('. ')
  return cut > 0 && cut < 200 ? text.slice(0, cut + 1) : text.slice(0, 200)
}
