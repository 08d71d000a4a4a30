import type { Database } from '../../src/sync/db/database.js'

const OPEN = `lower(status) IN ('active', 'inprogress', 'awaitingaction')`

/** The per-tenant figures computed from scratch, independently of the triggers' SQL. */
export async function fromScratch(db: Database): Promise<Record<string, unknown>[]> {
  const { rows } = await db.query(
    `SELECT tenant_id, sum(incidents)::int AS incidents, sum(alerts)::int AS alerts, sum(high)::int AS high, sum(medium)::int AS medium,
       sum(low)::int AS low, sum(info)::int AS info, sum(other)::int AS other, min(oldest) AS oldest FROM (
       SELECT tenant_id, count(*) AS incidents, 0 AS alerts,
         count(*) FILTER (WHERE ${OPEN} AND lower(severity) = 'high') AS high,
         count(*) FILTER (WHERE ${OPEN} AND lower(severity) = 'medium') AS medium,
         count(*) FILTER (WHERE ${OPEN} AND lower(severity) = 'low') AS low,
         count(*) FILTER (WHERE ${OPEN} AND lower(severity) = 'informational') AS info,
         count(*) FILTER (WHERE ${OPEN} AND (severity IS NULL OR lower(severity) NOT IN ('high', 'medium', 'low', 'informational'))) AS other,
         min(created_time) FILTER (WHERE ${OPEN}) AS oldest
       FROM m365d_incidents GROUP BY tenant_id
       UNION ALL SELECT tenant_id, 0, count(*), 0, 0, 0, 0, 0, NULL FROM m365d_alerts GROUP BY tenant_id
     ) x GROUP BY tenant_id HAVING sum(incidents) > 0 OR sum(alerts) > 0 ORDER BY tenant_id`,
  )
  return rows
}

export async function maintained(db: Database): Promise<Record<string, unknown>[]> {
  const { rows } = await db.query(
    `SELECT tenant_id, incidents::int, alerts::int, open_high AS high, open_medium AS medium, open_low AS low, open_informational AS info, open_other AS other, oldest_open AS oldest
     FROM m365d_incident_counts WHERE incidents <> 0 OR alerts <> 0 ORDER BY tenant_id`,
  )
  return rows
}

