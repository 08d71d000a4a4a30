import type { Queryable } from '../../sync/index.js'
import type { HealthEventDto } from '../api_types.js'

export async function healthEventRows(db: Queryable, o: { tenant: string | null; kind: string | null; limit: number }): Promise<{ events: HealthEventDto[]; counts: Record<string, number> }> {
  const { rows } = await db.query<{ id: string; at: Date; tenant_id: string | null; display_name: string | null; kind: string; from_health: string | null; to_health: string | null; detail: unknown }>(
    `SELECT e.id, e.at, e.tenant_id, t.display_name, e.kind, e.from_health, e.to_health, e.detail
     FROM m365d_health_events e LEFT JOIN m365d_tenants t USING (tenant_id)
     WHERE ($1::text IS NULL OR e.tenant_id = $1) AND ($2::text IS NULL OR e.kind = $2)
     ORDER BY e.id DESC LIMIT $3`,
    [o.tenant?.toLowerCase() ?? null, o.kind, o.limit],
  )
  const { rows: c } = await db.query<{ kind: string; n: string }>(`SELECT kind, count(*) AS n FROM m365d_health_events GROUP BY kind`)
  return {
    events: rows.map((r) => ({ id: Number(r.id), at: new Date(r.at).toISOString(), tenantId: r.tenant_id, tenantName: r.display_name, kind: r.kind, from: r.from_health, to: r.to_health, detail: r.detail })),
    counts: Object.fromEntries(c.map((r) => [r.kind, Number(r.n)])),
  }
}

/** Records an event that no health column carries (credential expiry), at most once per `dedupeKey`. */
export async function recordHealthEvent(db: Queryable, e: { tenantId: string | null; kind: string; detail: Record<string, unknown>; dedupeKey: string }): Promise<boolean> {
  const { rows } = await db.query<{ n: string }>(`SELECT count(*) AS n FROM m365d_health_events WHERE kind = $1 AND detail->>'key' = $2`, [e.kind, e.dedupeKey])
  if (Number(rows[0]!.n) > 0) return false
  await db.query(`SELECT m365d_health_event($1, $2, NULL, NULL, $3::jsonb)`, [e.tenantId, e.kind, JSON.stringify({ ...e.detail, key: e.dedupeKey })])
  return true
}
