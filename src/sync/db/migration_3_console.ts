import type { Migration } from './migrations.js'

/**
 * Migration 3 — what the web console (issue 9 §2) reads and writes:
 * - indexes for keyset paging of the cross-tenant queue: one per filter column, each ending in the
 *   sort key (last_update_time, tenant_id, source, incident_id), so a filtered first page is an
 *   index range scan that stops after one page even at a million incidents;
 * - tenant tags (groups) and the roles each tenant's tokens grant per surface;
 * - m365d_console_actions: the audit of every write-back (who, what, outcome, server error);
 * - rollups the daemon refreshes (per tenant open counts and oldest open age, SLA figures, new
 *   incidents per day), so the tenants and SLA pages read a few rows instead of scanning history;
 * - m365d_health_events: every health transition, written by triggers whoever changes the health
 *   (sync pass, `tenants check`), and copied to the sink outbox when the writer names its sinks.
 */
export const consoleMigration: Migration = {
  id: 3,
  name: 'console: queue indexes, tenant tags and access, write-back audit, rollups, health events',
  sql: `
-- Severity as a rank (high first), for sorting; legacy spells 'High', Graph 'high'.
CREATE FUNCTION m365d_severity_rank(s text) RETURNS integer LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE lower(s) WHEN 'high' THEN 4 WHEN 'medium' THEN 3 WHEN 'low' THEN 2 WHEN 'informational' THEN 1 ELSE 0 END
$$;
-- Status folded to the Graph spelling: legacy 'InProgress' and Graph 'inProgress' compare equal.
CREATE FUNCTION m365d_status_key(s text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT lower(s)
$$;

CREATE INDEX m365d_incidents_q_updated ON m365d_incidents (last_update_time, tenant_id, source, incident_id);
CREATE INDEX m365d_incidents_q_created ON m365d_incidents (created_time, tenant_id, source, incident_id);
CREATE INDEX m365d_incidents_q_tenant ON m365d_incidents (tenant_id, last_update_time, source, incident_id);
CREATE INDEX m365d_incidents_q_severity ON m365d_incidents (m365d_severity_rank(severity), last_update_time, tenant_id, source, incident_id);
CREATE INDEX m365d_incidents_q_status ON m365d_incidents (m365d_status_key(status), last_update_time, tenant_id, source, incident_id);
CREATE INDEX m365d_incidents_q_assigned ON m365d_incidents (lower(assigned_to), last_update_time, tenant_id, source, incident_id);
CREATE INDEX m365d_incidents_q_classification ON m365d_incidents (lower(classification), last_update_time, tenant_id, source, incident_id);
CREATE INDEX m365d_history_incident ON m365d_incident_history (tenant_id, source, incident_id, version);

ALTER TABLE m365d_tenants ADD COLUMN tags text[] NOT NULL DEFAULT '{}';
CREATE INDEX m365d_tenants_tags ON m365d_tenants USING gin (tags);

-- Roles in the tenant's app-only token per API (legacy Defender, Graph), as last seen.
CREATE TABLE m365d_tenant_access (
  tenant_id   text NOT NULL,
  api         text NOT NULL CHECK (api IN ('legacy', 'graph')),
  roles       text[] NOT NULL DEFAULT '{}',
  error       jsonb,
  checked_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, api)
);

CREATE TABLE m365d_console_actions (
  id           bigserial PRIMARY KEY,
  at           timestamptz NOT NULL DEFAULT now(),
  actor        text NOT NULL,
  tenant_id    text NOT NULL,
  source       text NOT NULL,
  incident_id  text NOT NULL,
  action       jsonb NOT NULL,
  outcome      text NOT NULL CHECK (outcome IN ('ok', 'error')),
  -- the incident's lastUpdateTime the API returned: the next pass that reads past it confirms it
  server_update_time timestamptz,
  error        jsonb
);
CREATE INDEX m365d_console_actions_incident ON m365d_console_actions (tenant_id, source, incident_id, id);

-- Rollups (refreshed by the daemon's console refresher; see src/console/sql/rollups.ts).
CREATE TABLE m365d_rollup_tenant (
  tenant_id          text PRIMARY KEY,
  incidents          bigint NOT NULL DEFAULT 0,
  alerts             bigint NOT NULL DEFAULT 0,
  open_high          integer NOT NULL DEFAULT 0,
  open_medium        integer NOT NULL DEFAULT 0,
  open_low           integer NOT NULL DEFAULT 0,
  open_informational integer NOT NULL DEFAULT 0,
  open_other         integer NOT NULL DEFAULT 0,
  oldest_open        timestamptz,
  stale_5d           integer NOT NULL DEFAULT 0,
  stale_30d          integer NOT NULL DEFAULT 0,
  assigned           integer NOT NULL DEFAULT 0,
  tta_p50_s          double precision,
  tta_p90_s          double precision,
  resolved           integer NOT NULL DEFAULT 0,
  ttr_p50_s          double precision,
  ttr_p90_s          double precision,
  refreshed_at       timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE m365d_rollup_daily (
  tenant_id  text NOT NULL,
  day        date NOT NULL,
  created    integer NOT NULL DEFAULT 0,
  resolved   integer NOT NULL DEFAULT 0,
  PRIMARY KEY (tenant_id, day)
);

CREATE TABLE m365d_health_events (
  id           bigserial PRIMARY KEY,
  at           timestamptz NOT NULL DEFAULT now(),
  tenant_id    text,
  kind         text NOT NULL,
  from_health  text,
  to_health    text,
  detail       jsonb
);
CREATE INDEX m365d_health_events_tenant ON m365d_health_events (tenant_id, id);

-- Health events travel through the same outbox as records.
ALTER TABLE m365d_outbox DROP CONSTRAINT m365d_outbox_kind_check;
ALTER TABLE m365d_outbox ADD CONSTRAINT m365d_outbox_kind_check CHECK (kind IN ('incident', 'alert', 'health'));

CREATE FUNCTION m365d_health_event(tenant text, k text, f text, t text, d jsonb) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  sinks text := current_setting('m365d.outbox_sinks', true);
  ev m365d_health_events;
BEGIN
  INSERT INTO m365d_health_events (tenant_id, kind, from_health, to_health, detail) VALUES (tenant, k, f, t, d) RETURNING * INTO ev;
  IF sinks IS NOT NULL AND sinks <> '' THEN
    INSERT INTO m365d_outbox (sink, kind, tenant_id, source, record_id, version, last_update_time, document)
    SELECT s, 'health', coalesce(tenant, ''), 'm365d', ev.id::text, 1, ev.at,
      jsonb_build_object('id', ev.id, 'at', ev.at, 'tenantId', tenant, 'kind', k, 'from', f, 'to', t, 'detail', d)
    FROM unnest(string_to_array(sinks, ',')) AS s;
  END IF;
END
$$;

CREATE FUNCTION m365d_tenant_health_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  k text;
BEGIN
  k := CASE
    WHEN NEW.health = 'not_consented' THEN CASE WHEN OLD.health IN ('unknown', 'not_consented') THEN 'not_consented' ELSE 'consent_lost' END
    WHEN NEW.health = 'missing_roles' THEN 'roles_missing'
    WHEN NEW.health = 'throttled' THEN 'throttled'
    WHEN NEW.health IN ('error', 'auth_error') THEN 'failing'
    WHEN NEW.health = 'ok' AND OLD.health = 'not_consented' THEN 'consent_restored'
    WHEN NEW.health = 'ok' AND OLD.health = 'missing_roles' THEN 'roles_restored'
    WHEN NEW.health = 'ok' AND OLD.health = 'unknown' THEN 'healthy'
    WHEN NEW.health = 'ok' THEN 'recovered'
    ELSE 'changed' END;
  PERFORM m365d_health_event(NEW.tenant_id, k, OLD.health, NEW.health, NEW.health_detail);
  RETURN NULL;
END
$$;
CREATE TRIGGER m365d_tenants_health AFTER UPDATE OF health ON m365d_tenants
  FOR EACH ROW WHEN (OLD.health IS DISTINCT FROM NEW.health) EXECUTE FUNCTION m365d_tenant_health_changed();

-- A tenant failing 3 passes in a row (and every 10 after) is an event of its own: the health
-- value does not change between the 1st and the 50th failure, the operator's urgency does.
CREATE FUNCTION m365d_sync_failures_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.consecutive_failures >= 3 AND (NEW.consecutive_failures = 3 OR NEW.consecutive_failures % 10 = 0) THEN
    PERFORM m365d_health_event(NEW.tenant_id, 'failing_passes', NULL, NULL,
      jsonb_build_object('stream', NEW.stream, 'failures', NEW.consecutive_failures, 'error', NEW.last_error));
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER m365d_sync_state_failures AFTER INSERT OR UPDATE OF consecutive_failures ON m365d_sync_state
  FOR EACH ROW EXECUTE FUNCTION m365d_sync_failures_changed();
`,
}
