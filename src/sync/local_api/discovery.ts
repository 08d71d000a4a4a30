import { randomBytes } from 'node:crypto'
import { lstat, mkdir, open, readFile, rename, rm } from 'node:fs/promises'
import { join } from 'node:path'

/**
 * The discovery file a running daemon publishes in its data directory (issue 9 §1): PGlite allows
 * one process per data directory, so while `m365d sync` / `m365d start` owns the embedded store the
 * CLI's registry commands find the daemon here and go through its local API instead. The file is
 * private (0600, in the 0700 data directory) because it holds the per-run credential of that API:
 * whoever can read it can read the store's files anyway.
 */
export const DISCOVERY_FILE = 'm365d-api.json'

export interface LocalApiDiscovery {
  /** The daemon's process id: a file whose process is gone is stale. */
  pid: number
  /** Base URL of the local API on the daemon's ops server, reachable from this machine. */
  url: string
  port: number
  /** Sent as `Authorization: Bearer …`; random per run. */
  credential: string
  startedAt: string
  /** `embedded` when the daemon owns the PGlite store in this directory, `postgres` otherwise. */
  store: 'embedded' | 'postgres'
  worker: string
}

export function discoveryPath(dataDir: string): string {
  return join(dataDir, DISCOVERY_FILE)
}

/** 32 random bytes, URL-safe: the local API's credential for one run of the daemon. */
export function newLocalApiCredential(): string {
  return randomBytes(32).toString('base64url')
}

/**
 * Writes the file atomically (a reader never sees half of it) with mode 0600. Returns the function
 * that removes it at shutdown — only if it is still ours.
 */
export async function publishDiscovery(dataDir: string, d: LocalApiDiscovery): Promise<() => Promise<void>> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 })
  const path = discoveryPath(dataDir)
  const tmp = `${path}.${process.pid}.tmp`
  const handle = await open(tmp, 'w', 0o600)
  try {
    await handle.writeFile(JSON.stringify(d, null, 2) + '\n')
  } finally {
    await handle.close()
  }
  await rename(tmp, path)
  return async () => {
    const current = await readDiscovery(dataDir).catch(() => undefined)
    if (current?.kind === 'found' && current.discovery.credential === d.credential) await rm(path, { force: true })
  }
}

export type DiscoveryLookup =
  | { kind: 'none' }
  | { kind: 'found'; discovery: LocalApiDiscovery }
  /** The file names a process that is gone (killed daemon): it was removed. */
  | { kind: 'stale'; pid: number }
  /** Unreadable or not ours: ignored (and removed). */
  | { kind: 'invalid' }

/** Reads the file; a stale or malformed one is removed, so the next command starts clean. */
export async function readDiscovery(dataDir: string): Promise<DiscoveryLookup> {
  const path = discoveryPath(dataDir)
  let text: string
  try {
    // Only a private regular file of ours is trusted: a file another user could plant would
    // send this CLI's registry calls (and the operator's trust) to their server.
    const s = await lstat(path)
    const uid = process.getuid?.()
    if (!s.isFile() || (uid !== undefined && s.uid !== uid) || (process.platform !== 'win32' && (s.mode & 0o022) !== 0)) return { kind: 'invalid' }
    text = await readFile(path, 'utf8')
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'none' }
    throw e
  }
  const d = parse(text)
  if (!d) {
    await rm(path, { force: true })
    return { kind: 'invalid' }
  }
  if (d.pid !== process.pid && !alive(d.pid)) {
    await rm(path, { force: true })
    return { kind: 'stale', pid: d.pid }
  }
  return { kind: 'found', discovery: d }
}

function parse(text: string): LocalApiDiscovery | undefined {
  try {
    const d = JSON.parse(text) as Partial<LocalApiDiscovery>
    if (!Number.isInteger(d.pid) || (d.pid as number) <= 0 || typeof d.url !== 'string' || !URL.canParse(d.url) || typeof d.credential !== 'string' || d.credential.length < 16) return undefined
    return d as LocalApiDiscovery
  } catch {
    return undefined
  }
}

/** Signal 0 probes a pid without touching it; EPERM means it exists under another user. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'
  }
}
