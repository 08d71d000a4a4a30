import type { Migration } from './migrations.js'

/** Open = not resolved and not redirected; the same predicate as openStatusSql() (src/console/sql/rollups.ts). */
const OPEN = `m365d_status_key(status) IN ('active', 'inprogress', 'awaitingaction')`

/**
 * Migration 5 — the console at a million incidents (issue 9 §5; EXPLAIN figures in BENCHMARKS.md):
 * - partial indexes over OPEN incidents (the queue's default, and in practice a small part of
 *   the store) in the keyset order, with created_time as a trailing key column: the age filter is
 *   then checked inside the index while it is read newest change first, instead of fetching and
 *   sorting every old incident;
 * - text search through pg_trgm GIN indexes on the title and the assignee (ILIKE '%…%' uses them,
 *   https://www.postgresql.org/docs/current/pgtrgm.html#PGTRGM-INDEX), plus an index on the bare
 *   incident id. Where the extension is not available (a PostgreSQL without contrib, a role that
 *   may not create it) the migration goes on without them: the same query, answered by a scan;
 * - m365d_incident_counts: per tenant incidents, alerts, open incidents by severity and the oldest
 *   open one, kept by
 *   statement triggers IN THE TRANSACTION that writes the incidents (sync pass, write-back,
 *   purge), so the tenants page never shows a count the store does not hold;
 * - m365d_rollup_fleet_daily: new and resolved per day across the fleet, moved by the refresher
 *   with the per-tenant rows it replaces, so the SLA chart reads one row per day;
 * - m365d_rollup_dirty: the tenants whose time-based figures (stale counts, time to assign and
 *   resolve, per day) need recomputing, marked by the same triggers; the refresher takes the marks
 *   in the transaction that recomputes them (src/console/sql/rollups.ts).
 */
