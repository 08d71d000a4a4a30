/**
 * Process warnings (`process.emitWarning`, e.g. the library's DeprecationWarning M365D_LEGACY_API)
 * printed by the CLI instead of Node's default `(node:1234) [CODE] DeprecationWarning: …`, which
 * would land in the middle of JSON log lines or a live region. main.ts installs the handler; the
 * running command decides where a warning goes (a notice, or a log record for `m365d sync`).
 * `--no-deprecation` still silences deprecations: Node then does not emit them at all.
 */
export type WarningSink = (warning: Error & { code?: string }) => void

const sinks: WarningSink[] = []

/** Replaces Node's default printer with the innermost routed sink (or `fallback`). */
export function installWarningHandler(proc: NodeJS.Process, fallback: WarningSink): void {
  proc.removeAllListeners('warning')
  proc.on('warning', (w) => (sinks.at(-1) ?? fallback)(w))
}

/** Sends warnings to `sink` until the returned function is called. */
export function routeWarnings(sink: WarningSink): () => void {
  sinks.push(sink)
  return () => {
    const i = sinks.lastIndexOf(sink)
    if (i >= 0) sinks.splice(i, 1)
  }
}

/** `warning: message (CODE)`. */
export function warningText(w: Error & { code?: string }): string {
  return `warning: ${w.message}${w.code ? ` (${w.code})` : ''}`
}
