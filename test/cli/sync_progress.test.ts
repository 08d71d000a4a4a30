import { strict as assert } from 'node:assert'
import { test } from 'node:test'
import { BackfillProgress } from '../../src/cli/commands/sync_progress.js'

const DAY = 86_400_000

test('backfill progress: fraction of the window reached, tenants done, the log\'s records; a summary when all are done', () => {
  const shown: string[] = []
  const done: string[] = []
  let now = 1_000 * DAY
  const bar = new BackfillProgress({ backfillMs: 10 * DAY, show: ([l]) => shown.push(l!), done: (l) => done.push(l), now: () => now, width: 10 })
  bar.onEvent({ type: 'pass.progress', tenantId: 'a', stream: 'legacy:incidents', pages: 1, records: 100, stored: 90, backfill: true, oldestCreated: now - 5 * DAY })
  bar.onEvent({ type: 'pass.progress', tenantId: 'b', stream: 'legacy:incidents', pages: 1, records: 50, stored: 50, backfill: true, oldestCreated: now - 1 * DAY })
  bar.draw()
  // (0.5 + 0.1) / 2 = 30 %; records are what was stored (the log's count), not what was fetched.
  assert.equal(shown.at(-1), 'backfill [###.......] 30%  0/2 tenants  140 records')
  now += 1000
  bar.onEvent({ type: 'pass.finished', tenantId: 'a', durationMs: 5, records: 95, nextRunAt: new Date(now).toISOString() })
  bar.onEvent({ type: 'pass.failed', tenantId: 'b', durationMs: 5, health: 'error', code: 'ERR_X', message: 'x', nextRunAt: new Date(now).toISOString() })
  assert.deepEqual(done, ['backfill: 1/2 tenants done (1 failed: see the log), 145 records'])
  // Events of other streams, incremental passes and tenants that never backfilled draw nothing.
  const before = shown.length
  now += 1000
  bar.onEvent({ type: 'pass.finished', tenantId: 'c', durationMs: 5, records: 0, nextRunAt: new Date(now).toISOString() })
  bar.onEvent({ type: 'pass.progress', tenantId: 'a', stream: 'graph:alerts', pages: 1, records: 1, backfill: true, oldestCreated: now })
  bar.onEvent({ type: 'pass.progress', tenantId: 'a', stream: 'legacy:incidents', pages: 1, records: 1, stored: 0, backfill: false, oldestCreated: now })
  bar.onEvent({ type: 'pass.finished', tenantId: 'a', durationMs: 5, records: 0, nextRunAt: new Date(now).toISOString() })
  assert.equal(shown.length, before)
  assert.equal(done.length, 1)
})

test('one bar for tenants backfilling at once, even when one reports its first page after another finished', () => {
  const shown: string[] = []
  const done: string[] = []
  let now = 1_000 * DAY
  const bar = new BackfillProgress({ backfillMs: 10 * DAY, show: ([l]) => shown.push(l!), done: (l) => done.push(l), now: () => now, width: 10 })
  const at = () => new Date(now).toISOString()
  for (const t of ['a', 'b', 'c']) bar.onEvent({ type: 'pass.started', tenantId: t })
  bar.onEvent({ type: 'pass.progress', tenantId: 'a', stream: 'graph:incidents', pages: 1, records: 10, stored: 10, backfill: true, oldestCreated: now - 10 * DAY })
  now += 1000
  bar.onEvent({ type: 'pass.finished', tenantId: 'a', durationMs: 5, records: 12, nextRunAt: at() })
  // b and c were running and have not said whether they backfill: the bar stays.
  assert.deepEqual(done, [])
  assert.equal(shown.at(-1), 'backfill [##########] 100%  1/1 tenants  12 records')
  bar.onEvent({ type: 'pass.progress', tenantId: 'b', stream: 'graph:incidents', pages: 1, records: 5, stored: 5, backfill: true, oldestCreated: now - 5 * DAY })
  now += 1000
  // c was an incremental pass: it ends without joining; a pass started now does not hold the bar.
  bar.onEvent({ type: 'pass.finished', tenantId: 'c', durationMs: 5, records: 0, nextRunAt: at() })
  bar.onEvent({ type: 'pass.started', tenantId: 'd' })
  assert.deepEqual(done, [])
  bar.onEvent({ type: 'pass.finished', tenantId: 'b', durationMs: 5, records: 7, nextRunAt: at() })
  assert.deepEqual(done, ['backfill: 2/2 tenants done, 19 records'])
})
