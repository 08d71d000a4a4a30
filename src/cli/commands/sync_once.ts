import type { HeldLease, SyncDaemon, TenantSyncResult } from '../../sync/index.js'
import type { CommandContext } from '../command.js'
import { ExitCode } from '../errors.js'

/**
 * `m365d sync --once` (issue 11 §2): every enabled tenant once. A tenant another worker still
 * leases — typically a worker that just died, whose leases run out after the TTL — is reported
 * with who holds it, since when and until when; `--lease-wait` waits for such leases (up to the
 * given time) and then syncs those tenants. Exit 1 when a tenant it was asked to sync was not.
 */
export async function syncOnce(
  ctx: CommandContext<any>,
  o: { daemon: SyncDaemon; asked: string[]; leaseWaitMs: number; finish?: () => void; /** Name (or domain) per tenant id, shown with the id. */ names?: Map<string, string | undefined> },
): Promise<ExitCode> {
  const { daemon } = o
  const runs = [await daemon.runOnce({ force: true })]
  // A pass that resumed an interrupted one (a crash left its cursor) ends at that pass's start
  // time: run those tenants again so --once leaves every tenant current.
  const rerunResumed = async () => {
    for (let round = 0; round < 3; round++) {
      const resumed = runs.at(-1)!.filter((r) => r.ok && (r.incidents?.resumed || r.alerts?.resumed)).map((r) => r.tenantId)
      if (!resumed.length) break
      runs.push(await daemon.runOnce({ force: true, tenants: resumed }))
    }
  }
  await rerunResumed()
  const synced = () => new Set(runs.flat().map((r) => r.tenantId))
  const missing = () => o.asked.filter((t) => !synced().has(t))
  let held = await daemon.heldElsewhere()
  const deadline = Date.now() + o.leaseWaitMs
  let freeButNotTaken = 0
  while (o.leaseWaitMs > 0 && missing().length && Date.now() < deadline) {
    if (held.length) {
      // Sleep until the first lease runs out (or the deadline), then take what became free.
      const next = Math.min(...held.map((h) => Date.parse(h.expires_at))) + 250
      const waitMs = Math.max(100, Math.min(next, deadline) - Date.now())
      ctx.feedback.notice(`waiting ${Math.ceil(waitMs / 1000)}s for ${held.length} tenant lease${held.length === 1 ? '' : 's'} held by other workers…`)
      await new Promise((r) => setTimeout(r, waitMs))
    }
    runs.push(await daemon.runOnce({ force: true, tenants: missing() }))
    await rerunResumed()
    held = await daemon.heldElsewhere()
    // Nothing held any more yet a tenant was not taken: the lease ran out between our read and the
    // pass's own (both compare expires_at with the transaction's now()). Try again shortly, a few
    // times; a tenant no pass can take for another reason (paused) ends the loop.
    if (!held.length && missing().length && ++freeButNotTaken > 3) break
    if (!held.length && missing().length) await new Promise((r) => setTimeout(r, 250))
  }
  o.finish?.()
  const last = new Map(runs.flat().map((r) => [r.tenantId, r]))
  const results = [...last.values()]
  const done = synced()
  const notSynced = o.asked.filter((t) => !done.has(t))
  const heldBy = new Map(held.map((h) => [h.tenant_id, h]))
  const failed = results.filter((r) => !r.ok)
  const sum = (id: string, f: (r: TenantSyncResult) => number) => runs.flat().filter((r) => r.tenantId === id).reduce((n, r) => n + f(r), 0)
  const rows = [
    ...results.map((r) => ({
      tenantId: r.tenantId,
      name: o.names?.get(r.tenantId) ?? null,
      ok: r.ok,
      incidents: sum(r.tenantId, (x) => x.incidents?.records ?? 0),
      alerts: sum(r.tenantId, (x) => (x.incidents?.alerts ?? 0) + (x.alerts?.records ?? 0)),
      ...(r.error && { error: { code: r.error.code, health: r.error.health, message: r.error.message, ...(r.error.hint && { hint: r.error.hint }) } }),
    })),
    ...notSynced.map((t) => ({ tenantId: t, name: o.names?.get(t) ?? null, ok: false, incidents: 0, alerts: 0, ...heldInfo(heldBy.get(t)) })),
  ]
  const ok = failed.length === 0 && notSynced.length === 0
  if (ctx.json) ctx.printJson({ ok, tenants: rows, held: held.map(describeHeld) })
  else {
    for (const r of rows) {
      const e = r.error
      const counts = 'heldBy' in r ? '' : `  ${r.incidents} incidents, ${r.alerts} alerts`
      ctx.print(`${r.ok ? 'ok  ' : 'heldBy' in r ? 'HELD' : 'FAIL'} ${r.tenantId}${r.name ? ` (${r.name})` : ''}${counts}${e ? `  ${e.code}: ${e.message}${e.hint ? `\n     fix: ${e.hint}` : ''}` : ''}`)
    }
    ctx.print(`${rows.filter((r) => r.ok).length} of ${o.asked.length} tenants synced${notSynced.length ? `, ${notSynced.length} not synced` : ''}`)
  }
  return ok ? ExitCode.ok : ExitCode.checkFailed
}

function describeHeld(h: HeldLease) {
  return {
    tenantId: h.tenant_id,
    name: h.display_name,
    worker: h.worker_id,
    since: h.acquired_at ? new Date(h.acquired_at).toISOString() : null,
    until: new Date(h.expires_at).toISOString(),
    lastHeartbeat: h.heartbeat_at ? new Date(h.heartbeat_at).toISOString() : null,
  }
}

function heldInfo(h: HeldLease | undefined) {
  if (!h) return { error: { code: 'ERR_SYNC_NOT_SYNCED', health: 'unknown', message: 'not synced in this run', hint: 'run m365d sync --once again' } }
  const d = describeHeld(h)
  return {
    heldBy: d,
    error: {
      code: 'ERR_SYNC_TENANT_HELD',
      health: 'unknown',
      message: `held by worker ${d.worker} since ${d.since ?? '?'} until ${d.until}${d.lastHeartbeat ? ` (last heartbeat ${d.lastHeartbeat})` : ''}`,
      hint: 'another m365d sync holds it, or a worker that died still does until its lease runs out: wait with --lease-wait 90s, or stop the other worker',
    },
  }
}
