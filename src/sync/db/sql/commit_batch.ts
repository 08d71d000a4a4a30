import type { Database, Queryable } from '../database.js'

/** One incident as the sync engine hands it to storage: key columns + the raw API document. */
export interface IncidentRecord {
  incidentId: string
  lastUpdateTime: string
  createdTime?: string | null
  status?: string | null
  severity?: string | null
  classification?: string | null
  determination?: string | null
  assignedTo?: string | null
  redirectIncidentId?: string | null
  raw: unknown
}

export interface AlertRecord {
  alertId: string
  incidentId?: string | null
  lastUpdateTime?: string | null
  createdTime?: string | null
  status?: string | null
  severity?: string | null
  title?: string | null
  raw: unknown
}

export interface SyncStateUpdate {
  stream: string
  /** New watermark; `undefined` keeps the stored one (a page inside a pass). */
  watermark?: string | null
  watermarkKeys?: string[]
  /** Where an interrupted pass resumes; `null` when the pass is complete. */
  cursor?: unknown
  backfillDone?: boolean
  /** Added to the running counters. */
  recordsSynced?: number
  apiCalls?: number
  throttled?: number
}

export interface CommitResult {
  incidentsInserted: number
  incidentsUpdated: number
  incidentsUnchanged: number
  alertsWritten: number
}

/**
 * Writes a page of incidents and alerts and moves the stream's watermark IN THE SAME
 * TRANSACTION: a crash at any moment leaves either the old watermark with the old data or the
 * new watermark with the new data, so a restart loses nothing and duplicates nothing.
 *
 * Upserts are idempotent: a record is rewritten only when it is newer (later last-update time,
 * or the same time with a different document), and each rewrite of an incident bumps its
 * `version` and records what changed in `m365d_incident_history`. A record has ONE row whatever
 * surface delivered it (migration 4): the same version read from the other surface after a switch
 * is not a change (only its key columns are compared), so a switch adds no version and no sink
 * delivery; `source` says which surface the stored document came from.
 */
export async function commitBatch(
  db: Database,
  batch: { tenantId: string; source: 'legacy' | 'graph'; incidents: IncidentRecord[]; alerts: AlertRecord[]; state?: SyncStateUpdate },
): Promise<CommitResult> {
  const incidents = latestById(batch.incidents, (r) => r.incidentId, (r) => r.lastUpdateTime)
  const alerts = latestById(batch.alerts, (r) => r.alertId, (r) => r.lastUpdateTime ?? '')
  return db.transaction(async (tx) => {
    const result: CommitResult = { incidentsInserted: 0, incidentsUpdated: 0, incidentsUnchanged: 0, alertsWritten: 0 }
    if (incidents.length) {
      const rows = await upsertIncidents(tx, batch.tenantId, batch.source, incidents)
      for (const r of rows) r.inserted ? result.incidentsInserted++ : result.incidentsUpdated++
      result.incidentsUnchanged = incidents.length - rows.length
    }
    if (alerts.length) result.alertsWritten = await upsertAlerts(tx, batch.tenantId, batch.source, alerts)
    if (batch.state) {
      const st = batch.state
      const keepWatermark = st.watermark === undefined
      await tx.query(
        `INSERT INTO m365d_sync_state AS s (tenant_id, stream, watermark, watermark_keys, cursor, backfill_done, last_attempt_at,
           last_success_at, consecutive_failures, records_synced, api_calls, throttled, last_error)
         VALUES ($1, $2, $3, $4::jsonb, $5::jsonb, $6, now(), now(), 0, $7, $8, $9, NULL)
         ON CONFLICT (tenant_id, stream) DO UPDATE SET
           watermark = CASE WHEN $10 THEN s.watermark ELSE EXCLUDED.watermark END,
           watermark_keys = CASE WHEN $10 THEN s.watermark_keys ELSE EXCLUDED.watermark_keys END,
           cursor = EXCLUDED.cursor,
           backfill_done = s.backfill_done OR EXCLUDED.backfill_done,
           last_attempt_at = now(), last_success_at = now(), consecutive_failures = 0, last_error = NULL,
           records_synced = s.records_synced + EXCLUDED.records_synced,
           api_calls = s.api_calls + EXCLUDED.api_calls, throttled = s.throttled + EXCLUDED.throttled`,
        [
          batch.tenantId,
          st.stream,
          st.watermark ?? null,
          JSON.stringify(st.watermarkKeys ?? []),
          st.cursor === undefined || st.cursor === null ? null : JSON.stringify(st.cursor),
          st.backfillDone ?? false,
          st.recordsSynced ?? result.incidentsInserted + result.incidentsUpdated + result.alertsWritten,
          st.apiCalls ?? 0,
          st.throttled ?? 0,
          keepWatermark,
        ],
      )
    }
    return result
  })
}

