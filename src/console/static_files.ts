import { readFile } from 'node:fs/promises'
import { extname, join, normalize, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { securityHeaders } from './security.js'

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
}

/** dist/web, built by `vite build` during `npm install` (this file runs from dist/src/console). */
export function defaultWebRoot(): string {
  return fileURLToPath(new URL('../../web/', import.meta.url))
}

/** Files of the built web app; nothing outside `root` (no `..`), hashed assets cached for a year. */
export class StaticFiles {
  readonly #cache = new Map<string, Buffer>()
  constructor(readonly root: string) {}

  async get(relative: string): Promise<Response | undefined> {
    const clean = normalize(relative).replace(/^([/\\])+/, '')
    if (clean.startsWith('..') || clean.includes(`${sep}..`)) return undefined
    const path = join(this.root, clean)
    let body = this.#cache.get(path)
    if (!body) {
      try {
        body = await readFile(path)
      } catch {
        return undefined
      }
      this.#cache.set(path, body)
    }
    const immutable = clean.startsWith(`assets${sep}`) || clean.startsWith('assets/')
    return new Response(new Uint8Array(body), {
      headers: {
        ...securityHeaders(),
        'content-type': TYPES[extname(path)] ?? 'application/octet-stream',
        'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-store',
      },
    })
  }
}
