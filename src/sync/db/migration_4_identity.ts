import type { Migration } from './migrations.js'

/**
 * Migration 4 — one identity per incident and alert across surfaces (issue 8 §2). The legacy
 * numeric incidentId is the Graph incident id and alert ids are the same on both surfaces
 * (defender-api.md §2.4; MC1220762): a tenant switched from legacy to Graph must update the rows
 * it already has, not add a second copy. `source` stays as the surface the stored document came
 * from; the key no longer includes it. Key columns move to Graph's spelling (the same mapping as
 * src/sync/engine/vocabulary.ts), and each tenant gets its pinned surface (`api`) and the one its
 * last pass used (`surface`).
 */
export const identityMigration: Migration = {
  id: 4,
  name: 'one identity per incident and alert across surfaces',
  sql: `
-- Key columns in one vocabulary, Graph's (microsoft.graph.security enums), so queries and the
-- history do not see a change when only the surface changed. 'raw' stays as received.
CREATE FUNCTION m365d_graph_enum(kind text, v text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE
    WHEN kind IN ('classification', 'determination') AND (v IS NULL OR lower(v) IN ('unknown', 'notavailable')) THEN 'unknown'
    WHEN v IS NULL THEN NULL
    WHEN kind = 'severity' AND lower(v) = 'unspecified' THEN 'unknown'
    WHEN kind = 'determination' AND lower(v) IN ('clean', 'notmalicious') THEN 'notMalicious'
    WHEN kind = 'determination' AND lower(v) IN ('noenoughdatatovalidate', 'insufficientdata', 'notenoughdatatovalidate') THEN 'notEnoughDataToValidate'
    WHEN kind = 'determination' AND lower(v) IN ('compromiseduser', 'compromisedaccount') THEN 'compromisedAccount'
    WHEN kind = 'determination' AND lower(v) IN ('confirmeduseractivity', 'confirmedactivity') THEN 'confirmedActivity'
    ELSE lower(left(v, 1)) || substr(v, 2)
  END
$$;

UPDATE m365d_incidents SET
  status = m365d_graph_enum('status', status), severity = m365d_graph_enum('severity', severity),
  classification = m365d_graph_enum('classification', classification), determination = m365d_graph_enum('determination', determination);
UPDATE m365d_alerts SET status = m365d_graph_enum('status', status), severity = m365d_graph_enum('severity', severity);
DROP FUNCTION m365d_graph_enum(text, text);

-- A tenant synced on both surfaces before this migration holds two rows per incident: keep the
-- newer (Graph on a tie), carry the higher version so the next one still counts up. The other
-- row's history stays in m365d_incident_history under its source.
WITH ranked AS (
  SELECT tenant_id, source, incident_id, version,
    row_number() OVER (PARTITION BY tenant_id, incident_id ORDER BY last_update_time DESC, (source = 'graph') DESC) AS rank,
    max(version) OVER (PARTITION BY tenant_id, incident_id) AS top_version
  FROM m365d_incidents
), dropped AS (
  DELETE FROM m365d_incidents i USING ranked r
  WHERE r.rank > 1 AND i.tenant_id = r.tenant_id AND i.source = r.source AND i.incident_id = r.incident_id
)
UPDATE m365d_incidents i SET version = r.top_version FROM ranked r
WHERE r.rank = 1 AND r.top_version > r.version AND i.tenant_id = r.tenant_id AND i.source = r.source AND i.incident_id = r.incident_id;

WITH ranked AS (
  SELECT tenant_id, source, alert_id,
    row_number() OVER (PARTITION BY tenant_id, alert_id ORDER BY last_update_time DESC NULLS LAST, (source = 'graph') DESC) AS rank
  FROM m365d_alerts
)
DELETE FROM m365d_alerts a USING ranked r
WHERE r.rank > 1 AND a.tenant_id = r.tenant_id AND a.source = r.source AND a.alert_id = r.alert_id;

ALTER TABLE m365d_incidents DROP CONSTRAINT m365d_incidents_pkey, ADD PRIMARY KEY (tenant_id, incident_id);
DROP INDEX m365d_incidents_updated;
CREATE INDEX m365d_incidents_updated ON m365d_incidents (tenant_id, last_update_time);
ALTER TABLE m365d_alerts DROP CONSTRAINT m365d_alerts_pkey, ADD PRIMARY KEY (tenant_id, alert_id);
DROP INDEX m365d_alerts_incident;
CREATE INDEX m365d_alerts_incident ON m365d_alerts (tenant_id, incident_id);

-- Per tenant: which surface it must use when the operator pins one ('tenants add|set --api'),
-- NULL = the daemon's default (Graph); and the surface its last pass actually used.
ALTER TABLE m365d_tenants
  ADD COLUMN api text CHECK (api IN ('legacy', 'graph')),
  ADD COLUMN surface text CHECK (surface IN ('legacy', 'graph')),
  ADD COLUMN surface_changed_at timestamptz;
`,
}
