import type { Queryable } from '../../sync/index.js'
import type { QueueFilters, QueueItem, QueueSort } from '../api_types.js'
import { ConsoleRequestError } from '../http.js'
import { openStatusSql } from './rollups.js'

const SEVERITY_RANK: Record<string, number> = { high: 4, medium: 3, low: 2, informational: 1, unknown: 0, unspecified: 0 }

/** The columns of a queue row: key columns plus a few fields from the document (never the whole document). */
export const QUEUE_COLUMNS = `i.tenant_id, t.display_name AS tenant_name, i.source, i.incident_id,
  coalesce(i.raw->>'incidentName', i.raw->>'displayName') AS title, i.severity, i.status, i.classification, i.determination,
  i.assigned_to, i.created_time, i.last_update_time,
  CASE WHEN jsonb_typeof(i.raw->'alerts') = 'array' THEN jsonb_array_length(i.raw->'alerts') ELSE 0 END AS alert_count,
  coalesce(i.raw->'tags', i.raw->'customTags', '[]'::jsonb) AS tags`

export interface QueueRow {
  tenant_id: string
  tenant_name: string | null
  source: 'legacy' | 'graph'
  incident_id: string
  title: string | null
  severity: string | null
  status: string | null
  classification: string | null
  determination: string | null
  assigned_to: string | null
  created_time: Date | null
  last_update_time: Date
  alert_count: number
  tags: string[] | null
  sev_rank?: number
  /** The sort timestamps as PostgreSQL prints them: microseconds kept, so the cursor round-trips exactly. */
  lut_text?: string
  ct_text?: string | null
}

export function toQueueItem(r: QueueRow): QueueItem {
  return {
    tenantId: r.tenant_id,
    tenantName: r.tenant_name,
    source: r.source,
    incidentId: r.incident_id,
    title: r.title,
    severity: r.severity,
    status: r.status,
    classification: r.classification,
    determination: r.determination,
    assignedTo: r.assigned_to,
    createdTime: r.created_time ? new Date(r.created_time).toISOString() : null,
    lastUpdateTime: new Date(r.last_update_time).toISOString(),
    alertCount: Number(r.alert_count ?? 0),
    tags: Array.isArray(r.tags) ? r.tags.filter((t) => typeof t === 'string') : [],
  }
}

/**
 * One page of the cross-tenant queue, newest change first (or newest created, or highest severity),
 * with keyset paging: the cursor is the sort key of the last row, and the next page starts strictly
 * after it, so paging stays one index range scan deep at any offset (no OFFSET) and a row that
 * changes meanwhile is neither skipped nor shown twice within a page walk. Every filter column has
 * an index ending in the sort key (migration 3).
 */
