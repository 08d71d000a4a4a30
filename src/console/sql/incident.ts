import type { Queryable } from '../../sync/index.js'
import { QUEUE_COLUMNS, type QueueRow } from './queue.js'

export async function incidentRow(db: Queryable, tenantId: string, source: string, incidentId: string): Promise<(QueueRow & { raw: Record<string, unknown> }) | undefined> {
  const { rows } = await db.query<QueueRow & { raw: Record<string, unknown> }>(
    `SELECT ${QUEUE_COLUMNS}, i.raw FROM m365d_incidents i LEFT JOIN m365d_tenants t ON t.tenant_id = i.tenant_id
     WHERE i.tenant_id = $1 AND i.source = $2 AND i.incident_id = $3`,
    [tenantId, source, incidentId],
  )
  return rows[0]
}

export async function incidentAlerts(db: Queryable, tenantId: string, source: string, incidentId: string) {
  const { rows } = await db.query<{ alert_id: string; title: string | null; severity: string | null; status: string | null; created_time: Date | null; raw: Record<string, unknown> }>(
    `SELECT alert_id, title, severity, status, created_time, raw FROM m365d_alerts
     WHERE tenant_id = $1 AND source = $2 AND incident_id = $3 ORDER BY created_time NULLS LAST, alert_id`,
    [tenantId, source, incidentId],
  )
  return rows
}

export async function incidentHistory(db: Queryable, tenantId: string, source: string, incidentId: string) {
  const { rows } = await db.query<{ version: number; last_update_time: Date; changes: Record<string, unknown>; recorded_at: Date }>(
    `SELECT version, last_update_time, changes, recorded_at FROM m365d_incident_history
     WHERE tenant_id = $1 AND source = $2 AND incident_id = $3 ORDER BY version DESC LIMIT 500`,
    [tenantId, source, incidentId],
  )
  return rows
}

export interface ActionRow {
  id: string
  at: Date
  actor: string
  action: Record<string, unknown>
  outcome: 'ok' | 'error'
  server_update_time: Date | null
  error: { code?: string; message?: string; hint?: string } | null
  /** The incident stream's watermark now: a pass that read past the update confirmed it. */
  watermark: Date | null
}

export async function incidentActions(db: Queryable, tenantId: string, source: string, incidentId: string): Promise<ActionRow[]> {
  const { rows } = await db.query<ActionRow>(
    `SELECT a.id, a.at, a.actor, a.action, a.outcome, a.server_update_time, a.error,
       (SELECT max(watermark) FROM m365d_sync_state s WHERE s.tenant_id = a.tenant_id AND s.stream = a.source || ':incidents') AS watermark
     FROM m365d_console_actions a WHERE tenant_id = $1 AND source = $2 AND incident_id = $3 ORDER BY id DESC LIMIT 200`,
    [tenantId, source, incidentId],
  )
  return rows
}

export async function recordAction(
  db: Queryable,
  a: { actor: string; tenantId: string; source: string; incidentId: string; action: unknown; outcome: 'ok' | 'error'; serverUpdateTime?: string | null; error?: unknown },
): Promise<void> {
  await db.query(
    `INSERT INTO m365d_console_actions (actor, tenant_id, source, incident_id, action, outcome, server_update_time, error)
     VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, $8::jsonb)`,
    [a.actor, a.tenantId, a.source, a.incidentId, JSON.stringify(a.action), a.outcome, a.serverUpdateTime ?? null, a.error === undefined ? null : JSON.stringify(a.error)],
  )
}