async function upsertIncidents(tx: Queryable, tenantId: string, source: string, incidents: IncidentRecord[]) {
  const payload = incidents.map((r) => ({
    incident_id: r.incidentId,
    status: r.status ?? null,
    severity: r.severity ?? null,
    classification: r.classification ?? null,
    determination: r.determination ?? null,
    assigned_to: r.assignedTo ?? null,
    created_time: r.createdTime ?? null,
    last_update_time: r.lastUpdateTime,
    redirect_incident_id: r.redirectIncidentId ?? null,
    raw: r.raw,
  }))
  // All CTEs see the same snapshot, so `old` holds the rows as they were before the upsert.
  const { rows } = await tx.query<{ incident_id: string; inserted: boolean }>(
    `WITH incoming AS (
       SELECT * FROM jsonb_to_recordset($3::jsonb) AS x(incident_id text, status text, severity text,
         classification text, determination text, assigned_to text, created_time timestamptz,
         last_update_time timestamptz, redirect_incident_id text, raw jsonb)
     ), old AS (
       SELECT i.* FROM m365d_incidents i JOIN incoming USING (incident_id) WHERE i.tenant_id = $1
     ), up AS (
       INSERT INTO m365d_incidents AS i (tenant_id, source, incident_id, status, severity, classification, determination,
         assigned_to, created_time, last_update_time, redirect_incident_id, raw)
       SELECT $1, $2, incident_id, status, severity, classification, determination, assigned_to, created_time,
         last_update_time, redirect_incident_id, raw FROM incoming
       ON CONFLICT (tenant_id, incident_id) DO UPDATE SET
         source = EXCLUDED.source, status = EXCLUDED.status, severity = EXCLUDED.severity, classification = EXCLUDED.classification,
         determination = EXCLUDED.determination, assigned_to = EXCLUDED.assigned_to, created_time = EXCLUDED.created_time,
         last_update_time = EXCLUDED.last_update_time, redirect_incident_id = EXCLUDED.redirect_incident_id,
         raw = EXCLUDED.raw, version = i.version + 1, synced_at = now()
       WHERE i.last_update_time < EXCLUDED.last_update_time
          OR (i.last_update_time = EXCLUDED.last_update_time AND CASE WHEN i.source = EXCLUDED.source
                THEN i.raw IS DISTINCT FROM EXCLUDED.raw
                -- The other surface's document of the same version differs in shape only.
                ELSE (i.status, i.severity, i.classification, i.determination, i.assigned_to, i.redirect_incident_id)
                  IS DISTINCT FROM (EXCLUDED.status, EXCLUDED.severity, EXCLUDED.classification, EXCLUDED.determination, EXCLUDED.assigned_to, EXCLUDED.redirect_incident_id)
              END)
       RETURNING i.*
     ), history AS (
       INSERT INTO m365d_incident_history (tenant_id, source, incident_id, version, last_update_time, changes)
       SELECT $1, $2, up.incident_id, up.version, up.last_update_time,
         CASE WHEN old.incident_id IS NULL THEN jsonb_build_object('created', true) ELSE jsonb_strip_nulls(jsonb_build_object(
           'status', CASE WHEN old.status IS DISTINCT FROM up.status THEN jsonb_build_array(old.status, up.status) END,
           'severity', CASE WHEN old.severity IS DISTINCT FROM up.severity THEN jsonb_build_array(old.severity, up.severity) END,
           'classification', CASE WHEN old.classification IS DISTINCT FROM up.classification THEN jsonb_build_array(old.classification, up.classification) END,
           'determination', CASE WHEN old.determination IS DISTINCT FROM up.determination THEN jsonb_build_array(old.determination, up.determination) END,
           'assignedTo', CASE WHEN old.assigned_to IS DISTINCT FROM up.assigned_to THEN jsonb_build_array(old.assigned_to, up.assigned_to) END,
           'redirectIncidentId', CASE WHEN old.redirect_incident_id IS DISTINCT FROM up.redirect_incident_id THEN jsonb_build_array(old.redirect_incident_id, up.redirect_incident_id) END,
           -- Tags have no column: Graph calls them customTags, legacy tags (a PATCH replaces the list).
           'tags', CASE WHEN coalesce(old.raw->'customTags', old.raw->'tags', '[]') IS DISTINCT FROM coalesce(up.raw->'customTags', up.raw->'tags', '[]')
             THEN jsonb_build_array(coalesce(old.raw->'customTags', old.raw->'tags', '[]'), coalesce(up.raw->'customTags', up.raw->'tags', '[]')) END,
           'lastUpdateTime', jsonb_build_array(old.last_update_time, up.last_update_time)))
         END
       FROM up LEFT JOIN old USING (incident_id)
     )
     SELECT up.incident_id, (old.incident_id IS NULL) AS inserted FROM up LEFT JOIN old USING (incident_id)`,
    [tenantId, source, JSON.stringify(payload)],
  )
  return rows
}

