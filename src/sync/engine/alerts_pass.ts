import { systemClock } from '../../lib/clock.js'
import type { GraphAlert } from '../../defender/index.js'
import { graphAlertRecord } from './records.js'
import type { SyncPassOptions } from './incidents_pass.js'
import { windowedPass, type PassResult } from './windowed_pass.js'

export const ALERTS_STREAM = 'graph:alerts'
const DAY = 86_400_000

/**
 * Syncs Graph `alerts_v2` on its own stream: some alerts never become part of an incident
 * (peers.md §4 item 11), so a daemon that only reads incidents misses them. Same watermark,
 * overlap and window rules as incidents (see windowed_pass.ts).
 */
export async function syncAlerts(o: Omit<SyncPassOptions, 'expandAlerts'>): Promise<PassResult> {
  if (o.client.surface !== 'graph') throw new TypeError('alerts_v2 is a Graph stream: pass a Graph DefenderClient')
  const pageSize = o.pageSize ?? 100
  const created = (a: GraphAlert) => Date.parse((a as { createdDateTime?: string }).createdDateTime ?? '')
  return windowedPass<GraphAlert>({
    db: o.db,
    tenantId: o.tenantId,
    source: 'graph',
    stream: ALERTS_STREAM,
    clock: o.clock ?? systemClock,
    backfillMs: (o.backfillDays ?? 30) * DAY,
    overlapMs: o.overlapMs ?? 10 * 60_000,
    pageSize,
    pagesPerWindow: o.pagesPerWindow ?? 10,
    list: (w) =>
      o.client.listAlerts({
        filter: { lastUpdateDateTime: { ge: w.from }, ...(w.createdLe && { createdDateTime: { le: w.createdLe } }) },
        pageSize,
        orderBy: 'createdDateTime desc',
        ...(o.signal && { signal: o.signal }),
      }),
    created,
    toRecords: async (items) => ({ incidents: [], alerts: items.map(graphAlertRecord), apiCalls: 0 }),
    isLastPage: (page) => !page.nextLink,
    ...(o.onProgress && { onProgress: o.onProgress }),
    ...(o.signal && { signal: o.signal }),
  })
}