export const consolePerfMigration: Migration = {
  id: 5,
  name: 'console at scale: open-queue and text-search indexes, transactional incident counts',
  sql: `
CREATE INDEX m365d_incidents_open_updated ON m365d_incidents (last_update_time, tenant_id, source, incident_id, created_time) WHERE ${OPEN};
CREATE INDEX m365d_incidents_open_created ON m365d_incidents (created_time, tenant_id, source, incident_id) WHERE ${OPEN};
CREATE INDEX m365d_incidents_open_tenant ON m365d_incidents (tenant_id, created_time) WHERE ${OPEN};
CREATE INDEX m365d_incidents_id ON m365d_incidents (incident_id);

DO $$
BEGIN
  CREATE EXTENSION IF NOT EXISTS pg_trgm;
EXCEPTION WHEN OTHERS THEN
  RAISE NOTICE 'pg_trgm is not available (%): console text search will scan', SQLERRM;
END
$$;
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
    EXECUTE $i$CREATE INDEX m365d_incidents_title_trgm ON m365d_incidents USING gin ((coalesce(raw->>'incidentName', raw->>'displayName')) gin_trgm_ops)$i$;
    EXECUTE $i$CREATE INDEX m365d_incidents_assigned_trgm ON m365d_incidents USING gin (assigned_to gin_trgm_ops)$i$;
  END IF;
END
$$;

CREATE TABLE m365d_incident_counts (
  tenant_id          text PRIMARY KEY,
  incidents          bigint NOT NULL DEFAULT 0,
  alerts             bigint NOT NULL DEFAULT 0,
  open_high          integer NOT NULL DEFAULT 0,
  open_medium        integer NOT NULL DEFAULT 0,
  open_low           integer NOT NULL DEFAULT 0,
  open_informational integer NOT NULL DEFAULT 0,
  open_other         integer NOT NULL DEFAULT 0,
  oldest_open        timestamptz
);
INSERT INTO m365d_incident_counts (tenant_id, incidents, open_high, open_medium, open_low, open_informational, open_other)
SELECT tenant_id, count(*),
  count(*) FILTER (WHERE ${OPEN} AND m365d_severity_rank(severity) = 4),
  count(*) FILTER (WHERE ${OPEN} AND m365d_severity_rank(severity) = 3),
  count(*) FILTER (WHERE ${OPEN} AND m365d_severity_rank(severity) = 2),
  count(*) FILTER (WHERE ${OPEN} AND m365d_severity_rank(severity) = 1),
  count(*) FILTER (WHERE ${OPEN} AND m365d_severity_rank(severity) = 0)
FROM m365d_incidents GROUP BY tenant_id;
INSERT INTO m365d_incident_counts AS c (tenant_id, alerts)
SELECT tenant_id, count(*) FROM m365d_alerts GROUP BY tenant_id
ON CONFLICT (tenant_id) DO UPDATE SET alerts = EXCLUDED.alerts;
UPDATE m365d_incident_counts c SET oldest_open = o.oldest
FROM (SELECT tenant_id, min(created_time) AS oldest FROM m365d_incidents WHERE ${OPEN} GROUP BY tenant_id) o WHERE o.tenant_id = c.tenant_id;

-- The refreshed rollup keeps only what depends on the clock or the whole history.
ALTER TABLE m365d_rollup_tenant DROP COLUMN incidents, DROP COLUMN alerts, DROP COLUMN open_high, DROP COLUMN open_medium,
  DROP COLUMN open_low, DROP COLUMN open_informational, DROP COLUMN open_other, DROP COLUMN oldest_open;

-- The fleet's new and resolved per day: the sum of m365d_rollup_daily, moved with it by the refresher.
CREATE TABLE m365d_rollup_fleet_daily (
  day       date PRIMARY KEY,
  created   bigint NOT NULL DEFAULT 0,
  resolved  bigint NOT NULL DEFAULT 0
);
INSERT INTO m365d_rollup_fleet_daily (day, created, resolved) SELECT day, sum(created), sum(resolved) FROM m365d_rollup_daily GROUP BY day;

CREATE TABLE m365d_rollup_dirty (
  tenant_id text PRIMARY KEY,
  marks     bigint NOT NULL DEFAULT 1
);
INSERT INTO m365d_rollup_dirty (tenant_id) SELECT tenant_id FROM m365d_tenants;

-- One statement's net change per tenant: +1 for each row in new_rows, -1 for each in old_rows.
-- DO UPDATE (not DO NOTHING) on the dirty mark takes its row lock until this transaction ends,
-- so a refresher taking the marks waits for the writer and then sees its rows (see rollups.ts).
CREATE FUNCTION m365d_count_incidents() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  delta text := CASE TG_OP
    WHEN 'INSERT' THEN 'SELECT tenant_id, status, severity, 1 AS n FROM new_rows'
    WHEN 'DELETE' THEN 'SELECT tenant_id, status, severity, -1 AS n FROM old_rows'
    ELSE 'SELECT tenant_id, status, severity, 1 AS n FROM new_rows UNION ALL SELECT tenant_id, status, severity, -1 FROM old_rows' END;
BEGIN
  EXECUTE format($q$
    INSERT INTO m365d_incident_counts AS c (tenant_id, incidents, open_high, open_medium, open_low, open_informational, open_other)
    SELECT tenant_id, coalesce(sum(n) FILTER (WHERE %1$s), 0),
      coalesce(sum(n) FILTER (WHERE open AND sev = 4), 0), coalesce(sum(n) FILTER (WHERE open AND sev = 3), 0),
      coalesce(sum(n) FILTER (WHERE open AND sev = 2), 0), coalesce(sum(n) FILTER (WHERE open AND sev = 1), 0),
      coalesce(sum(n) FILTER (WHERE open AND sev = 0), 0)
    FROM (SELECT tenant_id, n, m365d_status_key(status) IN ('active', 'inprogress', 'awaitingaction') AS open,
            m365d_severity_rank(severity) AS sev FROM (%2$s) d) d
    GROUP BY tenant_id
    ON CONFLICT (tenant_id) DO UPDATE SET incidents = c.incidents + EXCLUDED.incidents,
      open_high = c.open_high + EXCLUDED.open_high, open_medium = c.open_medium + EXCLUDED.open_medium,
      open_low = c.open_low + EXCLUDED.open_low, open_informational = c.open_informational + EXCLUDED.open_informational,
      open_other = c.open_other + EXCLUDED.open_other$q$,
    -- An update moves no incident in or out of the store: only its open/severity counts change.
    CASE TG_OP WHEN 'UPDATE' THEN 'false' ELSE 'true' END, delta);
  -- The oldest open incident of each tenant touched: one probe of m365d_incidents_open_tenant.
  EXECUTE format($q$
    UPDATE m365d_incident_counts c SET oldest_open = (SELECT min(i.created_time) FROM m365d_incidents i
      WHERE i.tenant_id = c.tenant_id AND m365d_status_key(i.status) IN ('active', 'inprogress', 'awaitingaction'))
    WHERE c.tenant_id IN (SELECT tenant_id FROM (%s) d)$q$, delta);
  EXECUTE format($q$
    INSERT INTO m365d_rollup_dirty AS m (tenant_id) SELECT DISTINCT tenant_id FROM (%s) d ORDER BY 1
    ON CONFLICT (tenant_id) DO UPDATE SET marks = m.marks + 1$q$, delta);
  RETURN NULL;
END
$$;
CREATE TRIGGER m365d_incidents_count_ins AFTER INSERT ON m365d_incidents REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION m365d_count_incidents();
CREATE TRIGGER m365d_incidents_count_upd AFTER UPDATE ON m365d_incidents REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION m365d_count_incidents();
CREATE TRIGGER m365d_incidents_count_del AFTER DELETE ON m365d_incidents REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION m365d_count_incidents();

CREATE FUNCTION m365d_count_alerts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO m365d_incident_counts AS c (tenant_id, alerts) SELECT tenant_id, count(*) FROM new_rows GROUP BY tenant_id ORDER BY 1
    ON CONFLICT (tenant_id) DO UPDATE SET alerts = c.alerts + EXCLUDED.alerts;
  ELSE
    INSERT INTO m365d_incident_counts AS c (tenant_id, alerts) SELECT tenant_id, -count(*) FROM old_rows GROUP BY tenant_id ORDER BY 1
    ON CONFLICT (tenant_id) DO UPDATE SET alerts = c.alerts + EXCLUDED.alerts;
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER m365d_alerts_count_ins AFTER INSERT ON m365d_alerts REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION m365d_count_alerts();
CREATE TRIGGER m365d_alerts_count_del AFTER DELETE ON m365d_alerts REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION m365d_count_alerts();

-- TRUNCATE fires no row or DELETE trigger: the counts it empties are zeroed here.
CREATE FUNCTION m365d_count_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_TABLE_NAME = 'm365d_alerts' THEN
    UPDATE m365d_incident_counts SET alerts = 0;
  ELSE
    UPDATE m365d_incident_counts SET incidents = 0, open_high = 0, open_medium = 0, open_low = 0, open_informational = 0, open_other = 0, oldest_open = NULL;
    INSERT INTO m365d_rollup_dirty (tenant_id) SELECT tenant_id FROM m365d_tenants ON CONFLICT (tenant_id) DO UPDATE SET marks = m365d_rollup_dirty.marks + 1;
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER m365d_incidents_count_truncate AFTER TRUNCATE ON m365d_incidents FOR EACH STATEMENT EXECUTE FUNCTION m365d_count_truncated();
CREATE TRIGGER m365d_alerts_count_truncate AFTER TRUNCATE ON m365d_alerts FOR EACH STATEMENT EXECUTE FUNCTION m365d_count_truncated();

-- History rows feed time to assign/resolve and resolved per day.
CREATE FUNCTION m365d_history_dirty() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO m365d_rollup_dirty AS m (tenant_id) SELECT DISTINCT tenant_id FROM new_rows ORDER BY 1
  ON CONFLICT (tenant_id) DO UPDATE SET marks = m.marks + 1;
  RETURN NULL;
END
$$;
CREATE TRIGGER m365d_history_dirty AFTER INSERT ON m365d_incident_history REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION m365d_history_dirty();
`,
}