async function upsertAlerts(tx: Queryable, tenantId: string, source: string, alerts: AlertRecord[]): Promise<number> {
  const payload = alerts.map((a) => ({
    alert_id: a.alertId,
    incident_id: a.incidentId ?? null,
    status: a.status ?? null,
    severity: a.severity ?? null,
    title: a.title ?? null,
    created_time: a.createdTime ?? null,
    last_update_time: a.lastUpdateTime ?? null,
    raw: a.raw,
  }))
  const { rows } = await tx.query<{ alert_id: string }>(
    `INSERT INTO m365d_alerts AS a (tenant_id, source, alert_id, incident_id, status, severity, title, created_time, last_update_time, raw)
     SELECT $1, $2, alert_id, incident_id, status, severity, title, created_time, last_update_time, raw
     FROM jsonb_to_recordset($3::jsonb) AS x(alert_id text, incident_id text, status text, severity text, title text,
       created_time timestamptz, last_update_time timestamptz, raw jsonb)
     ON CONFLICT (tenant_id, alert_id) DO UPDATE SET
       source = EXCLUDED.source, incident_id = EXCLUDED.incident_id, status = EXCLUDED.status, severity = EXCLUDED.severity, title = EXCLUDED.title,
       created_time = EXCLUDED.created_time, last_update_time = EXCLUDED.last_update_time, raw = EXCLUDED.raw,
       version = a.version + 1, synced_at = now()
     WHERE CASE WHEN a.source = EXCLUDED.source THEN a.raw IS DISTINCT FROM EXCLUDED.raw
       -- From the other surface: a different version (as on one surface, the time is not trusted
       -- to order alert versions), not merely the other shape of the same one.
       ELSE (a.last_update_time, a.status, a.severity, a.incident_id)
         IS DISTINCT FROM (EXCLUDED.last_update_time, EXCLUDED.status, EXCLUDED.severity, EXCLUDED.incident_id)
     END
     RETURNING a.alert_id`,
    [tenantId, source, JSON.stringify(payload)],
  )
  return rows.length
}

/** A page may hold the same record twice (paging over a moving target); keep the newest. */
function latestById<T>(records: T[], id: (r: T) => string, time: (r: T) => string): T[] {
  const byId = new Map<string, T>()
  for (const r of records) {
    const prev = byId.get(id(r))
    if (!prev || Date.parse(time(r)) >= Date.parse(time(prev))) byId.set(id(r), r)
  }
  return [...byId.values()]
}
