import { M365dError } from '../../lib/errors.js'
import type { ConsoleServer } from '../../console/index.js'
import { discoveryPath, localApiRoutes, newLocalApiCredential, publishDiscovery, readDiscovery, type Database, type ExtraRoute } from '../../sync/index.js'

/**
 * The local API of `m365d sync` and `m365d start` (issue 9 §1): routes on the ops server for the
 * registry operations (so the CLI's `tenants …` keep working while this process owns the embedded
 * store) and `console-url` (a fresh one-time console login link, `m365d console url`), published
 * through the discovery file in the data directory once the ops server listens.
 */
export interface LocalApi {
  routes: ExtraRoute[]
  /** Writes the discovery file for the ops server at `opsUrl`; returns its path, or undefined when another live daemon owns the file. */
  publish(opsUrl: string): Promise<string | undefined>
  /** Removes the discovery file (if still ours). */
  unpublish(): Promise<void>
}

export function localApi(o: { dataDir: string; store: 'embedded' | 'postgres'; db: Database; worker: string; console: () => ConsoleServer | undefined; opsUrl: () => string | undefined }): LocalApi {
  const credential = newLocalApiCredential()
  let remove: (() => Promise<void>) | undefined
  const routes = localApiRoutes({
    db: o.db,
    credential,
    daemonOperations: {
      'console-url': () => {
        const web = o.console()
        const base = o.opsUrl()
        if (!web || !base) throw new M365dError('ERR_CONSOLE_OFF', 'the running m365d serves no console (started with --no-console)', { hint: 'restart it without --no-console' })
        return { url: web.loginUrl(base) }
      },
    },
  })
  return {
    routes,
    async publish(opsUrl) {
      // With PostgreSQL the directory is only where `m365d console url` looks: a live daemon that
      // published there first keeps it (several workers may run on one machine).
      if (o.store === 'postgres') {
        const current = await readDiscovery(o.dataDir).catch(() => undefined)
        if (current?.kind === 'found' && current.discovery.pid !== process.pid) return undefined
      }
      const port = Number(new URL(opsUrl).port)
      remove = await publishDiscovery(o.dataDir, { pid: process.pid, url: localUrl(opsUrl), port, credential, startedAt: new Date().toISOString(), store: o.store, worker: o.worker })
      return discoveryPath(o.dataDir)
    },
    async unpublish() {
      await remove?.().catch(() => undefined)
      remove = undefined
    },
  }
}

/** A wildcard bind (0.0.0.0, ::) is reached from this machine on loopback. */
function localUrl(opsUrl: string): string {
  const u = new URL(opsUrl)
  if (u.hostname === '0.0.0.0') u.hostname = '127.0.0.1'
  if (u.hostname === '[::]') u.hostname = '[::1]'
  return u.origin
}
