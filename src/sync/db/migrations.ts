import type { Database, Queryable } from './database.js'
import { DatabaseError } from './database.js'
import { registryMigration } from './migration_2_registry.js'
import { consoleMigration } from './migration_3_console.js'
import { identityMigration } from './migration_4_identity.js'
import { consolePerfMigration } from './migration_5_console_perf.js'

/**
 * Numbered, append-only migrations (never edit one that has shipped; add the next number).
 * Each runs in its own transaction under an advisory lock, so several workers starting at once
 * on one PostgreSQL migrate exactly once. The SQL is plain PostgreSQL that PGlite runs unchanged.
 */
export interface Migration {
  id: number
  name: string
  sql: string
}

export const migrations: readonly Migration[] = [
  {
    id: 1,
    name: 'initial schema',
    sql: `
CREATE TABLE m365d_tenants (
  tenant_id      text PRIMARY KEY,
  display_name   text,
  domain         text,
  enabled        boolean NOT NULL DEFAULT true,
  added_at       timestamptz NOT NULL DEFAULT now(),
  -- unknown | ok | not_consented | missing_roles | error (set by 'tenants check' and by sync)
  health         text NOT NULL DEFAULT 'unknown',
  health_detail  jsonb,
  checked_at     timestamptz
);

-- Key columns for querying plus the document exactly as the API returned it.
CREATE TABLE m365d_incidents (
  tenant_id            text NOT NULL,
  source               text NOT NULL CHECK (source IN ('legacy', 'graph')),
  incident_id          text NOT NULL,
  status               text,
  severity             text,
  classification       text,
  determination        text,
  assigned_to          text,
  created_time         timestamptz,
  last_update_time     timestamptz NOT NULL,
  redirect_incident_id text,
  raw                  jsonb NOT NULL,
  version              integer NOT NULL DEFAULT 1,
  first_synced_at      timestamptz NOT NULL DEFAULT now(),
  synced_at            timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, source, incident_id)
);
CREATE INDEX m365d_incidents_updated ON m365d_incidents (tenant_id, source, last_update_time);

CREATE TABLE m365d_alerts (
  tenant_id        text NOT NULL,
  source           text NOT NULL CHECK (source IN ('legacy', 'graph')),
  alert_id         text NOT NULL,
  incident_id      text,
  status           text,
  severity         text,
  title            text,
  created_time     timestamptz,
  last_update_time timestamptz,
  raw              jsonb NOT NULL,
  version          integer NOT NULL DEFAULT 1,
  synced_at        timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, source, alert_id)
);
CREATE INDEX m365d_alerts_incident ON m365d_alerts (tenant_id, source, incident_id);

-- One row per new version of an incident: what changed in the key fields.
CREATE TABLE m365d_incident_history (
  id               bigserial PRIMARY KEY,
  tenant_id        text NOT NULL,
  source           text NOT NULL,
  incident_id      text NOT NULL,
  version          integer NOT NULL,
  last_update_time timestamptz NOT NULL,
  changes          jsonb NOT NULL,
  recorded_at      timestamptz NOT NULL DEFAULT now(),
  UNIQUE (tenant_id, source, incident_id, version)
);

-- Per tenant and stream: the watermark only moves in the transaction that commits the data it covers.
CREATE TABLE m365d_sync_state (
  tenant_id            text NOT NULL,
  stream               text NOT NULL,
  watermark            timestamptz,
  -- ids (with their update time) already stored at the watermark instant, so records sharing the
  -- watermark's timestamp are neither lost nor written twice (peers.md §4 item 7).
  watermark_keys       jsonb NOT NULL DEFAULT '[]',
  -- where an interrupted pass resumes: {runStart, from, createdLe} (null between passes)
  cursor               jsonb,
  backfill_done        boolean NOT NULL DEFAULT false,
  last_attempt_at      timestamptz,
  last_success_at      timestamptz,
  last_error_at        timestamptz,
  last_error           jsonb,
  consecutive_failures integer NOT NULL DEFAULT 0,
  next_run_at          timestamptz,
  records_synced       bigint NOT NULL DEFAULT 0,
  api_calls            bigint NOT NULL DEFAULT 0,
  throttled            bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (tenant_id, stream)
);

-- Row leases: a worker owns a tenant until expires_at; rows are claimed with FOR UPDATE SKIP LOCKED.
CREATE TABLE m365d_leases (
  tenant_id   text PRIMARY KEY,
  worker_id   text,
  acquired_at timestamptz,
  expires_at  timestamptz NOT NULL DEFAULT '-infinity'
);

CREATE TABLE m365d_workers (
  worker_id    text PRIMARY KEY,
  hostname     text,
  pid          integer,
  started_at   timestamptz NOT NULL DEFAULT now(),
  heartbeat_at timestamptz NOT NULL DEFAULT now()
);

-- Admin-consent requests issued by 'tenants onboard': only a state we issued is accepted back.
CREATE TABLE m365d_consent_requests (
  state        text PRIMARY KEY,
  created_at   timestamptz NOT NULL DEFAULT now(),
  expires_at   timestamptz NOT NULL,
  completed_at timestamptz,
  tenant_id    text,
  outcome      text,
  error        text
);

-- Sink outbox: one row per (sink, changed record version). A trigger writes it in the very
-- transaction that stores the record, and only when that transaction names its sinks in the
-- 'm365d.outbox_sinks' setting (the daemon does when it has sinks; nothing else pays for it). Rows
-- are deleted only after the sink accepted them: delivery is at least once and survives crashes.
CREATE TABLE m365d_outbox (
  id               bigserial PRIMARY KEY,
  sink             text NOT NULL,
  kind             text NOT NULL CHECK (kind IN ('incident', 'alert')),
  tenant_id        text NOT NULL,
  source           text NOT NULL,
  record_id        text NOT NULL,
  version          integer NOT NULL,
  last_update_time timestamptz,
  document         jsonb NOT NULL,
  created_at       timestamptz NOT NULL DEFAULT now(),
  attempts         integer NOT NULL DEFAULT 0,
  claimed_by       text,
  claimed_until    timestamptz,
  last_error       text
);
CREATE INDEX m365d_outbox_pending ON m365d_outbox (sink, id);

CREATE FUNCTION m365d_outbox_capture() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  sinks text := current_setting('m365d.outbox_sinks', true);
BEGIN
  IF sinks IS NULL OR sinks = '' THEN
    RETURN NULL;
  END IF;
  INSERT INTO m365d_outbox (sink, kind, tenant_id, source, record_id, version, last_update_time, document)
  SELECT s, TG_ARGV[0], NEW.tenant_id, NEW.source, to_jsonb(NEW) ->> TG_ARGV[1], NEW.version, NEW.last_update_time, NEW.raw
  FROM unnest(string_to_array(sinks, ',')) AS s;
  RETURN NULL;
END
$$;
-- Upserts skip unchanged records (their ON CONFLICT … WHERE), so only new versions reach the outbox.
CREATE TRIGGER m365d_incidents_outbox AFTER INSERT OR UPDATE ON m365d_incidents
  FOR EACH ROW EXECUTE FUNCTION m365d_outbox_capture('incident', 'incident_id');
CREATE TRIGGER m365d_alerts_outbox AFTER INSERT OR UPDATE ON m365d_alerts
  FOR EACH ROW EXECUTE FUNCTION m365d_outbox_capture('alert', 'alert_id');
`,
  },
  registryMigration,
  consoleMigration,
  identityMigration,
  consolePerfMigration,
]

