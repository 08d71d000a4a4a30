import { daysUntilLegacyRetirement, LEGACY_WARNING_CODE, MIGRATION_COMMAND } from '../defender/index.js'

/**
 * The CLI's side of the legacy-API deprecation (issue 8 §1): the library emits a
 * `DeprecationWarning` (code M365D_LEGACY_API) the first time a process uses the legacy surface;
 * the CLI turns it into ONE plain line on stderr — the date and the migration command — instead
 * of Node's `(node:1234) [M365D_LEGACY_API] DeprecationWarning: …` form. Other warnings keep
 * Node's form. `--no-deprecation` / NODE_OPTIONS silence it as usual (Node then emits nothing).
 */
export function legacyNoticeLine(now: number = Date.now()): string {
  const days = daysUntilLegacyRetirement(now)
  const left = days > 0 ? `${days} day${days === 1 ? '' : 's'} left` : 'that date has passed'
  return `m365d: warning: the legacy Defender API (--api legacy) stops working on 1 Feb 2027 (${left}); use Graph (the default) and check each tenant with: ${MIGRATION_COMMAND}`
}

/** Replaces Node's default warning printer for this process (main.ts only). */
export function installWarningPrinter(stderr: { write(text: string): unknown }): void {
  // Node prints warnings through its own 'warning' listener; removing it is the documented way
  // to print them differently (https://nodejs.org/api/process.html#event-warning).
  process.removeAllListeners('warning')
  let shown = false
  process.on('warning', (w: Error & { code?: string }) => {
    if (w.code === LEGACY_WARNING_CODE) {
      if (!shown) stderr.write(`${legacyNoticeLine()}\n`)
      shown = true
      return
    }
    stderr.write(`(node:${process.pid}) ${w.code ? `[${w.code}] ` : ''}${w.name}: ${w.message}\n`)
  })
}
