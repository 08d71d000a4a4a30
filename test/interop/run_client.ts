import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { createEmulator, serve, type Emulator, type RunningEmulator } from '../../src/emulator/index.js'
import { ensureLocalCa } from '../../src/emulator/tls.js'

/**
 * Interop harness: the emulator on real HTTPS (local CA) and Microsoft's client libraries in a
 * child Node process started with NODE_EXTRA_CA_CERTS, exactly how a user would run them.
 */
const run = promisify(execFile)

export interface ClientResult {
  ok: boolean
  claims?: Record<string, unknown>
  fromCache?: boolean[]
  expiresOn?: number | null
  error?: { name?: string; errorCode?: string; message: string }
}

/** The child script is plain JS, not compiled: find it next to this file, or in the source tree when running from dist/. */
function clientScript(): string {
  const here = fileURLToPath(new URL('./child/client.mjs', import.meta.url))
  return existsSync(here) ? here : here.replace(`${join('dist', 'test')}`, 'test')
}

export interface HttpsEmulator {
  emulator: Emulator
  running: RunningEmulator
  caPath: string
  /** `https://localhost:<port>` */
  origin: string
  close(): Promise<void>
  client(input: Record<string, unknown>): Promise<ClientResult>
}

export async function startHttpsEmulator(): Promise<HttpsEmulator> {
  const dir = await mkdtemp(join(tmpdir(), 'm365d-interop-'))
  const tls = await ensureLocalCa(dir)
  const emulator = await createEmulator()
  const running = await serve(emulator, { tls })
  const origin = `https://localhost:${running.port}`
  return {
    emulator,
    running,
    caPath: tls.caPath,
    origin,
    async close() {
      await running.close()
      await rm(dir, { recursive: true, force: true })
    },
    async client(input) {
      const { stdout } = await run(process.execPath, [clientScript(), JSON.stringify(input)], {
        env: { ...process.env, NODE_EXTRA_CA_CERTS: tls.caPath, NODE_OPTIONS: '' },
        timeout: 30_000,
      })
      const line = stdout.trim().split('\n').pop()!
      return JSON.parse(line) as ClientResult
    },
  }
}