export const LATEST_SCHEMA_VERSION = migrations[migrations.length - 1]!.id

/** Arbitrary constant key for pg_advisory_xact_lock: "m365" in ASCII. */
const MIGRATION_LOCK_KEY = 0x6d333635

export async function schemaVersion(db: Queryable): Promise<number> {
  const { rows } = await db.query<{ exists: boolean }>(`SELECT to_regclass('m365d_migrations') IS NOT NULL AS exists`)
  if (!rows[0]?.exists) return 0
  const v = await db.query<{ v: number | null }>(`SELECT max(id) AS v FROM m365d_migrations`)
  return Number(v.rows[0]?.v ?? 0)
}

/**
 * Brings the schema up to date. Fails fast, before touching anything, when the database was
 * migrated by a newer m365d (its schema is newer than this code knows).
 */
export async function migrate(db: Database, options: { target?: number } = {}): Promise<{ from: number; to: number; applied: number[] }> {
  const target = options.target ?? LATEST_SCHEMA_VERSION
  return db.transaction(async (tx) => {
    await tx.query(`SELECT pg_advisory_xact_lock($1)`, [MIGRATION_LOCK_KEY])
    await tx.query(`CREATE TABLE IF NOT EXISTS m365d_migrations (
      id integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`)
    const from = await schemaVersion(tx)
    const done = new Set((await tx.query<{ id: number }>(`SELECT id FROM m365d_migrations`)).rows.map((r) => Number(r.id)))
    if (from > LATEST_SCHEMA_VERSION) {
      throw new DatabaseError(
        'ERR_DB_SCHEMA_TOO_NEW',
        `the database schema is at version ${from}, newer than this m365d knows (${LATEST_SCHEMA_VERSION})`,
        { hint: 'upgrade m365d to the version that migrated this database, or point it at another database' },
      )
    }
    const applied: number[] = []
    for (const m of migrations) {
      // By set, not by maximum: migrations numbered by different work streams can land out of order.
      if (done.has(m.id) || m.id > target) continue
      await tx.exec(m.sql)
      await tx.query(`INSERT INTO m365d_migrations (id, name) VALUES ($1, $2)`, [m.id, m.name])
      applied.push(m.id)
    }
    return { from, to: Math.max(from, ...applied), applied }
  })
}