export async function queuePage(
  db: Queryable,
  o: { filters: QueueFilters; tenantScope: string[] | undefined; sort: QueueSort; cursor: string | null; limit: number },
): Promise<{ rows: QueueRow[]; next: string | null }> {
  const where: string[] = []
  const params: unknown[] = []
  const p = (v: unknown) => {
    params.push(v)
    return `$${params.length}`
  }
  const f = o.filters
  if (o.tenantScope) where.push(`i.tenant_id = ANY(${p(o.tenantScope)}::text[])`)
  if (f.severity?.length) {
    const ranks = f.severity.map((s) => SEVERITY_RANK[s.toLowerCase()])
    if (ranks.some((r) => r === undefined)) throw new ConsoleRequestError(400, 'ERR_CONSOLE_BAD_PARAM', `unknown severity in ${f.severity.join(',')}`, 'use high, medium, low, informational, unknown')
    where.push(ranks.length === 1 ? `m365d_severity_rank(i.severity) = ${p(ranks[0])}` : `m365d_severity_rank(i.severity) = ANY(${p(ranks)}::int[])`)
  }
  if (f.status?.length) {
    const keys = f.status.map((s) => s.toLowerCase())
    where.push(keys.length === 1 ? `m365d_status_key(i.status) = ${p(keys[0])}` : `m365d_status_key(i.status) = ANY(${p(keys)}::text[])`)
  } else if (f.open) where.push(openStatusSql('i.status'))
  if (f.assignedTo !== undefined) {
    if (f.assignedTo === '' || f.assignedTo.toLowerCase() === 'unassigned') where.push(`coalesce(i.assigned_to, '') = ''`)
    else where.push(`lower(i.assigned_to) = ${p(f.assignedTo.toLowerCase())}`)
  }
  if (f.classification?.length) {
    const keys = f.classification.map((s) => s.toLowerCase())
    where.push(keys.length === 1 ? `lower(i.classification) = ${p(keys[0])}` : `lower(i.classification) = ANY(${p(keys)}::text[])`)
  }
  if (f.minAgeHours !== undefined) where.push(`i.created_time <= now() - make_interval(hours => ${p(f.minAgeHours)}::int)`)
  if (f.maxAgeHours !== undefined) where.push(`i.created_time >= now() - make_interval(hours => ${p(f.maxAgeHours)}::int)`)
  if (f.text) {
    const like = p(`%${f.text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`)
    where.push(`(coalesce(i.raw->>'incidentName', i.raw->>'displayName') ILIKE ${like} OR i.incident_id = ${p(f.text)} OR i.assigned_to ILIKE ${like})`)
  }
  const key =
    o.sort === 'created'
      ? ['i.created_time', 'i.tenant_id', 'i.source', 'i.incident_id']
      : o.sort === 'severity'
        ? ['m365d_severity_rank(i.severity)', 'i.last_update_time', 'i.tenant_id', 'i.source', 'i.incident_id']
        : ['i.last_update_time', 'i.tenant_id', 'i.source', 'i.incident_id']
  if (o.sort === 'created') where.push('i.created_time IS NOT NULL')
  if (o.cursor) {
    const values = decodeCursor(o.cursor, key.length)
    where.push(`(${key.join(', ')}) < (${values.map((v, i) => `${p(v)}::${i === 0 && o.sort === 'severity' ? 'int' : key[i]!.endsWith('_time') ? 'timestamptz' : 'text'}`).join(', ')})`)
  }
  const sql = `SELECT ${QUEUE_COLUMNS}, i.last_update_time::text AS lut_text, i.created_time::text AS ct_text${o.sort === 'severity' ? ', m365d_severity_rank(i.severity) AS sev_rank' : ''}
    FROM m365d_incidents i LEFT JOIN m365d_tenants t ON t.tenant_id = i.tenant_id
    ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
    ORDER BY ${key.map((k) => `${k} DESC`).join(', ')}
    LIMIT ${p(o.limit + 1)}`
  const { rows } = await db.query<QueueRow>(sql, params)
  const more = rows.length > o.limit
  const page = more ? rows.slice(0, o.limit) : rows
  const last = page.at(-1)
  const next =
    more && last
      ? encodeCursor(
          o.sort === 'created'
            ? [last.ct_text!, last.tenant_id, last.source, last.incident_id]
            : o.sort === 'severity'
              ? [Number(last.sev_rank), last.lut_text!, last.tenant_id, last.source, last.incident_id]
              : [last.lut_text!, last.tenant_id, last.source, last.incident_id],
        )
      : null
  return { rows: page, next }
}

function encodeCursor(values: unknown[]): string {
  return Buffer.from(JSON.stringify(values)).toString('base64url')
}

function decodeCursor(cursor: string, length: number): unknown[] {
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown
    if (Array.isArray(v) && v.length === length && v.every((x) => typeof x === 'string' || typeof x === 'number')) return v
  } catch {
    // fall through
  }
  throw new ConsoleRequestError(400, 'ERR_CONSOLE_CURSOR', 'invalid paging cursor', 'start again from the first page (the cursor belongs to another sort)')
}
