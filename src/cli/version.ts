import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * The package version, read from the nearest package.json named `m365d` above this file: that is
 * `../../package.json` from src/cli (tsx) and `../../../package.json` from dist/src/cli (compiled).
 */
export function packageVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  for (let i = 0; i < 6; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string }
      if (pkg.name === 'm365d' && pkg.version) return pkg.version
    } catch {
      // not here; keep walking up
    }
    dir = dirname(dir)
  }
  return '0.0.0-unknown'
}
