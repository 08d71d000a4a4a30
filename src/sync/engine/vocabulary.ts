/**
 * One vocabulary for the store's key columns whatever surface a record came from: Graph's
 * (microsoft.graph.security enums), the surface every tenant ends up on (MC1220762). The legacy
 * API spells the same values differently (`Active`/`active`, `UnSpecified`/`unknown`,
 * `Clean`/`notMalicious`, defender-api.md §2.6), and Microsoft's own Graph pages disagree on some
 * determination names (mssp-market.md §3), so both spellings map here. Without it, a tenant switched
 * from legacy to Graph would record a "change" in every incident it re-reads. The `raw` document is
 * stored as received. Migration 4 applies the same mapping to rows stored before it.
 */
export type EnumKind = 'status' | 'severity' | 'classification' | 'determination'

const DETERMINATION: Readonly<Record<string, string>> = {
  clean: 'notMalicious',
  notmalicious: 'notMalicious',
  noenoughdatatovalidate: 'notEnoughDataToValidate',
  insufficientdata: 'notEnoughDataToValidate',
  notenoughdatatovalidate: 'notEnoughDataToValidate',
  compromiseduser: 'compromisedAccount',
  compromisedaccount: 'compromisedAccount',
  confirmeduseractivity: 'confirmedActivity',
  confirmedactivity: 'confirmedActivity',
}

export function graphEnum(kind: EnumKind, value: string | null | undefined): string | null {
  const lower = value?.toLowerCase()
  // An unclassified record: legacy says null (or Unknown/NotAvailable), Graph says unknown.
  if ((kind === 'classification' || kind === 'determination') && (lower === undefined || lower === 'unknown' || lower === 'notavailable')) return 'unknown'
  if (value === null || value === undefined || lower === undefined) return null
  if (kind === 'severity' && lower === 'unspecified') return 'unknown'
  if (kind === 'determination' && DETERMINATION[lower]) return DETERMINATION[lower]!
  return value.charAt(0).toLowerCase() + value.slice(1)
}
