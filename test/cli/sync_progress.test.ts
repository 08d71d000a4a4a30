import { strict as assert } from 'node:assert'
import { test } from 'node:test'
import { BackfillProgress } from '../../src/cli/commands/sync_progress.js'

const DAY = 86_400_000

test('backfill progress: fraction of the window reached, tenants done, records; the line ends when all are done', () => {
  let out = ''
  let now = 1_000 * DAY
  const bar = new BackfillProgress({ backfillMs: 10 * DAY, write: (t) => (out += t), now: () => now, width: 10 })
  bar.onEvent({ type: 'pass.progress', tenantId: 'a', stream: 'legacy:incidents', pages: 1, records: 100, oldestCreated: now - 5 * DAY })
  bar.onEvent({ type: 'pass.progress', tenantId: 'b', stream: 'legacy:incidents', pages: 1, records: 50, oldestCreated: now - 1 * DAY })
  bar.draw()
  // (0.5 + 0.1) / 2 = 30 %
  assert.ok(out.endsWith('\r\x1b[2Kbackfill [###.......] 30%  0/2 tenants  150 records'), JSON.stringify(out))
  now += 1000
  bar.onEvent({ type: 'pass.finished', tenantId: 'a', durationMs: 5, records: 100, nextRunAt: new Date(now).toISOString() })
  bar.onEvent({ type: 'pass.failed', tenantId: 'b', durationMs: 5, health: 'error', code: 'ERR_X', message: 'x', nextRunAt: new Date(now).toISOString() })
  assert.ok(out.includes('100%  2/2 tenants  150 records\n'), JSON.stringify(out))
  // Events of other streams or tenants that never reported progress draw nothing.
  const before = out
  now += 1000
  bar.onEvent({ type: 'pass.finished', tenantId: 'c', durationMs: 5, records: 0, nextRunAt: new Date(now).toISOString() })
  bar.onEvent({ type: 'pass.progress', tenantId: 'a', stream: 'graph:alerts', pages: 1, records: 1, oldestCreated: now })
  assert.equal(out, before)
})
