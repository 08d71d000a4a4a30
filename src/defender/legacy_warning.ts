/**
 * The legacy Defender API (`api.security.microsoft.com` `/api/incidents`, `/api/advancedhunting/run`)
 * stops on 1 Feb 2027: "Retirement start: February 6, 2026 · Full retirement: February 1, 2027 ·
 * After February 1, 2027, the MDE and XDR APIs will no longer function" (Microsoft 365 Message
 * Center MC1220762, mssp-market.md §0). Every legacy use warns ONCE per process through
 * `process.emitWarning` (a DeprecationWarning with a stable code, so `--no-deprecation`,
 * `--throw-deprecation` and `process.on('warning')` work as for Node's own deprecations); the
 * library never logs.
 */

/** The day the legacy API stops working (UTC). */
export const LEGACY_RETIREMENT_DATE = '2027-02-01'
/** Microsoft 365 Message Center item announcing the retirement. */
export const LEGACY_RETIREMENT_NOTICE = 'MC1220762'
/** `code` of the DeprecationWarning (filter on it in `process.on('warning')`). */
export const LEGACY_WARNING_CODE = 'M365D_LEGACY_API'
/** The command that checks a tenant is ready for Graph. */
export const MIGRATION_COMMAND = 'm365d migrate check'

/** Whole days from `now` until the retirement date (0 on and after it). */
export function daysUntilLegacyRetirement(now: number = Date.now()): number {
  return Math.max(0, Math.ceil((Date.parse(`${LEGACY_RETIREMENT_DATE}T00:00:00Z`) - now) / 86_400_000))
}

/** The warning text (one line; also what the CLI prints on stderr). */
export function legacyWarningMessage(): string {
  return (
    `the legacy Microsoft 365 Defender API (api.security.microsoft.com) stops working on 1 Feb 2027 (${LEGACY_RETIREMENT_NOTICE}); ` +
    `use the Microsoft Graph security API (the default surface) and run \`${MIGRATION_COMMAND}\` to check each tenant before the date`
  )
}

let warned = false

/** Emits the deprecation warning the first time the process uses the legacy surface; later calls do nothing. */
export function warnLegacyUse(): void {
  if (warned) return
  warned = true
  process.emitWarning(legacyWarningMessage(), { type: 'DeprecationWarning', code: LEGACY_WARNING_CODE })
}
